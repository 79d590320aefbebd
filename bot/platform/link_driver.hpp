#pragma once
// The connection core on an io_context, written once for every adapter: it queues events that
// arrive while the core's answer to another is being carried out, prints the log lines the core
// chose, keeps the one timer the core asks for, and hands what concerns a socket to the
// adapter's I/O.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <optional>
#include <string>

#include "bot/net/websocket.hpp"
#include "bot/platform/connection_core.hpp"

namespace tend::link {

// What an adapter does to its sockets when the core says so.
class SocketIo {
 public:
  virtual ~SocketIo() = default;
  // Connect, then report Opened and Ready (or ConnectFailed) under `socket`.
  virtual void open(SocketId socket, const std::optional<Session>& resume) = 0;
  virtual void ping(SocketId socket) = 0;
  // Take no new work on it; report Drained once nothing is in flight or waiting to be written.
  virtual void retire(SocketId socket) = 0;
  virtual void close(SocketId socket, Close::How how, int code) = 0;
};

class Driver {
 public:
  Driver(boost::asio::any_io_executor executor, CoreOptions options, SocketIo& sockets);

  void feed(Event event);
  bool finished() const { return finished_; }
  // Whether a socket is live (greeted, carrying work) now: the link state /healthz reports.
  bool live() const { return core_.live().has_value(); }
  // Returns when the core has finished, throwing its Fatal message when there was one.
  boost::asio::awaitable<void> until_finished();
  // Waits `at_most`, less when the core finishes meanwhile (a stop during a pre-flight wait).
  boost::asio::awaitable<void> pause(std::chrono::milliseconds at_most);
  // The next frame from `from`, the socket the core knows as `socket`; nothing once it failed,
  // which is reported: PongMissing when it stayed silent past its keep-alive, then ReadError.
  boost::asio::awaitable<std::optional<std::string>> read(SocketId socket, net::WebSocket& from);

 private:
  void perform(const Action& action);

  ConnectionCore core_;
  SocketIo& sockets_;
  std::deque<Event> events_;
  bool feeding_ = false;
  boost::asio::steady_timer wake_;             // the core's WaitUntil
  boost::asio::steady_timer finished_signal_;  // cancelled when the core finishes
  bool finished_ = false;
  std::string fatal_;
};

}  // namespace tend::link
