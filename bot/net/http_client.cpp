#include "bot/net/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "bot/net/tls.hpp"

namespace tend::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr std::chrono::seconds kIoTimeout{30};
}  // namespace

std::optional<Url> Url::parse(const std::string& text) {
  Url url;
  std::string rest;
  if (text.rfind("https://", 0) == 0 || text.rfind("wss://", 0) == 0) {
    url.tls = true;
  } else if (text.rfind("http://", 0) == 0 || text.rfind("ws://", 0) == 0) {
    url.tls = false;
  } else {
    return std::nullopt;
  }
  rest = text.substr(text.find("://") + 3);
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  url.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  url.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  url.port = colon == std::string::npos ? (url.tls ? "443" : "80") : authority.substr(colon + 1);
  if (url.host.empty() || url.port.empty()) return std::nullopt;
  return url;
}

struct HttpClient::Connection {
  std::string key;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*secure); }
};

HttpClient::HttpClient(asio::any_io_executor executor) : executor_(std::move(executor)) {}

HttpClient::~HttpClient() = default;

asio::awaitable<HttpResponse> HttpClient::exchange(const Url& url, const Request& request) {
  http::request<http::string_body> req{request.verb, request.target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "tend");
  if (!request.content_type.empty()) req.set(http::field::content_type, request.content_type);
  if (!request.authorization.empty()) req.set(http::field::authorization, request.authorization);
  req.keep_alive(true);
  req.body() = request.body;
  req.prepare_payload();
  const auto key = (url.tls ? "tls:" : "tcp:") + url.host + ":" + url.port;

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn;
    bool fresh = false;
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if ((*it)->key == key) {
        conn = std::move(*it);
        idle_.erase(it);
        break;
      }
    }
    try {
      if (!conn) {
        fresh = true;
        conn = std::make_unique<Connection>();
        conn->key = key;
        asio::ip::tcp::resolver resolver(executor_);
        auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
        if (url.tls) {
          conn->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor_, client_tls());
          expect_host(*conn->secure, url.host);
          conn->lowest().expires_after(kIoTimeout);
          co_await conn->lowest().async_connect(endpoints, asio::use_awaitable);
          co_await conn->secure->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
        } else {
          conn->plain = std::make_unique<beast::tcp_stream>(executor_);
          conn->lowest().expires_after(kIoTimeout);
          co_await conn->lowest().async_connect(endpoints, asio::use_awaitable);
        }
        // A request is written in pieces (header, body): Nagle's algorithm would hold the body
        // back until the header's ACK, which a delayed ACK keeps for up to 40 ms.
        conn->lowest().socket().set_option(asio::ip::tcp::no_delay(true));
        ++connections_opened_;
      }
      conn->lowest().expires_after(kIoTimeout);
      HttpResponse out;
      if (conn->plain) {
        co_await http::async_write(*conn->plain, req, asio::use_awaitable);
        co_await http::async_read(*conn->plain, conn->buffer, out.message, asio::use_awaitable);
      } else {
        co_await http::async_write(*conn->secure, req, asio::use_awaitable);
        co_await http::async_read(*conn->secure, conn->buffer, out.message, asio::use_awaitable);
      }
      conn->lowest().expires_never();
      if (out.message.keep_alive()) idle_.push_back(std::move(conn));
      out.status = static_cast<int>(out.message.result_int());
      co_return out;
    } catch (const beast::system_error& e) {
      // A reused keep-alive connection the server closed meanwhile: try once on a new one.
      if (!fresh) continue;
      HttpResponse failed;
      failed.error = "network: " + e.code().message();
      co_return failed;
    }
  }
  HttpResponse lost;
  lost.error = "network: connection lost";
  co_return lost;
}

}  // namespace tend::net
