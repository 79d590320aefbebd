#pragma once
// A bare WebSocket client for the emulator's tests, on its own io_context: it connects, reads a
// frame with a deadline, and writes. Beast answers the server's pings while a read is waiting.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace tend::testing {

class WsClient {
 public:
  // Throws when the upgrade is refused.
  WsClient(unsigned short port, const std::string& target, const std::string& bearer = {}) : ws_(io_) {
    namespace beast = boost::beast;
    boost::asio::ip::tcp::resolver resolver(io_);
    beast::get_lowest_layer(ws_).connect(resolver.resolve("127.0.0.1", std::to_string(port)));
    if (!bearer.empty())
      ws_.set_option(beast::websocket::stream_base::decorator([bearer](beast::websocket::request_type& req) {
        req.set(beast::http::field::authorization, "Bearer " + bearer);
      }));
    ws_.handshake("127.0.0.1:" + std::to_string(port), target);
  }

  // The next text frame, or nullopt when none came within `timeout` or the socket closed.
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    namespace beast = boost::beast;
    std::optional<std::string> out;
    bool done = false;
    buffer_.clear();
    ws_.async_read(buffer_, [&](beast::error_code ec, std::size_t) {
      done = true;
      if (!ec)
        out = beast::buffers_to_string(buffer_.data());
      else
        closed_ = true;
    });
    io_.restart();
    io_.run_for(timeout);
    if (!done) {
      // Cancelling the read leaves the stream unusable; a test that times out a read is done with it.
      beast::get_lowest_layer(ws_).cancel();
      io_.restart();
      io_.run();
    }
    return out;
  }

  void write(const std::string& text) { ws_.write(boost::asio::buffer(text)); }
  bool closed() const { return closed_; }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  bool closed_ = false;
};

}  // namespace tend::testing
