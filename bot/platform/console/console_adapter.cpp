#include "bot/platform/console/console_adapter.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>

#include "base/text.hpp"
#include "config/parse.hpp"

namespace tend::platform {
namespace {

std::string indent_continuation(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

constexpr const char* kConsoleHelp =
    "Type slash-commands as the current person, for example /checkin 4 or /tend help.\n"
    "  :as @name     switch to another person (they are created on first use)\n"
    "  :advance 3d   move the simulated clock forward (s m h d w) and see what Tend sends\n"
    "  :now          show the simulated time\n"
    "  :press N      press button N of the last message shown to you\n"
    "  :quit         leave (end of input does the same)";

}  // namespace

ConsoleAdapter::ConsoleAdapter(boost::asio::any_io_executor executor, std::istream& in, std::ostream& out,
                               const Clock& clock, Hooks hooks, std::string first_person)
    : executor_(executor),
      in_(in),
      out_(out),
      clock_(clock),
      hooks_(std::move(hooks)),
      person_(std::move(first_person)),
      line_ready_(executor) {
  interactive_ = &in_ == &std::cin && ::isatty(STDIN_FILENO);
  // std::istream cannot be read asynchronously (a file on stdin is not pollable), so one thread
  // reads lines and posts them to the io_context, where everything else happens.
  reader_ = std::thread([this] {
    std::string line;
    while (std::getline(in_, line)) {
      boost::asio::post(executor_, [this, line] {
        lines_.push_back(line);
        line_ready_.cancel();
      });
    }
    boost::asio::post(executor_, [this] {
      lines_.push_back(std::nullopt);
      line_ready_.cancel();
    });
  });
}

ConsoleAdapter::~ConsoleAdapter() {
  // A reader blocked on a terminal cannot be interrupted; the process is ending anyway.
  if (reader_.joinable()) reader_.detach();
}

void ConsoleAdapter::stop() {
  stopping_ = true;
  line_ready_.cancel();
}

void ConsoleAdapter::prompt() {
  if (interactive_) out_ << person_ << "> " << std::flush;
}

boost::asio::awaitable<std::optional<std::string>> ConsoleAdapter::next_line() {
  while (lines_.empty() && !stopping_) {
    line_ready_.expires_at(std::chrono::steady_clock::time_point::max());
    boost::system::error_code ec;
    co_await line_ready_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  if (stopping_ || lines_.empty()) co_return std::nullopt;
  auto line = lines_.front();
  lines_.pop_front();
  co_return line;
}

boost::asio::awaitable<void> ConsoleAdapter::run(Dispatcher& dispatcher) {
  if (interactive_) out_ << "Tend console. You are @" << person_ << ". Type :help for help.\n";
  prompt();
  while (auto line = co_await next_line()) {
    if (!interactive_ && !trim(*line).empty()) out_ << person_ << "> " << *line << "\n";
    co_await handle_line(dispatcher, *line);
    if (hooks_.settle) co_await hooks_.settle();
    out_ << std::flush;
    if (stopping_) break;
    prompt();
  }
  out_ << std::flush;
}

boost::asio::awaitable<void> ConsoleAdapter::handle_line(Dispatcher& dispatcher, const std::string& raw) {
  const auto line = std::string(trim(raw));
  if (line.empty()) co_return;
  Origin origin{person_, person_, "", {}};
  if (line.front() == '/') {
    auto [word, rest] = split_word(std::string_view(line).substr(1));
    // Named, not a braced temporary inside co_await: GCC 12 destroys such temporaries twice.
    Command command{origin, std::string(word), std::string(rest)};
    auto reply = co_await dispatcher.command(std::move(command));
    show("", reply, person_);
    co_return;
  }
  if (line.front() != ':') {
    out_ << "Type a slash-command such as /checkin 4 or /tend help (:help for the console's own commands).\n";
    co_return;
  }
  auto [word, rest] = split_word(std::string_view(line).substr(1));
  if (word == "help") {
    out_ << kConsoleHelp << "\n";
  } else if (word == "quit" || word == "exit") {
    stopping_ = true;
  } else if (word == "as") {
    // In the console a person's platform id is their name, so "@sam" needs no lookup.
    auto name = trim(rest);
    if (name.starts_with('@')) name.remove_prefix(1);
    if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) {
      out_ << "Usage: :as @name\n";
      co_return;
    }
    person_ = std::string(name);
    origin = Origin{person_, person_, "", {}};
    auto home = co_await dispatcher.home(origin);
    auto first_line = home.text.substr(0, home.text.find('\n'));
    out_ << "You are now @" << person_ << ". " << first_line << "\n";
  } else if (word == "now") {
    out_ << "It is " << (hooks_.format_now ? hooks_.format_now(clock_.now()) : "") << ".\n";
  } else if (word == "advance") {
    try {
      auto by = config::parse_duration(rest);
      if (hooks_.advance) co_await hooks_.advance(by);
      out_ << "It is now " << (hooks_.format_now ? hooks_.format_now(clock_.now()) : "") << ".\n";
    } catch (const config::ParseError& e) {
      out_ << "Usage: :advance 3d (" << e.what() << ")\n";
    }
  } else if (word == "press") {
    auto& buttons = last_buttons_[person_];
    int n = 0;
    try {
      n = std::stoi(std::string(rest));
    } catch (const std::exception&) {
    }
    if (n < 1 || n > static_cast<int>(buttons.size())) {
      out_ << (buttons.empty() ? std::string("There are no buttons to press.")
                               : "Press a button from 1 to " + std::to_string(buttons.size()) + ".")
           << "\n";
      co_return;
    }
    const auto button = buttons[n - 1];
    Action action{origin, button.action_id, button.value, {}};
    auto reply = co_await dispatcher.action(std::move(action));
    show("", reply, person_);
  } else {
    out_ << "Unknown console command :" << word << ". " << kConsoleHelp << "\n";
  }
}

void ConsoleAdapter::show(const std::string& prefix, const Message& message, const std::string& shown_to) {
  out_ << prefix << indent_continuation(message.text) << "\n";
  if (!message.buttons.empty()) {
    out_ << "    ";
    for (std::size_t i = 0; i < message.buttons.size(); ++i)
      out_ << "[" << i + 1 << "] " << message.buttons[i].label << "  ";
    out_ << "(:press N" << (shown_to == person_ ? "" : " as @" + shown_to) << ")\n";
    last_buttons_[shown_to] = message.buttons;
  }
}

boost::asio::awaitable<SendResult> ConsoleAdapter::send(const Recipient& to, const Message& message) {
  if (!pending_time_.empty()) {
    out_ << "[" << pending_time_ << "]\n";
    pending_time_.clear();
  }
  const bool person = to.kind == Recipient::Kind::person;
  show(std::string("→ ") + (person ? "@" : "#") + to.id + ": ", message, person ? to.id : "#" + to.id);
  out_ << std::flush;
  co_return SendResult{};
}

}  // namespace tend::platform
