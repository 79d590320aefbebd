#pragma once
// Mentions as people type them after a slash-command; the generic text helpers are in base/.
#include <optional>
#include <string>
#include <string_view>

#include "base/text.hpp"

namespace tend::commands {

struct Mention {
  std::string user_id;  // set for <@U123> / <@U123|name>
  std::string name;     // set for @name and <@U123|name>
};
std::optional<Mention> parse_mention(std::string_view token);

}  // namespace tend::commands
