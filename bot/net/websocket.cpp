#include "bot/net/websocket.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <type_traits>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "bot/net/tls.hpp"

namespace tend::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr std::chrono::seconds kHandshakeTimeout{10};

template <class Stream>
class BeastWebSocket final : public WebSocket {
 public:
  template <class... Args>
  explicit BeastWebSocket(Args&&... args) : ws_(std::forward<Args>(args)...) {}

  asio::awaitable<void> open(const Url& url, const std::string& target, const Options& options) override {
    auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(executor);
    auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
    auto& tcp = beast::get_lowest_layer(ws_);
    tcp.expires_after(kHandshakeTimeout);
    co_await tcp.async_connect(endpoints, asio::use_awaitable);
    // An answer is one small frame that must leave at once, not wait for Nagle's algorithm.
    tcp.socket().set_option(asio::ip::tcp::no_delay(true));
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      expect_host(ws_.next_layer(), url.host);
      co_await ws_.next_layer().async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    }
    tcp.expires_never();
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = kHandshakeTimeout;
    timeouts.idle_timeout = options.silent_after;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([authorization = options.authorization](auto& req) {
      req.set(beast::http::field::user_agent, "tend");
      if (!authorization.empty()) req.set(beast::http::field::authorization, authorization);
    }));
    websocket::response_type response;
    beast::error_code ec;
    co_await ws_.async_handshake(response, url.host + ":" + url.port, target,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec == websocket::error::upgrade_declined)
      throw UpgradeDeclined(
          static_cast<int>(response.result_int()),
          "the WebSocket upgrade was answered with HTTP " + std::to_string(response.result_int()));
    if (ec) throw boost::system::system_error(ec);
    ws_.text(true);
  }

  asio::awaitable<std::string> read() override {
    buffer_.clear();
    co_await ws_.async_read(buffer_, asio::use_awaitable);
    co_return beast::buffers_to_string(buffer_.data());
  }

  asio::awaitable<void> write(const std::string& frame) override {
    co_await ws_.async_write(asio::buffer(frame), asio::use_awaitable);
  }

  asio::awaitable<void> close_with(int code) override {
    beast::error_code ec;
    co_await ws_.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)),
                             asio::redirect_error(asio::use_awaitable, ec));
    if (ec) abort();
  }

  int close_code() const override { return ws_.reason().code; }

  void abort() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

  bool more_readable() override {
    beast::error_code ec;
    return beast::get_lowest_layer(ws_).socket().available(ec) > 0 && !ec;
  }

  void cork(bool on) override {
    const int value = on ? 1 : 0;
    ::setsockopt(beast::get_lowest_layer(ws_).socket().native_handle(), IPPROTO_TCP, TCP_CORK, &value,
                 sizeof value);
  }

 private:
  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
};

}  // namespace

std::unique_ptr<WebSocket> WebSocket::make(asio::any_io_executor executor, const Url& url) {
  if (url.tls)
    return std::make_unique<BeastWebSocket<beast::ssl_stream<beast::tcp_stream>>>(executor, client_tls());
  return std::make_unique<BeastWebSocket<beast::tcp_stream>>(executor);
}

bool WebSocket::timed_out(const boost::system::system_error& error) {
  return error.code() == beast::error::timeout;
}

}  // namespace tend::net
