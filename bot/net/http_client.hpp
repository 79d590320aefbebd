#pragma once
// HTTP/1.1 requests over HTTPS (or HTTP, for emulators), with keep-alive connections reused
// across calls, certificates verified against the system store and SNI set. One io_context
// thread: connections are taken from and returned to a small idle pool, no locks. Network
// failures come back as a response without a status, never as an exception.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tend::net {

struct Url {
  bool tls = true;
  std::string host;
  std::string port;
  std::string path;  // starts with '/'
  // "https://host/…", "http://127.0.0.1:8080/…", or a WebSocket URL (wss:// is TLS, ws:// is
  // not); nullopt when it is none of these.
  static std::optional<Url> parse(const std::string& text);
};

struct HttpResponse {
  int status = 0;     // 0: no HTTP answer
  std::string error;  // with status 0: what went wrong on the way
  boost::beast::http::response<boost::beast::http::string_body> message;
};

class HttpClient {
 public:
  explicit HttpClient(boost::asio::any_io_executor executor);
  ~HttpClient();

  struct Request {
    boost::beast::http::verb verb = boost::beast::http::verb::get;
    std::string target;        // path and query
    std::string content_type;  // empty without a body
    std::string body;
    std::string authorization;  // the header's whole value; empty: none
  };
  // A request to the server `url` names (its path is ignored: the request carries the target).
  // A kept-alive connection the server closed meanwhile is replaced once, transparently.
  boost::asio::awaitable<HttpResponse> exchange(const Url& url, const Request& request);

  int connections_opened() const { return connections_opened_; }

 private:
  struct Connection;
  boost::asio::any_io_executor executor_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int connections_opened_ = 0;
};

}  // namespace tend::net
