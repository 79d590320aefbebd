#pragma once
#include <string>
#include <string_view>

namespace tend {

// One line per event to stderr. Anything shaped like a Slack token is masked in the sink, so a
// token that reaches a log line by mistake still never reaches the log.
void setup_logging(std::string_view level);
std::string redact_secrets(std::string text);

}  // namespace tend
