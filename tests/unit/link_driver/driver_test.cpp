// The driver carries the core's answers out on a real io_context: socket actions reach the
// adapter's I/O in order, the core's timer fires, and a finished link leaves nothing behind
// that would keep the event loop running.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "bot/platform/link_driver.hpp"

using namespace tend;
using namespace tend::link;
using namespace std::chrono_literals;

namespace {

// Sockets that connect at once and drain when retired; records what it was asked.
class InstantSockets final : public SocketIo {
 public:
  Driver* driver = nullptr;
  std::vector<std::string> asked;
  bool drain_when_retired = true;

  void open(SocketId socket, const std::optional<Session>&) override {
    asked.push_back("open " + std::to_string(socket));
    driver->feed(Opened{socket});
    driver->feed(Ready{socket, std::nullopt, ""});
  }
  void ping(SocketId socket) override { asked.push_back("ping " + std::to_string(socket)); }
  void retire(SocketId socket) override {
    asked.push_back("retire " + std::to_string(socket));
    if (drain_when_retired) driver->feed(Drained{socket});
  }
  void close(SocketId socket, Close::How how, int) override {
    asked.push_back("close " + std::to_string(socket) +
                    (how == Close::How::properly ? " properly" : " abruptly"));
    driver->feed(ReadError{socket, "closed"});
  }
};

CoreOptions options(std::chrono::milliseconds drain_timeout) {
  CoreOptions o;
  o.drain_timeout = drain_timeout;
  return o;
}

}  // namespace

TEST_CASE("a stop closes the socket once drained and the run returns, leaving the event loop idle") {
  boost::asio::io_context io;
  InstantSockets sockets;
  Driver driver(io.get_executor(), options(1h), sockets);
  sockets.driver = &driver;
  bool returned = false;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        driver.feed(Start{});
        co_await driver.until_finished();
        returned = true;
      },
      boost::asio::detached);
  io.poll();
  CHECK(sockets.asked == std::vector<std::string>{"open 1"});
  driver.feed(Stop{});
  // The hour-long drain deadline armed at the stop must not hold the loop once the link is done.
  io.run_for(5s);
  CHECK(returned);
  CHECK(io.stopped());
  CHECK(sockets.asked == std::vector<std::string>{"open 1", "retire 1", "close 1 properly"});
}

TEST_CASE("the core's timer fires: a socket that never drains is closed at its deadline") {
  boost::asio::io_context io;
  InstantSockets sockets;
  sockets.drain_when_retired = false;
  Driver driver(io.get_executor(), options(20ms), sockets);
  sockets.driver = &driver;
  std::string error;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        driver.feed(Start{});
        driver.feed(DisconnectNotice{1, NoticeKind::disabled, "link_disabled", "the link is disabled"});
        try {
          co_await driver.until_finished();
        } catch (const std::exception& e) {
          error = e.what();
        }
      },
      boost::asio::detached);
  io.run_for(5s);
  CHECK(io.stopped());
  CHECK(sockets.asked == std::vector<std::string>{"open 1", "retire 1", "close 1 abruptly"});
  CHECK(error == "the link is disabled");
}
