#include "bot/http/routes.hpp"

#include <spdlog/spdlog.h>

namespace tend::http {

Response text_response(status code, std::string body) {
  Response response{code, 11};
  response.set(boost::beast::http::field::content_type, "text/plain; charset=utf-8");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

void Routes::add(verb method, std::string path, Handler handler) {
  by_path_[std::move(path)][method] = std::move(handler);
}

boost::asio::awaitable<Response> Routes::respond(const Request& request) const {
  auto target = std::string_view(request.target());
  target = target.substr(0, target.find('?'));
  const auto path = by_path_.find(target);
  if (path == by_path_.end()) co_return text_response(status::not_found, "not found\n");
  const auto handler = path->second.find(request.method());
  if (handler == path->second.end()) {
    std::string allow;
    for (const auto& [method, _] : path->second)
      allow += (allow.empty() ? "" : ", ") + std::string(boost::beast::http::to_string(method));
    auto response = text_response(status::method_not_allowed, "method not allowed\n");
    response.set(boost::beast::http::field::allow, allow);
    co_return response;
  }
  std::optional<Response> response;
  try {
    response = co_await handler->second(request);
  } catch (const std::exception& e) {
    // The path is the route's own, never what followed it.
    spdlog::error("HTTP {} failed: {}", path->first, e.what());
  }
  if (!response) co_return text_response(status::internal_server_error, "internal error\n");
  co_return std::move(*response);
}

}  // namespace tend::http
