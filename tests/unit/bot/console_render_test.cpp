// How the console shows a message: plain for a pipe, ANSI bold, italic and reverse-video buttons
// for a terminal.
#include <catch2/catch.hpp>

#include "bot/platform/console/render.hpp"

using namespace tend;
using namespace tend::platform;

TEST_CASE("Slack's *bold* and _italic_ become ANSI bold and italic at word edges only") {
  CHECK(ansi_emphasis("Checked in at *4/5*.") == "Checked in at \033[1m4/5\033[22m.");
  CHECK(ansi_emphasis("_spoke at the lunch_ (Sun)") == "\033[3mspoke at the lunch\033[23m (Sun)");
  CHECK(ansi_emphasis("*bo* and _sam_") == "\033[1mbo\033[22m and \033[3msam\033[23m");
  CHECK(ansi_emphasis("*Hello, _bo_*") == "\033[1mHello, \033[3mbo\033[23m\033[22m");
  // Not emphasis: inside words, around spaces, across lines, unclosed.
  for (auto unchanged : {"story.volunteer_followup and checkin_time", "2*3*4 = 24", "a * b * c", "* x*",
                         "*open\nclosed*", "an *unclosed marker", "**"})
    CHECK(ansi_emphasis(unchanged) == unchanged);
}

TEST_CASE("a pipe gets the text as Tend sent it; a terminal the same with attributes") {
  const Message message{
      "*bo* checked in at 2/5.\n> rough day\n", {{"Done", "a", "1"}, {"Snooze", "b", "2"}}, {}};
  CHECK(render_message("→ @sam: ", message, "(:press N as @sam)", Style::plain) ==
        "→ @sam: *bo* checked in at 2/5.\n    > rough day\n"
        "    [1] Done  [2] Snooze  (:press N as @sam)\n");
  CHECK(render_message("→ @sam: ", message, "(:press N as @sam)", Style::terminal) ==
        "→ @sam: \033[1mbo\033[22m checked in at 2/5.\n    > rough day\n"
        "    \033[7m [1] Done \033[27m \033[7m [2] Snooze \033[27m (:press N as @sam)\n");
  CHECK(render_message("", Message{"plain words", {}, {}}, "", Style::plain) == "plain words\n");
}
