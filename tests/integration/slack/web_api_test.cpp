// The Web API client against the emulator over a real socket: what Slack receives, and how
// the client behaves when Slack rate-limits or fails.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "bot/platform/slack/codec.hpp"
#include "bot/platform/slack/web_api.hpp"
#include "tests/emulator/slack_emulator.hpp"
#include "tests/integration/slack/run_to_completion.hpp"

using namespace tend;
using testing::run;
using namespace tend::slack;
using Catch::Contains;

namespace {}  // namespace

TEST_CASE("a call reaches Slack with the bot token in the header and a JSON body") {
  emulator::SlackEmulator slack;
  boost::asio::io_context io;
  WebApi api(io.get_executor(), slack.api_base(), "xoxb-emulator");
  auto body = message_body(Message{"hello *sam*", {}, {}}, false);
  body["channel"] = "C1";
  auto result = run(io, api.call("chat.postMessage", body));
  CHECK(result.ok);
  CHECK(result.body["channel"] == "C1");
  auto calls = slack.calls("chat.postMessage");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].authorization == "Bearer xoxb-emulator");
  CHECK(calls[0].content_type == "application/json; charset=utf-8");
  CHECK(calls[0].args["blocks"][0]["type"] == "section");
}

TEST_CASE("keep-alive: many calls share one connection") {
  emulator::SlackEmulator slack;
  boost::asio::io_context io;
  WebApi api(io.get_executor(), slack.api_base(), "xoxb-emulator");
  for (int i = 0; i < 20; ++i) CHECK(run(io, api.call("auth.test", nlohmann::json::object())).ok);
  CHECK(api.connections_opened() == 1);
  CHECK(slack.connections_accepted() == 1);
}

TEST_CASE("Slack's errors come back as errors, not retried") {
  emulator::SlackEmulator slack;
  boost::asio::io_context io;
  WebApi wrong(io.get_executor(), slack.api_base(), "xoxb-not-the-token");
  auto result = run(io, wrong.call("auth.test", nlohmann::json::object()));
  CHECK_FALSE(result.ok);
  CHECK(result.error == "invalid_auth");
  CHECK_FALSE(result.temporary());
  CHECK(slack.calls("auth.test").size() == 1);
}

TEST_CASE("a 429 is waited out for Retry-After, then the call succeeds") {
  emulator::SlackEmulator slack;
  slack.rate_limit("users.info", 1, 1);
  slack.set_user("U1", {"ada", "Ada Lovelace", "Europe/London"});
  boost::asio::io_context io;
  WebApi api(io.get_executor(), slack.api_base(), "xoxb-emulator");
  auto profile = run(io, api.user_profile("U1"));
  REQUIRE(profile);
  CHECK(profile->display_name == "ada");
  CHECK(profile->zone == "Europe/London");
  auto calls = slack.calls("users.info");
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].at - calls[0].at >= std::chrono::milliseconds(950));
  CHECK(calls[0].content_type == "application/x-www-form-urlencoded");
}

TEST_CASE("without retries, a 429 is reported with its Retry-After for the outbox to honour") {
  emulator::SlackEmulator slack;
  slack.rate_limit("chat.postMessage", 1, 7);
  boost::asio::io_context io;
  WebApi api(io.get_executor(), slack.api_base(), "xoxb-emulator");
  auto result = run(io, api.call("chat.postMessage", {{"channel", "C1"}, {"text", "hi"}}, WebApi::Retry{1}));
  CHECK(result.rate_limited());
  CHECK(result.retry_after == std::chrono::seconds(7));
}

TEST_CASE("5xx answers are retried with backoff") {
  emulator::SlackEmulator slack;
  slack.fail_with_status("chat.postMessage", 2, 503);
  boost::asio::io_context io;
  WebApi api(io.get_executor(), slack.api_base(), "xoxb-emulator");
  auto result = run(io, api.call("chat.postMessage", {{"channel", "C1"}, {"text", "hi"}}));
  CHECK(result.ok);
  CHECK(slack.calls("chat.postMessage").size() == 3);
}

TEST_CASE("a DM channel is opened once per user, and response_url posts carry no token") {
  emulator::SlackEmulator slack;
  boost::asio::io_context io;
  WebApi api(io.get_executor(), slack.api_base(), "xoxb-emulator");
  CHECK(run(io, api.open_dm("U7")) == std::optional<std::string>("DU7"));
  CHECK(run(io, api.open_dm("U7")) == std::optional<std::string>("DU7"));
  CHECK(slack.calls("conversations.open").size() == 1);
  auto posted = run(io, api.post_to("http://127.0.0.1:" + std::to_string(slack.port()) + "/commands/T1/1/x",
                                    message_body(Message{"later", {}, {}}, true)));
  CHECK(posted.ok);
  auto calls = slack.calls("response_url");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].authorization.empty());
}

TEST_CASE("an unreachable Slack is a temporary network error, not a crash") {
  boost::asio::io_context io;
  WebApi api(io.get_executor(), "http://127.0.0.1:1/api/", "xoxb-emulator");
  auto result = run(io, api.call("auth.test", nlohmann::json::object(), WebApi::Retry{2}));
  CHECK_FALSE(result.ok);
  CHECK(result.temporary());
  CHECK_THAT(result.error, Contains("network"));
}
