#include "bot/platform/console/console_adapter.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>
#include <thread>

#include "base/text.hpp"
#include "config/parse.hpp"

namespace tend::platform {
namespace {

constexpr const char* kVerbs[] = {":as", ":advance", ":now", ":press", ":help", ":quit"};

constexpr const char* kConsoleHelp =
    "Type slash-commands as the current person, for example /checkin 4 or /tend help.\n"
    "  :as @name     switch to another person (they are created on first use)\n"
    "  :advance 3d   move the simulated clock forward (s m h d w) and see what Tend sends\n"
    "  :now          show the simulated time\n"
    "  :press N      press button N of the last message shown to you\n"
    "  :quit         leave (end of input does the same)";

}  // namespace

ConsoleAdapter::ConsoleAdapter(boost::asio::any_io_executor executor, std::istream& in, std::ostream& out,
                               const Clock& clock, Hooks hooks, Options options)
    : executor_(executor),
      in_(in),
      out_(out),
      clock_(clock),
      hooks_(std::move(hooks)),
      person_(std::move(options.first_person)),
      line_ready_(executor) {
  const bool terminal_in = &in_ == &std::cin && ::isatty(STDIN_FILENO);
  const bool terminal_out = &out_ == &std::cout && ::isatty(STDOUT_FILENO);
  interactive_ = terminal_in;
  if (terminal_out) style_ = Style::terminal;
  if (terminal_in && terminal_out && LineEditor::available()) {
    auto completions = std::move(options.commands);
    completions.insert(completions.end(), std::begin(kVerbs), std::end(kVerbs));
    editor_ = std::make_unique<LineEditor>(
        executor_, out_, options.history_file, std::move(completions),
        [this](std::optional<std::string> line) { line_arrived(std::move(line)); });
    return;
  }
  // Reading std::cin must never flush std::cout from this thread: the io_context thread is the
  // only writer of the output.
  in_.tie(nullptr);
}

// std::istream cannot be read asynchronously (a file on stdin is not pollable), so one thread
// reads lines and posts them to the io_context, where everything else happens. It starts with
// run(), so a Tend that stops during start-up never reads its input.
void ConsoleAdapter::start_reader() {
  reader_link_ = std::make_shared<ReaderLink>();
  reader_link_->adapter = this;
  reader_link_->executor = executor_;
  std::thread([link = reader_link_, &in = in_] {
    auto hand_over = [&link](std::optional<std::string> line) {
      std::lock_guard lock(link->mutex);
      if (!link->adapter) return false;
      boost::asio::post(link->executor, [link, line = std::move(line)]() mutable {
        if (auto* adapter = link->adapter.load()) adapter->line_arrived(std::move(line));
      });
      return true;
    };
    std::string line;
    while (std::getline(in, line))
      if (!hand_over(std::move(line))) return;
    hand_over(std::nullopt);
  }).detach();
}

void ConsoleAdapter::line_arrived(std::optional<std::string> line) {
  lines_.push_back(std::move(line));
  line_ready_.cancel();
}

ConsoleAdapter::~ConsoleAdapter() {
  if (!reader_link_) return;
  std::lock_guard lock(reader_link_->mutex);
  reader_link_->adapter = nullptr;
}

void ConsoleAdapter::stop() {
  stopping_ = true;
  line_ready_.cancel();
  if (editor_) editor_->stop();
}

void ConsoleAdapter::prompt() {
  if (editor_)
    editor_->read_line(person_ + "> ");
  else if (interactive_)
    out_ << person_ << "> " << std::flush;
}

void ConsoleAdapter::write(std::string_view text) {
  if (editor_)
    editor_->print(text);
  else
    out_ << text;
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
  if (!editor_) start_reader();
  if (interactive_)
    write("Tend console. You are @" + person_ + ". Type :help for help" +
          (editor_ ? "; Tab completes, arrow keys walk the history" : "") + ".\n");
  prompt();
  while (auto line = co_await next_line()) {
    if (!interactive_ && !trim(*line).empty()) write(person_ + "> " + *line + "\n");
    co_await handle_line(dispatcher, *line);
    if (hooks_.settle) co_await hooks_.settle();
    // A time shown above a message belongs to the :advance that announced it; what a later line
    // causes is sent at the time shown by that :advance's "It is now".
    pending_time_.clear();
    out_ << std::flush;
    if (stopping_) break;
    prompt();
  }
  if (editor_) editor_->stop();
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
    write("Type a slash-command such as /checkin 4 or /tend help (:help for the console's own commands).\n");
    co_return;
  }
  auto [word, rest] = split_word(std::string_view(line).substr(1));
  if (word == "help") {
    write(std::string(kConsoleHelp) + "\n");
  } else if (word == "quit" || word == "exit") {
    stopping_ = true;
  } else if (word == "as") {
    // In the console a person's platform id is their name, so "@sam" needs no lookup.
    auto name = trim(rest);
    if (name.starts_with('@')) name.remove_prefix(1);
    if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) {
      write("Usage: :as @name\n");
      co_return;
    }
    person_ = std::string(name);
    origin = Origin{person_, person_, "", {}};
    auto home = co_await dispatcher.home(origin);
    auto first_line = home.text.substr(0, home.text.find('\n'));
    write("You are now @" + person_ + ". " + first_line + "\n");
  } else if (word == "now") {
    write("It is " + (hooks_.format_now ? hooks_.format_now(clock_.now()) : "") + ".\n");
  } else if (word == "advance") {
    try {
      auto by = config::parse_duration(rest);
      if (hooks_.advance) co_await hooks_.advance(by);
      write("It is now " + (hooks_.format_now ? hooks_.format_now(clock_.now()) : "") + ".\n");
    } catch (const config::ParseError& e) {
      write(std::string("Usage: :advance 3d (") + e.what() + ")\n");
    }
  } else if (word == "press") {
    auto& buttons = last_buttons_[person_];
    int n = 0;
    try {
      n = std::stoi(std::string(rest));
    } catch (const std::exception&) {
    }
    if (n < 1 || n > static_cast<int>(buttons.size())) {
      write((buttons.empty() ? std::string("There are no buttons to press.")
                             : "Press a button from 1 to " + std::to_string(buttons.size()) + ".") +
            "\n");
      co_return;
    }
    const auto button = buttons[n - 1];
    Action action{origin, button.action_id, button.value, {}};
    auto reply = co_await dispatcher.action(std::move(action));
    show("", reply, person_);
  } else {
    write("Unknown console command :" + std::string(word) + ". " + kConsoleHelp + "\n");
  }
}

void ConsoleAdapter::show(const std::string& prefix, const Message& message, const std::string& shown_to) {
  const auto hint = "(:press N" + (shown_to == person_ ? std::string() : " as @" + shown_to) + ")";
  write(render_message(prefix, message, hint, style_));
  if (!message.buttons.empty()) last_buttons_[shown_to] = message.buttons;
}

boost::asio::awaitable<SendResult> ConsoleAdapter::send(const Recipient& to, const Message& message) {
  if (!pending_time_.empty()) {
    write("[" + pending_time_ + "]\n");
    pending_time_.clear();
  }
  const bool person = to.kind == Recipient::Kind::person;
  show(std::string("→ ") + (person ? "@" : "#") + to.id + ": ", message, person ? to.id : "#" + to.id);
  out_ << std::flush;
  co_return SendResult{};
}

}  // namespace tend::platform
