#pragma once
// Discord's REST rate limits and errors, without I/O: a limiter that says how long to wait before
// a call to a route, learning buckets from the X-RateLimit-* headers and 429s, and the
// classification of a response into Tend's SendResult. See topics/rate-limits.mdx (fixtures README).
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "bot/platform/adapter.hpp"

namespace tend::discord {

using SteadyTime = std::chrono::steady_clock::time_point;

// A call's route: the method and path template decide the bucket Discord assigns; the major
// parameter (channel id, guild id, webhook id) splits that bucket per resource.
struct Route {
  std::string method;        // "POST"
  std::string path;          // template: "/channels/{channel_id}/messages"
  std::string major;         // "1016614538398937098"; empty for routes without one
  bool interaction = false;  // interaction callbacks and webhooks are outside the global limit
};

// A response as the limiter needs it: status, headers (names lower-case), body.
struct RestResponse {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

class RateLimiter {
 public:
  // Discord's global limit: requests per second per bot.
  static constexpr int kGlobalPerSecond = 50;

  // How long to wait before sending to `route` at `now`; zero: send now (then call sent()).
  std::chrono::milliseconds wait_before(const Route& route, SteadyTime now) const;
  // A request to `route` went out at `now`: counts against its bucket and the global limit.
  void sent(const Route& route, SteadyTime now);
  // Learns from the response to a request to `route` that arrived at `now`.
  void observe(const Route& route, const RestResponse& response, SteadyTime now);

 private:
  struct Bucket {
    int remaining = 1;
    SteadyTime reset_at{};
  };
  std::string bucket_key(const Route& route) const;

  std::map<std::string, std::string> bucket_of_route_;  // "POST /channels/{id}/messages" -> bucket hash
  std::map<std::string, Bucket> buckets_;               // bucket hash + major -> state
  SteadyTime global_until_{};
  SteadyTime second_start_{};
  int sent_this_second_ = 0;
};

// 429 body's retry_after (seconds, a float), or the Retry-After header; nullopt when neither.
std::optional<std::chrono::milliseconds> retry_after(const RestResponse& response);

// Discord's JSON error code (50007 cannot send messages to this user, 10003 unknown channel …); 0 without.
int error_code(const RestResponse& response);
inline constexpr int kCannotMessageUser = 50007;
inline constexpr std::string_view kCannotMessageUserText =
    "Discord does not let Tend message them (50007: they allow no direct messages from server members, or "
    "share no server with Tend)";

inline constexpr int kUnknownInteraction = 10062;
inline constexpr std::string_view kInteractionExpiredText =
    "the interaction expired (10062): its first answer came after Discord's 3 seconds";
// Whether a callback was refused because the interaction's 3 seconds had passed.
inline bool interaction_expired(const platform::SendResult& result) {
  return result.error == kInteractionExpiredText;
}

// What a send's response means for the outbox: sent, retry after a wait, retry later, or never
// (50007: the person closed their DMs; a wrong token; an unknown channel). The error text names
// the status and Discord's code and message, never the token or the request body.
platform::SendResult classify_response(const RestResponse& response);

}  // namespace tend::discord
