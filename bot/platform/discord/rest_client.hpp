#pragma once
// Discord's REST API over Beast (bot/net/http_client): the calls Tend makes, paced by the
// RateLimiter, with `Authorization: Bot <token>` (sent nowhere else and never logged). Platform
// errors come back as results, never as exceptions. One io_context thread, no locks.
// (Routes are named locals before each co_await: GCC 12 destroys a braced temporary in a
// co_await expression twice.)
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "bot/net/http_client.hpp"
#include "bot/platform/discord/rest.hpp"

namespace tend::discord {

// GET /gateway/bot: where to connect and how many IDENTIFYs are left today.
struct GatewayBot {
  RestResponse response;  // status 401 here means DISCORD_TOKEN is wrong
  std::string url;
  int session_starts_total = 0;
  int session_starts_remaining = 0;
  std::chrono::milliseconds session_starts_reset_after{0};
  int max_concurrency = 1;
  bool ok() const { return response.status == 200 && !url.empty(); }
};

class RestClient {
 public:
  // `base` is "https://discord.com/api/v10" (or an emulator's), without a trailing slash.
  RestClient(boost::asio::any_io_executor executor, const std::string& base, std::string token);

  // A wait the limiter asks for longer than this is not slept through: the call returns a
  // retry_after result instead, so the outbox reschedules rather than holds a send.
  static constexpr std::chrono::milliseconds kMaxWait{5000};

  boost::asio::awaitable<GatewayBot> gateway_bot();
  // The DM channel with a user, cached for the life of the client; a SendResult when it failed.
  boost::asio::awaitable<std::variant<std::string, platform::SendResult>> open_dm(std::string user_id);
  // POST /channels/{id}/messages with a body from message_body().
  boost::asio::awaitable<platform::SendResult> create_message(std::string channel_id, nlohmann::json body);
  // open_dm then create_message.
  boost::asio::awaitable<platform::SendResult> send_dm(std::string user_id, nlohmann::json body);
  // POST /interactions/{id}/{token}/callback with a body from callback_*().
  boost::asio::awaitable<platform::SendResult> interaction_callback(std::string interaction_id,
                                                                    std::string interaction_token,
                                                                    nlohmann::json body);
  // PATCH /webhooks/{application}/{token}/messages/@original: replaces a deferred answer.
  boost::asio::awaitable<platform::SendResult> edit_original(std::string application_id,
                                                             std::string interaction_token,
                                                             nlohmann::json body);
  // PUT /applications/{id}/commands with the body of application_commands().
  boost::asio::awaitable<platform::SendResult> put_commands(std::string application_id,
                                                            nlohmann::json commands);

  // One call, paced: waits as the limiter says (up to kMaxWait), sends, teaches the limiter.
  boost::asio::awaitable<RestResponse> request(boost::beast::http::verb verb, const Route& route,
                                               std::string path, const nlohmann::json* body);

  const RateLimiter& limiter() const { return limiter_; }

 private:
  boost::asio::any_io_executor executor_;
  net::HttpClient http_;
  net::Url base_;
  std::string authorization_;
  RateLimiter limiter_;
  std::map<std::string, std::string> dm_channels_;
};

}  // namespace tend::discord
