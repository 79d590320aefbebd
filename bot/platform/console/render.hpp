#pragma once
// How the console shows a message: plain text for a pipe (exactly what Tend sent, indented), and
// for a terminal Slack's *bold* and _italic_ as ANSI bold and italic, buttons in reverse video.
#include <string>
#include <string_view>
#include <vector>

#include "base/message.hpp"

namespace tend::platform {

enum class Style { plain, terminal };

// Slack mrkdwn emphasis as ANSI: `*bold*` and `_italic_` when the markers stand at word edges
// (so snake_case and 2*3*4 stay as typed); everything else unchanged.
std::string ansi_emphasis(std::string_view text);

// One shown message: `prefix` then the text, continuation lines indented by four spaces, and the
// buttons on a line of their own ending with `press_hint`. Ends with a newline.
std::string render_message(std::string_view prefix, const Message& message, std::string_view press_hint,
                           Style style);

}  // namespace tend::platform
