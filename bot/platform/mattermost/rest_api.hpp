#pragma once
// The Mattermost REST API calls Tend makes (API v4), authenticated with the bot's access token,
// over HTTPS or HTTP, keep-alive. Platform errors come back in the result, never thrown; the
// token goes in the Authorization header and nowhere else (not in results, not in logs).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bot/net/http_client.hpp"
#include "bot/platform/adapter.hpp"
#include "bot/platform/mattermost/codec.hpp"

namespace tend::mattermost {

struct RestResult {
  int http_status = 0;                  // 0: no HTTP answer (network error)
  nlohmann::json body;                  // the JSON answer when there was one
  std::string error;                    // Mattermost's error id, "HTTP 502", or what failed on the way
  std::chrono::seconds retry_after{0};  // with HTTP 429: Retry-After, else X-RateLimit-Reset

  bool ok() const { return http_status / 100 == 2; }
  bool rate_limited() const { return http_status == 429; }
  // Worth trying again later: a network error, a 5xx or a 429.
  bool temporary() const { return http_status == 0 || http_status == 429 || http_status >= 500; }
};

class RestApi {
 public:
  // `base` is the server's address (MATTERMOST_URL), "https://chat.example.org" or with a path
  // prefix; throws std::invalid_argument when it is not an http(s) URL.
  RestApi(boost::asio::any_io_executor executor, const std::string& base, std::string token);

  // GET /api/v4/users/me: who the token belongs to; a wrong token is a 401 here.
  boost::asio::awaitable<RestResult> me();
  // GET /api/v4/users/{id}
  boost::asio::awaitable<RestResult> user(std::string user_id);
  // GET /api/v4/users/username/{username}
  boost::asio::awaitable<RestResult> user_by_username(std::string username);
  // POST /api/v4/channels/direct ["bot", "user"]: the DM channel, created when there is none.
  boost::asio::awaitable<RestResult> direct_channel(std::string bot_user_id, std::string user_id);
  // POST /api/v4/posts
  boost::asio::awaitable<RestResult> create_post(nlohmann::json body);
  // GET /api/v4/users/me/channels: every channel of the bot, in every team, DMs included.
  boost::asio::awaitable<RestResult> my_channels();
  // GET /api/v4/channels/{id}/posts?since=: posts created or changed after `since_ms`.
  boost::asio::awaitable<RestResult> posts_since(std::string channel_id, std::int64_t since_ms);
  // A follow-up to a slash command's response_url (absolute; no token is sent there).
  boost::asio::awaitable<RestResult> post_to(std::string url, nlohmann::json body);

  // The DM channel with a person, cached for the life of the client.
  boost::asio::awaitable<RestResult> open_dm(std::string bot_user_id, std::string user_id);
  boost::asio::awaitable<std::optional<platform::UserProfile>> user_profile(std::string user_id);
  // One message to a person (in their DM with the bot, buttons bound to them) or to a channel.
  boost::asio::awaitable<platform::SendResult> send(std::string bot_user_id, platform::Recipient to,
                                                    Message message, ButtonTarget buttons);

  int connections_opened() const { return http_.connections_opened(); }

 private:
  boost::asio::awaitable<RestResult> request(const net::Url& url, net::HttpClient::Request request);
  boost::asio::awaitable<RestResult> api(boost::beast::http::verb verb, std::string path,
                                         std::optional<nlohmann::json> body);

  net::HttpClient http_;
  net::Url base_;
  std::string token_;
  std::map<std::string, std::string> dm_channels_;
};

// How a post's result reads to the outbox.
platform::SendResult send_result_of(const RestResult& result);

}  // namespace tend::mattermost
