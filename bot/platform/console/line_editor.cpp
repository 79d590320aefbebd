#include "bot/platform/console/line_editor.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <ostream>

#ifdef TEND_HAVE_LIBEDIT
// libedit's readline.h uses FILE without including <stdio.h>.
#include <cstdio>

#include <editline/readline.h>
#endif

namespace tend::platform {

LineEditor* LineEditor::current_ = nullptr;

#ifdef TEND_HAVE_LIBEDIT

namespace {
constexpr int kHistoryLines = 1000;
}

bool LineEditor::available() {
  return true;
}

LineEditor::LineEditor(boost::asio::any_io_executor executor, std::ostream& out,
                       std::filesystem::path history_file, std::vector<std::string> completions,
                       OnLine on_line)
    // A duplicate of stdin, so closing the descriptor leaves the process's stdin open.
    : input_(executor, ::dup(STDIN_FILENO)),
      out_(out),
      history_file_(std::move(history_file)),
      completions_(std::move(completions)),
      on_line_(std::move(on_line)) {
  have_saved_ = ::tcgetattr(STDIN_FILENO, &saved_) == 0;
  current_ = this;
  rl_readline_name = "tend";
  rl_initialize();
  using_history();
  stifle_history(kHistoryLines);
  if (!history_file_.empty()) {
    // What was typed includes check-in notes: the file is its owner's alone.
    if (const int fd = ::open(history_file_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600); fd >= 0)
      ::close(fd);
    read_history(history_file_.c_str());
  }
  rl_attempted_completion_function = &LineEditor::complete;
}

LineEditor::~LineEditor() {
  stop();
  if (current_ == this) current_ = nullptr;
}

void LineEditor::read_line(const std::string& prompt) {
  if (stopped_) return;
  reading_ = true;
  rl_callback_handler_install(prompt.c_str(), &LineEditor::on_line_callback);
  if (!waiting_) wait_for_key();
}

void LineEditor::wait_for_key() {
  waiting_ = true;
  input_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
    waiting_ = false;
    if (ec || stopped_ || !reading_) return;
    rl_callback_read_char();
    if (reading_ && !stopped_) wait_for_key();
  });
}

void LineEditor::on_line_callback(char* line) {
  if (current_) current_->line_done(line);
  std::free(line);
}

void LineEditor::line_done(char* line) {
  reading_ = false;
  rl_callback_handler_remove();
  // While the line is handled: output and Ctrl-C as usual, but keys typed ahead are neither
  // echoed by the terminal ("^[[A") nor edited by it; libedit reads them for the next line.
  if (have_saved_) {
    termios typing_ahead = saved_;
    typing_ahead.c_lflag &= ~static_cast<tcflag_t>(ECHO | ICANON);
    typing_ahead.c_cc[VMIN] = 1;
    typing_ahead.c_cc[VTIME] = 0;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &typing_ahead);
  }
  std::optional<std::string> typed;
  if (line) {
    typed = line;
    if (typed->find_first_not_of(" \t") != std::string::npos) {
      add_history(line);
      if (!history_file_.empty()) write_history(history_file_.c_str());
    }
  } else {
    out_ << "\n" << std::flush;
  }
  on_line_(std::move(typed));
}

void LineEditor::print(std::string_view text) {
  if (!reading_) {
    out_ << text << std::flush;
    return;
  }
  // Clear the line being typed, write above it, then draw the prompt and the typed text again.
  out_ << "\r\033[K" << text << std::flush;
  rl_forced_update_display();
  out_.flush();
}

void LineEditor::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  input_.cancel(ignored);
  if (reading_) {
    rl_callback_handler_remove();
    out_ << "\n" << std::flush;
    reading_ = false;
  }
  if (have_saved_) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_);
}

char** LineEditor::complete(const char* text, int start, int) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  if (start != 0 || !current_) return nullptr;
  return rl_completion_matches(text, &LineEditor::next_completion);
}

char* LineEditor::next_completion(const char* text, int state) {
  static std::size_t index = 0;
  if (state == 0) index = 0;
  const std::string_view typed(text);
  while (current_ && index < current_->completions_.size()) {
    const auto& word = current_->completions_[index++];
    if (word.starts_with(typed)) return ::strdup(word.c_str());
  }
  return nullptr;
}

#else

bool LineEditor::available() {
  return false;
}

LineEditor::LineEditor(boost::asio::any_io_executor executor, std::ostream& out, std::filesystem::path,
                       std::vector<std::string>, OnLine on_line)
    : input_(executor), out_(out), on_line_(std::move(on_line)) {}
LineEditor::~LineEditor() = default;
void LineEditor::read_line(const std::string&) {}
void LineEditor::print(std::string_view text) {
  out_ << text << std::flush;
}
void LineEditor::stop() {}
void LineEditor::wait_for_key() {}
void LineEditor::line_done(char*) {}
void LineEditor::on_line_callback(char*) {}
char** LineEditor::complete(const char*, int, int) {
  return nullptr;
}
char* LineEditor::next_completion(const char*, int) {
  return nullptr;
}

#endif

}  // namespace tend::platform
