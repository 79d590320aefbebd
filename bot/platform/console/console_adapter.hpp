#pragma once
// `tend console`: a local chat in the terminal. Lines are slash-commands from the current
// person; `:as @name` switches person, `:advance 3d` moves the simulated clock, `:now` shows it,
// `:press N` presses button N of the last message shown to the current person. What Tend sends
// to anyone is printed as `→ @name: …`. Works interactively and from a pipe.
//
// Only the io_context thread writes the output. From a pipe or a file, a reader thread reads lines
// and posts them; in a terminal, libedit reads keys on the io_context thread (line_editor.hpp).
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "bot/platform/adapter.hpp"
#include "bot/platform/console/line_editor.hpp"
#include "bot/platform/console/render.hpp"

namespace tend::platform {

class ConsoleAdapter final : public Adapter {
 public:
  struct Hooks {
    // The clock moved: persist it and deliver what fell due, in order.
    std::function<boost::asio::awaitable<void>(std::chrono::seconds by)> advance;
    // After each line: deliver what that line queued, so output stays in order.
    std::function<boost::asio::awaitable<void>()> settle;
    // How the simulated time is shown to the current person.
    std::function<std::string(Instant)> format_now;
  };

  struct Options {
    std::string first_person;
    // Where a terminal's line history is kept between runs; empty: not kept.
    std::filesystem::path history_file;
    // The slash-commands Tab completes ("/checkin"), as this workspace names them.
    std::vector<std::string> commands;
  };

  ConsoleAdapter(boost::asio::any_io_executor executor, std::istream& in, std::ostream& out,
                 const Clock& clock, Hooks hooks, Options options);
  ~ConsoleAdapter() override;

  std::string platform() const override { return "console"; }
  // Shown once, above the next message Tend sends, so a stretch of `:advance` reads as a diary.
  void announce_time(std::string when) { pending_time_ = std::move(when); }
  boost::asio::awaitable<void> run(Dispatcher& dispatcher) override;
  void stop() override;
  boost::asio::awaitable<SendResult> send(const Recipient& to, const Message& message) override;
  boost::asio::awaitable<std::optional<UserProfile>> lookup_user(std::string) override {
    co_return std::nullopt;
  }

 private:
  boost::asio::awaitable<std::optional<std::string>> next_line();
  boost::asio::awaitable<void> handle_line(Dispatcher& dispatcher, const std::string& line);
  void show(const std::string& prefix, const Message& message, const std::string& shown_to);
  void prompt();
  // Everything shown goes through here, on the io_context thread.
  void write(std::string_view text);
  void line_arrived(std::optional<std::string> line);
  void start_reader();

  // What the reader thread may touch. The thread can outlive the adapter (a read blocked on a
  // terminal or an open pipe cannot be interrupted), so it holds this, never the adapter itself.
  struct ReaderLink {
    std::mutex mutex;                      // orders a post against the adapter going away
    std::atomic<ConsoleAdapter*> adapter;  // null once the adapter is destroyed
    boost::asio::any_io_executor executor;
  };

  boost::asio::any_io_executor executor_;
  std::istream& in_;
  std::ostream& out_;
  const Clock& clock_;
  Hooks hooks_;
  std::string person_;
  std::map<std::string, std::vector<Button>> last_buttons_;  // per person
  std::deque<std::optional<std::string>> lines_;             // nullopt: end of input
  boost::asio::steady_timer line_ready_;
  std::shared_ptr<ReaderLink> reader_link_;
  std::unique_ptr<LineEditor> editor_;  // in a terminal, when built with libedit
  std::string pending_time_;
  bool interactive_ = false;
  Style style_ = Style::plain;
  bool stopping_ = false;
};

}  // namespace tend::platform
