#include "bot/platform/link_driver.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

namespace tend::link {

namespace asio = boost::asio;

Driver::Driver(asio::any_io_executor executor, CoreOptions options, SocketIo& sockets)
    : core_(std::move(options)), sockets_(sockets), wake_(executor), finished_signal_(executor) {}

void Driver::feed(Event event) {
  events_.push_back(std::move(event));
  if (feeding_) return;
  feeding_ = true;
  while (!events_.empty()) {
    const auto next = std::move(events_.front());
    events_.pop_front();
    const auto step = core_.handle(next, std::chrono::steady_clock::now());
    for (const auto& line : step.log) {
      constexpr spdlog::level::level_enum levels[] = {spdlog::level::debug, spdlog::level::info,
                                                      spdlog::level::warn, spdlog::level::err};
      spdlog::log(levels[static_cast<int>(line.level)], "{}", line.text);
    }
    for (const auto& action : step.actions) perform(action);
  }
  feeding_ = false;
}

void Driver::perform(const Action& action) {
  if (const auto* open = std::get_if<Open>(&action)) {
    sockets_.open(open->socket, open->resume);
  } else if (const auto* ping = std::get_if<SendPing>(&action)) {
    sockets_.ping(ping->socket);
  } else if (const auto* retire = std::get_if<Retire>(&action)) {
    sockets_.retire(retire->socket);
  } else if (const auto* close = std::get_if<Close>(&action)) {
    sockets_.close(close->socket, close->how, close->code);
  } else if (const auto* wait = std::get_if<WaitUntil>(&action)) {
    wake_.expires_at(wait->when);
    wake_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) feed(TimerFired{});
    });
  } else if (const auto* fatal = std::get_if<Fatal>(&action)) {
    fatal_ = fatal->why;
  } else if (std::holds_alternative<Finished>(action)) {
    // A drain deadline still armed must not keep the event loop alive.
    wake_.cancel();
    finished_ = true;
    finished_signal_.cancel();
  }
}

asio::awaitable<void> Driver::until_finished() {
  while (!finished_) co_await pause(std::chrono::hours(1));
  if (!fatal_.empty()) throw std::runtime_error(fatal_);
}

asio::awaitable<void> Driver::pause(std::chrono::milliseconds at_most) {
  if (finished_) co_return;
  finished_signal_.expires_after(at_most);
  boost::system::error_code ec;
  co_await finished_signal_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<std::optional<std::string>> Driver::read(SocketId socket, net::WebSocket& from) {
  std::string why;
  try {
    co_return co_await from.read();
  } catch (const boost::system::system_error& e) {
    if (net::WebSocket::timed_out(e)) feed(PongMissing{socket});
    why = e.what();
  } catch (const std::exception& e) {
    why = e.what();
  }
  feed(ReadError{socket, why});
  co_return std::nullopt;
}

}  // namespace tend::link
