// The REST rate limiter and error classification on Discord's documented 429s.
#include <catch2/catch.hpp>

#include "bot/platform/discord/rest.hpp"
#include "tests/integration/discord/fixtures.hpp"

using namespace tend::discord;
using std::chrono::milliseconds;
using tend::testing::discord::http_fixture;
using Status = tend::platform::SendResult::Status;

namespace {

const SteadyTime t0{std::chrono::seconds(1000)};
const Route kDm{"POST", "/channels/{channel_id}/messages", "111"};
const Route kOtherChannel{"POST", "/channels/{channel_id}/messages", "222"};

RestResponse ok(int remaining, const std::string& reset_after, const std::string& bucket = "abcd1234") {
  return {200,
          {{"x-ratelimit-bucket", bucket},
           {"x-ratelimit-limit", "5"},
           {"x-ratelimit-remaining", std::to_string(remaining)},
           {"x-ratelimit-reset-after", reset_after}},
          "{}"};
}

}  // namespace

TEST_CASE("a user-scope 429 holds that bucket and major id for retry_after, a float from the body") {
  auto response = http_fixture("rate_limit_429_user.http");
  REQUIRE(response.status == 429);
  CHECK(retry_after(response) == milliseconds(64570));
  RateLimiter limiter;
  CHECK(limiter.wait_before(kDm, t0) == milliseconds(0));
  limiter.observe(kDm, response, t0);
  CHECK(limiter.wait_before(kDm, t0) == milliseconds(64570));
  CHECK(limiter.wait_before(kDm, t0 + milliseconds(64570)) == milliseconds(0));
  // The same bucket on another channel is another resource.
  CHECK(limiter.wait_before(kOtherChannel, t0) == milliseconds(0));
  auto result = classify_response(response);
  CHECK(result.status == Status::retry_after);
  CHECK(result.retry_after == std::chrono::seconds(65));
}

TEST_CASE("a global 429 holds every route except interaction callbacks") {
  auto response = http_fixture("rate_limit_429_global.http");
  RateLimiter limiter;
  limiter.observe(kDm, response, t0);
  CHECK(limiter.wait_before(kOtherChannel, t0) == milliseconds(64570));
  CHECK(limiter.wait_before(Route{"GET", "/gateway/bot", ""}, t0 + milliseconds(570)) == milliseconds(64000));
  Route callback{"POST", "/interactions/{id}/{token}/callback", "9", true};
  CHECK(limiter.wait_before(callback, t0) == milliseconds(0));
}

TEST_CASE("a shared-scope 429 still waits retry_after on that resource") {
  auto response = http_fixture("rate_limit_429_shared.http");
  RateLimiter limiter;
  limiter.observe(kDm, response, t0);
  CHECK(limiter.wait_before(kDm, t0) == milliseconds(1336570));
  CHECK(limiter.wait_before(kOtherChannel, t0) == milliseconds(0));
}

TEST_CASE("remaining 0 in the headers holds the bucket until reset-after, before any 429") {
  RateLimiter limiter;
  limiter.sent(kDm, t0);
  limiter.observe(kDm, ok(1, "2.5"), t0);
  CHECK(limiter.wait_before(kDm, t0) == milliseconds(0));
  limiter.sent(kDm, t0);
  // Counted locally: the next call waits for the reset without needing the response first.
  CHECK(limiter.wait_before(kDm, t0) == milliseconds(2500));
  limiter.observe(kDm, ok(0, "2.4"), t0 + milliseconds(100));
  CHECK(limiter.wait_before(kDm, t0 + milliseconds(100)) == milliseconds(2400));
  CHECK(limiter.wait_before(kDm, t0 + milliseconds(2500)) == milliseconds(0));
}

TEST_CASE("routes Discord puts in one bucket share its state") {
  RateLimiter limiter;
  Route edit{"PATCH", "/channels/{channel_id}/messages/{message_id}", "111"};
  limiter.observe(kDm, ok(0, "1"), t0);
  limiter.observe(edit, ok(0, "1"), t0);
  // Both routes named bucket abcd1234 on channel 111: one state, one wait.
  limiter.observe(kDm, ok(0, "3"), t0);
  CHECK(limiter.wait_before(edit, t0) == milliseconds(3000));
}

TEST_CASE("never more than 50 requests a second outside interactions") {
  RateLimiter limiter;
  for (int i = 0; i < RateLimiter::kGlobalPerSecond; ++i) {
    Route route{"POST", "/channels/{channel_id}/messages", std::to_string(i)};
    REQUIRE(limiter.wait_before(route, t0 + milliseconds(i)) == milliseconds(0));
    limiter.sent(route, t0 + milliseconds(i));
  }
  CHECK(limiter.wait_before(Route{"POST", "/users/@me/channels", ""}, t0 + milliseconds(50)) ==
        milliseconds(950));
  CHECK(limiter.wait_before(Route{"POST", "/users/@me/channels", ""}, t0 + milliseconds(1000)) ==
        milliseconds(0));
}

TEST_CASE("responses: 50007 is permanent and says why; 5xx and no answer are temporary") {
  auto dm_closed =
      classify_response({400, {}, R"({"message":"Cannot send messages to this user","code":50007})"});
  CHECK(dm_closed.status == Status::permanent_failure);
  CHECK(dm_closed.error == kCannotMessageUserText);
  CHECK(dm_closed.recipient_unreachable);
  CHECK(classify_response({401, {}, R"({"message":"401: Unauthorized","code":0})"}).status ==
        Status::permanent_failure);
  CHECK(classify_response({502, {}, "<html>bad gateway</html>"}).status == Status::temporary_failure);
  CHECK(classify_response({0, {}, ""}).status == Status::temporary_failure);
  CHECK(classify_response({200, {}, "{}"}).status == Status::sent);
  CHECK(classify_response({204, {}, ""}).status == Status::sent);
}
