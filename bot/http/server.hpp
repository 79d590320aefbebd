#pragma once
// The HTTP listener ([http] listen): one acceptor on the runtime's io_context, one coroutine per
// connection, HTTP/1.1 with keep-alive. What protects it from clients that misbehave:
// - a request must arrive whole within `read_timeout` (header and body; an idle keep-alive
//   connection gets the same time for its next request), else the connection is closed;
// - a body over `body_limit` is answered 413 and the connection closed, without reading it;
// - at most `max_connections` connections are served at once; one more is answered 503 and
//   closed at once;
// - a request Beast cannot parse is answered 400 and the connection closed.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "bot/http/routes.hpp"

namespace tend::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0: any free port (see Server::port)
  std::size_t body_limit = 64 * 1024;
  std::size_t header_limit = 8 * 1024;
  std::chrono::milliseconds read_timeout{10000};
  int max_connections = 64;
};

// A request parser with the server's limits, for the server and the fuzz target alike.
void apply_limits(boost::beast::http::request_parser<boost::beast::http::string_body>& parser,
                  const ServerOptions& options);

class Server {
 public:
  // Binds and listens at once, so a taken or bad address fails here with a message naming it.
  Server(boost::asio::any_io_executor executor, ServerOptions options, const Routes& routes);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const { return port_; }
  // Accepts until stop().
  boost::asio::awaitable<void> run();
  // Stops accepting and closes every open connection; requests being handled are answered first
  // when their handlers return, then their connections close.
  void stop();
  int open_connections() const { return static_cast<int>(sessions_.size()); }

 private:
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> refuse(boost::asio::ip::tcp::socket socket);

  ServerOptions options_;
  const Routes& routes_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  bool stopping_ = false;
  // Each open connection, and whether it is waiting for a request (rather than answering one).
  std::unordered_map<boost::asio::ip::tcp::socket*, bool> sessions_;
};

}  // namespace tend::http
