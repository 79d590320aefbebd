#pragma once
// Small parsers of what people type after a slash-command.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tend::commands {

std::string_view trim(std::string_view s);
// Splits off the first whitespace-separated word; `rest` is trimmed.
struct Split {
  std::string_view word;
  std::string_view rest;
};
Split split_word(std::string_view text);
std::vector<std::string_view> words(std::string_view text);
std::string lower(std::string_view s);
bool is_valid_utf8(std::string_view s);
// True when `word` appears in `text` as a whole word, case-insensitively.
bool contains_word(std::string_view text, std::string_view word);
// Cuts at a UTF-8 character boundary at most `max_bytes` long.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);
std::size_t utf8_length(std::string_view s);

struct Mention {
  std::string user_id;  // set for <@U123> / <@U123|name>
  std::string name;     // set for @name and <@U123|name>
};
std::optional<Mention> parse_mention(std::string_view token);

}  // namespace tend::commands
