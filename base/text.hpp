#pragma once
// Text helpers every room uses: trimming, case, words, and UTF-8 that is never cut mid-character.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tend {

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

}  // namespace tend
