#pragma once
// What the HTTP listener serves: a table of (method, path) → handler. A handler gets the whole
// request (its body already read, within the listener's cap) and returns the response, as a
// coroutine, so it may wait on the database or the platform before answering.
//
// This is the seam platform adapters plug into: the Mattermost adapter adds
//   routes.add(http::verb::post, "/mattermost/command", [&](const Request& r) { … });
// and answers within the server's timeout. The listener itself adds nothing but what it is given;
// unknown paths get 404, a known path asked with another method 405 with an Allow header.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <functional>
#include <map>
#include <string>

namespace tend::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Handler = std::function<boost::asio::awaitable<Response>(const Request&)>;
using boost::beast::http::status;
using boost::beast::http::verb;

// A plain-text response (text/plain; charset=utf-8) with Content-Length set.
Response text_response(status code, std::string body);

class Routes {
 public:
  // Only the path is matched: a query string ("/metrics?x=1") is ignored. One handler per
  // method and path; adding a second replaces the first.
  void add(verb method, std::string path, Handler handler);
  // The handler's response, or 404 / 405. An exception from a handler becomes a 500 whose body
  // says nothing of it (the log does).
  boost::asio::awaitable<Response> respond(const Request& request) const;

 private:
  std::map<std::string, std::map<verb, Handler>, std::less<>> by_path_;
};

}  // namespace tend::http
