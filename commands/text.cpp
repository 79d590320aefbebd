#include "commands/text.hpp"

namespace tend::commands {

std::optional<Mention> parse_mention(std::string_view token) {
  token = trim(token);
  if (token.size() > 3 && token.starts_with("<@") && token.ends_with(">")) {
    auto inner = token.substr(2, token.size() - 3);
    Mention m;
    if (auto bar = inner.find('|'); bar != std::string_view::npos) {
      m.user_id = std::string(inner.substr(0, bar));
      m.name = std::string(inner.substr(bar + 1));
    } else {
      m.user_id = std::string(inner);
    }
    if (m.user_id.empty()) return std::nullopt;
    return m;
  }
  if (token.size() > 1 && token.front() == '@') {
    auto name = token.substr(1);
    if (name.find_first_of(" <>|@") != std::string_view::npos) return std::nullopt;
    return Mention{{}, std::string(name)};
  }
  return std::nullopt;
}

}  // namespace tend::commands
