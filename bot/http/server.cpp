#include "bot/http/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace tend::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kLinger = std::chrono::seconds(1);

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

// Ends a connection whose request was not (wholly) read: sends nothing more, then reads what the
// client still sends until it closes, for a second at most. Closing with unread data would reset
// the connection, and the client could lose the response before reading it.
asio::awaitable<void> linger_and_close(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(kLinger);
  char sink[4096];
  while (!ec)
    co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
  stream.socket().close(ec);
}

}  // namespace

void apply_limits(bhttp::request_parser<bhttp::string_body>& parser, const ServerOptions& options) {
  parser.body_limit(options.body_limit);
  parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
}

Server::Server(asio::any_io_executor executor, ServerOptions options, const Routes& routes)
    : options_(std::move(options)), routes_(routes), acceptor_(executor) {
  const auto where = options_.address + ":" + std::to_string(options_.port);
  try {
    const tcp::endpoint endpoint(asio::ip::make_address(options_.address), options_.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen for HTTP on " + where + " (http.listen): " + e.code().message());
  }
}

void Server::stop() {
  stopping_ = true;
  beast::error_code ec;
  acceptor_.close(ec);
  // Connections waiting for a request close now; one whose request is being handled is answered
  // first and closes after (its keep-alive is refused while stopping).
  for (auto& [socket, reading] : sessions_)
    if (reading) socket->close(ec);
}

asio::awaitable<void> Server::run() {
  asio::steady_timer pause(acceptor_.get_executor());
  while (!stopping_) {
    beast::error_code ec;
    auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) break;
    if (ec) {
      // Out of descriptors, typically: wait a little instead of spinning on the same error.
      spdlog::warn("HTTP: accepting a connection failed: {}", ec.message());
      pause.expires_after(std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const auto executor = acceptor_.get_executor();
    if (static_cast<int>(sessions_.size()) >= options_.max_connections)
      asio::co_spawn(executor, refuse(std::move(socket)), asio::detached);
    else
      asio::co_spawn(executor, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::refuse(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::error_code ec;
  auto response = text_response(status::service_unavailable, "too many connections; try again shortly\n");
  response.keep_alive(false);
  stream.expires_after(kLinger);
  co_await bhttp::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
  co_await linger_and_close(stream);
}

asio::awaitable<void> Server::serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  auto* const key = &stream.socket();
  sessions_[key] = true;
  struct Leave {
    Server& server;
    tcp::socket* key;
    ~Leave() { server.sessions_.erase(key); }
  } leave{*this, key};

  beast::flat_buffer buffer;
  beast::error_code ec;
  while (!stopping_) {
    bhttp::request_parser<bhttp::string_body> parser;
    apply_limits(parser, options_);
    sessions_[key] = true;
    stream.expires_after(options_.read_timeout);
    co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && parser.get()[bhttp::field::expect] == "100-continue") {
      bhttp::response<bhttp::empty_body> go_on{status::continue_, parser.get().version()};
      co_await bhttp::async_write(stream, go_on, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec && !parser.is_done())
      co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    sessions_[key] = false;
    std::optional<Response> response;
    if (ec == bhttp::error::body_limit)
      response = text_response(status::payload_too_large, "request body too large\n");
    else if (ec == bhttp::error::header_limit)
      response = text_response(status::request_header_fields_too_large, "request header too large\n");
    else if (ec && is_parse_error(ec) && ec != bhttp::error::end_of_stream &&
             ec != bhttp::error::partial_message)
      response = text_response(status::bad_request, "bad request\n");
    else if (ec)
      break;  // closed by the client, timed out, or stopped
    const bool refused = response.has_value();
    bool keep_alive = false;
    if (refused) {
      response->keep_alive(false);
    } else {
      const auto& request = parser.get();
      response = co_await routes_.respond(request);
      keep_alive = request.keep_alive() && !stopping_;
      response->version(request.version());
      response->keep_alive(keep_alive);
      response->prepare_payload();
    }
    stream.expires_after(options_.read_timeout);
    co_await bhttp::async_write(stream, *response, asio::redirect_error(asio::use_awaitable, ec));
    if (refused) {
      co_await linger_and_close(stream);
      co_return;
    }
    if (ec || !keep_alive) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
}

}  // namespace tend::http
