#pragma once
// In a terminal the console reads lines through libedit, like the shells people know: arrow keys
// edit the line and walk the history, Tab completes, and the history is kept in a file between
// runs. It runs on the io_context thread (a terminal can be waited on), so the screen has one
// writer: what Tend sends while a line is being typed is printed above it, and the line redrawn.
// Built without libedit (TEND_HAVE_LIBEDIT unset), available() is false and the console reads
// plain lines.
#include <termios.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tend::platform {

class LineEditor {
 public:
  // A typed line, or nullopt at the end of input (Ctrl-D on an empty line).
  using OnLine = std::function<void(std::optional<std::string>)>;

  static bool available();

  // `completions`: the words Tab completes at the start of a line ("/checkin", ":advance").
  LineEditor(boost::asio::any_io_executor executor, std::ostream& out, std::filesystem::path history_file,
             std::vector<std::string> completions, OnLine on_line);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // Shows the prompt and reads keys until a line is complete; then on_line is called once.
  void read_line(const std::string& prompt);
  // Writes `text` (whole lines) above the line being typed, which is then redrawn.
  void print(std::string_view text);
  // Stops reading and gives the terminal back as it was.
  void stop();

 private:
  void wait_for_key();
  void line_done(char* line);

  boost::asio::posix::stream_descriptor input_;
  std::ostream& out_;
  std::filesystem::path history_file_;
  std::vector<std::string> completions_;
  OnLine on_line_;
  termios saved_{};
  bool have_saved_ = false;
  bool reading_ = false;
  bool waiting_ = false;
  bool stopped_ = false;

  // libedit's readline interface keeps one editor per process; its callbacks find it here.
  static LineEditor* current_;
  static void on_line_callback(char* line);
  static char** complete(const char* text, int start, int end);
  static char* next_completion(const char* text, int state);
};

}  // namespace tend::platform
