#pragma once
// A bare gateway client for the Discord emulator's tests, on its own io_context: connects, reads a
// frame with a deadline (parsed as JSON), writes, and tells the close code the server sent.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace tend::testing::discord {

class GatewayClient {
 public:
  explicit GatewayClient(unsigned short port, const std::string& target = "/?v=10&encoding=json") : ws_(io_) {
    boost::asio::ip::tcp::resolver resolver(io_);
    boost::beast::get_lowest_layer(ws_).connect(resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.handshake("127.0.0.1:" + std::to_string(port), target);
  }

  // The next frame, or nullopt when none came within `timeout` or the socket closed.
  std::optional<nlohmann::json> read(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    namespace beast = boost::beast;
    std::optional<nlohmann::json> out;
    bool done = false;
    buffer_.clear();
    ws_.async_read(buffer_, [&](beast::error_code ec, std::size_t) {
      done = true;
      if (!ec)
        out = nlohmann::json::parse(beast::buffers_to_string(buffer_.data()));
      else
        closed_ = true;
    });
    io_.restart();
    io_.run_for(timeout);
    if (!done) {
      beast::get_lowest_layer(ws_).cancel();
      io_.restart();
      io_.run();
    }
    return out;
  }

  // Reads until a frame with this op (and `t`, for dispatches) arrives; nullopt if none does.
  std::optional<nlohmann::json> read_until(int op, const std::string& t = {}) {
    while (auto frame = read()) {
      if ((*frame)["op"] == op && (t.empty() || (*frame)["t"] == t)) return frame;
    }
    return std::nullopt;
  }

  void write(const nlohmann::json& frame) { ws_.write(boost::asio::buffer(frame.dump())); }
  bool closed() const { return closed_; }
  int close_code() const { return ws_.reason().code; }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  bool closed_ = false;
};

}  // namespace tend::testing::discord
