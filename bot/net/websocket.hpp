#pragma once
// One client WebSocket over TCP (ws://, http://) or TLS (wss://, https://), Beast underneath,
// written once for every adapter. Beast allows one read and one write at a time: an adapter
// keeps one reader and queues its frames behind one writer. A quiet socket is pinged at half of
// `silent_after` and given up (the read fails with a timeout) when the other half passes
// without a frame or a pong; pings from the server are answered while a read is waiting.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "bot/net/http_client.hpp"

namespace tend::net {

// The server answered the upgrade with an HTTP status instead of switching protocols.
struct UpgradeDeclined : std::runtime_error {
  UpgradeDeclined(int status, const std::string& what) : std::runtime_error(what), status(status) {}
  int status;
};

class WebSocket {
 public:
  struct Options {
    std::chrono::milliseconds silent_after{12000};
    std::string authorization;  // the Authorization header of the upgrade; empty: none
  };

  // A socket for `url`'s scheme: TLS for wss:// and https://, plain TCP otherwise.
  static std::unique_ptr<WebSocket> make(boost::asio::any_io_executor executor, const Url& url);
  virtual ~WebSocket() = default;

  // Connects to `url` and upgrades at `target` (path and query); throws on failure, and
  // UpgradeDeclined when the server answered with a status.
  virtual boost::asio::awaitable<void> open(const Url& url, const std::string& target,
                                            const Options& options) = 0;
  // The next text frame; throws boost::system::system_error (see timed_out).
  virtual boost::asio::awaitable<std::string> read() = 0;
  virtual boost::asio::awaitable<void> write(const std::string& frame) = 0;
  // A close frame (1000, or `code`), then the socket goes; abruptly when the close cannot be sent.
  boost::asio::awaitable<void> close() { return close_with(1000); }
  virtual boost::asio::awaitable<void> close_with(int code) = 0;
  // The code of the close frame the server sent, once a read failed because it closed the
  // socket; 0 when it sent none (a dropped link).
  virtual int close_code() const = 0;
  // Shuts the socket at once: a waiting read fails.
  virtual void abort() = 0;
  // Whether bytes of a further frame have already arrived (a batch is what has arrived).
  virtual bool more_readable() = 0;
  // While corked, what is written waits in the socket and leaves as one packet when uncorked: the
  // answers to one batch go out together.
  virtual void cork(bool on) = 0;

  // Whether a read failed because the socket stayed silent (no frame, no pong) for `silent_after`.
  static bool timed_out(const boost::system::system_error& error);
};

}  // namespace tend::net
