#pragma once
// Slack's Web API over HTTPS (or HTTP, for the emulator), with keep-alive connections reused
// across calls, certificates verified against the system store and SNI set. One io_context
// thread: connections are taken from and returned to a small idle pool, no locks.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/platform/adapter.hpp"

namespace tend::slack {

struct ApiResult {
  bool ok = false;
  int http_status = 0;                  // 0: no HTTP answer (network error)
  nlohmann::json body;                  // Slack's JSON answer when there was one
  std::string error;                    // Slack's error code, or what went wrong on the way
  std::chrono::seconds retry_after{0};  // with HTTP 429

  bool rate_limited() const { return http_status == 429; }
  // Worth trying again later: a network error, a 5xx or a 429.
  bool temporary() const { return http_status == 0 || http_status == 429 || http_status >= 500; }
};

struct Url {
  bool tls = true;
  std::string host;
  std::string port;
  std::string path;  // starts with '/'
  // "https://slack.com/api/", "http://127.0.0.1:8080/api/" or a WebSocket URL (wss:// is TLS,
  // ws:// is not); nullopt when it is none of these.
  static std::optional<Url> parse(const std::string& text);
};

class WebApi {
 public:
  // `base` ends with '/'; `token` goes in the Authorization header and nowhere else.
  WebApi(boost::asio::any_io_executor executor, const std::string& base, std::string token);
  ~WebApi();

  struct Retry {
    int attempts = 4;  // including the first; 1 = no retries (the outbox paces and retries itself)
  };
  // POST {base}{method} with a JSON body (form-encoded when `form`), retried per `retry`:
  // 429 after Retry-After, 5xx and network errors after a capped, jittered backoff.
  boost::asio::awaitable<ApiResult> call(const std::string& method, const nlohmann::json& args, Retry retry,
                                         bool form = false);
  boost::asio::awaitable<ApiResult> call(const std::string& method, const nlohmann::json& args) {
    return call(method, args, Retry{});
  }
  // A message to a response_url (absolute, possibly another host): no token is sent there.
  boost::asio::awaitable<ApiResult> post_to(const std::string& url, const nlohmann::json& body);

  // The DM channel with a user, cached for the life of the client.
  boost::asio::awaitable<std::optional<std::string>> open_dm(const std::string& user_id);
  boost::asio::awaitable<std::optional<platform::UserProfile>> user_profile(const std::string& user_id);

  int connections_opened() const { return connections_opened_; }

 private:
  struct Connection;
  boost::asio::awaitable<ApiResult> exchange(const Url& url, const std::string& target,
                                             const std::string& content_type, const std::string& body,
                                             const std::string& authorization);

  boost::asio::any_io_executor executor_;
  Url base_;
  std::string token_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::map<std::string, std::string> dm_channels_;
  int connections_opened_ = 0;
};

}  // namespace tend::slack
