#include "bot/platform/console/render.hpp"

#include <cctype>

namespace tend::platform {
namespace {

constexpr std::string_view kBold = "\033[1m", kBoldOff = "\033[22m";
constexpr std::string_view kItalic = "\033[3m", kItalicOff = "\033[23m";
constexpr std::string_view kReverse = "\033[7m", kReverseOff = "\033[27m";

bool is_word_char(char c) {
  // Bytes of multi-byte UTF-8 characters count as letters: "café_" is a word.
  return std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n';
}

// Where the span opened by the marker at `open` closes, or npos: on the same line, the closing
// marker after a non-space and not followed by a word character.
std::size_t closing_marker(std::string_view text, std::size_t open) {
  const char marker = text[open];
  for (std::size_t i = open + 2; i < text.size(); ++i) {
    if (text[i] == '\n') return std::string_view::npos;
    if (text[i] == marker && !is_space(text[i - 1]) && (i + 1 == text.size() || !is_word_char(text[i + 1])))
      return i;
  }
  return std::string_view::npos;
}

void indent_continuation(std::string& out, std::string_view text) {
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
}

}  // namespace

std::string ansi_emphasis(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const bool marker = c == '*' || c == '_';
    const bool at_word_start = i == 0 || !is_word_char(text[i - 1]);
    if (marker && at_word_start && i + 1 < text.size() && !is_space(text[i + 1]) && text[i + 1] != c) {
      if (const auto close = closing_marker(text, i); close != std::string_view::npos) {
        const auto on = c == '*' ? kBold : kItalic;
        const auto off = c == '*' ? kBoldOff : kItalicOff;
        out += on;
        // Emphasis nests (*bold _and italic_*): the inside is rendered too.
        out += ansi_emphasis(text.substr(i + 1, close - i - 1));
        out += off;
        i = close + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

std::string render_message(std::string_view prefix, const Message& message, std::string_view press_hint,
                           Style style) {
  std::string out(prefix);
  std::string_view text = message.text;
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
  if (text.empty())
    while (!out.empty() && out.back() == ' ') out.pop_back();
  indent_continuation(out, style == Style::terminal ? ansi_emphasis(text) : std::string(text));
  out += "\n";
  if (!message.buttons.empty()) {
    out += "    ";
    for (std::size_t i = 0; i < message.buttons.size(); ++i) {
      const auto label = "[" + std::to_string(i + 1) + "] " + message.buttons[i].label;
      if (style == Style::terminal)
        out += std::string(kReverse) + " " + label + " " + std::string(kReverseOff) + " ";
      else
        out += label + "  ";
    }
    out += std::string(press_hint) + "\n";
  }
  return out;
}

}  // namespace tend::platform
