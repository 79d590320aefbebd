// The REST client against the emulator over real sockets: what Mattermost receives, and what
// the client reports when Mattermost refuses, rate-limits or fails.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "bot/platform/mattermost/rest_api.hpp"
#include "tests/emulator/mattermost/mattermost_emulator.hpp"
#include "tests/integration/slack/run_to_completion.hpp"

using namespace tend;
using namespace tend::mattermost;
using testing::run;
using json = nlohmann::json;
using Catch::Contains;
using Status = platform::SendResult::Status;

namespace {

const std::string kToken = "mm-emulator-bot-token";
const ButtonTarget kButtons{"http://127.0.0.1:9/mattermost/action", "signing-key", ""};

}  // namespace

TEST_CASE("users/me with the bot token in the Authorization header") {
  emulator::MattermostEmulator mm;
  boost::asio::io_context io;
  RestApi api(io.get_executor(), mm.url(), kToken);
  const auto me = run(io, api.me());
  REQUIRE(me.ok());
  CHECK(me.body["id"] == mm.options().bot_user_id);
  CHECK(me.body["username"] == "tend");
  const auto calls = mm.calls("GET /api/v4/users/me");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].authorization == "Bearer " + kToken);
}

TEST_CASE("a wrong token is a 401 with Mattermost's error id, not worth retrying, and never echoed") {
  emulator::MattermostEmulator mm;
  boost::asio::io_context io;
  RestApi api(io.get_executor(), mm.url() + "/", "not-the-token");
  const auto me = run(io, api.me());
  CHECK(me.http_status == 401);
  CHECK(me.error == "api.context.session_expired.app_error");
  CHECK_FALSE(me.temporary());
  CHECK_FALSE(me.body.dump().find("not-the-token") != std::string::npos);
}

TEST_CASE("a person's name and zone from their user object") {
  emulator::MattermostEmulator mm;
  mm.set_user("ada0000000000000000000000a", {"ada", "Ada", "Lovelace", "", false, "", "Europe/London"});
  mm.set_user("bo00000000000000000000000b", {"bo", "", "", "", true, "America/Toronto", "Europe/Paris"});
  boost::asio::io_context io;
  RestApi api(io.get_executor(), mm.url(), kToken);
  const auto ada = run(io, api.user_profile("ada0000000000000000000000a"));
  REQUIRE(ada);
  CHECK(ada->display_name == "Ada Lovelace");
  CHECK(ada->zone == "Europe/London");
  const auto bo = run(io, api.user_profile("bo00000000000000000000000b"));
  REQUIRE(bo);
  CHECK(bo->display_name == "bo");
  CHECK(bo->zone == "America/Toronto");
  CHECK_FALSE(run(io, api.user_profile("nobody00000000000000000000")));
  // An id that would change the path never reaches the server.
  CHECK_FALSE(run(io, api.user_profile("../users/me")));
  CHECK(mm.calls("GET /api/v4/users/..").empty());
}

TEST_CASE("a message to a person: their DM opened once, then posted with Markdown and bound buttons") {
  emulator::MattermostEmulator mm;
  const std::string ada = "ada0000000000000000000000a";
  mm.set_user(ada, {"ada", "", "", "", true, "", ""});
  boost::asio::io_context io;
  RestApi api(io.get_executor(), mm.url(), kToken);
  const Message nudge{"Time for your *check-in*", {{"Done", "nudge.done", "7"}}, {}};
  CHECK(run(io, api.send(mm.options().bot_user_id, {platform::Recipient::Kind::person, ada}, nudge, kButtons))
            .status == Status::sent);
  CHECK(run(io, api.send(mm.options().bot_user_id, {platform::Recipient::Kind::person, ada}, nudge, kButtons))
            .status == Status::sent);

  const auto direct = mm.calls("POST /api/v4/channels/direct");
  REQUIRE(direct.size() == 1);
  CHECK(direct[0].body == json::array({mm.options().bot_user_id, ada}));
  const auto posts = mm.posts();
  REQUIRE(posts.size() == 2);
  CHECK(posts[0]["channel_id"] == mm.dm_channel(ada));
  CHECK(posts[0]["user_id"] == mm.options().bot_user_id);
  CHECK(posts[0]["message"] == "Time for your **check-in**");
  const auto& action = posts[0]["props"]["attachments"][0]["actions"][0];
  CHECK(action["name"] == "Done");
  CHECK(action["integration"]["url"] == kButtons.action_url);
  CHECK(action["integration"]["context"]["user_id"] == ada);
}

TEST_CASE("a post to a channel goes straight to /posts") {
  emulator::MattermostEmulator mm;
  boost::asio::io_context io;
  RestApi api(io.get_executor(), mm.url(), kToken);
  const auto result = run(io, api.send(mm.options().bot_user_id,
                                       {platform::Recipient::Kind::channel, "channelsupervisors00000000"},
                                       Message{"hello", {}, {}}, kButtons));
  CHECK(result.status == Status::sent);
  CHECK(mm.calls("POST /api/v4/channels/direct").empty());
  REQUIRE(mm.posts().size() == 1);
  CHECK(mm.posts()[0]["channel_id"] == "channelsupervisors00000000");
}

TEST_CASE("a 429 is reported with Retry-After, or X-Ratelimit-Reset when there is none, for the outbox") {
  emulator::MattermostEmulator mm;
  boost::asio::io_context io;
  RestApi api(io.get_executor(), mm.url(), kToken);
  const platform::Recipient channel{platform::Recipient::Kind::channel, "channelsupervisors00000000"};
  mm.rate_limit("POST /api/v4/posts", 1, 7);
  auto result = run(io, api.send(mm.options().bot_user_id, channel, Message{"a", {}, {}}, kButtons));
  CHECK(result.status == Status::retry_after);
  CHECK(result.retry_after == std::chrono::seconds(7));
  mm.rate_limit("POST /api/v4/posts", 1, 3, /*retry_after_header=*/false);
  result = run(io, api.send(mm.options().bot_user_id, channel, Message{"b", {}, {}}, kButtons));
  CHECK(result.status == Status::retry_after);
  CHECK(result.retry_after == std::chrono::seconds(3));
  // The client does not retry on its own: the outbox decides when.
  CHECK(mm.posts().empty());
  CHECK(run(io, api.send(mm.options().bot_user_id, channel, Message{"c", {}, {}}, kButtons)).status ==
        Status::sent);
}

TEST_CASE("5xx and network errors are temporary, refusals permanent") {
  emulator::MattermostEmulator mm;
  boost::asio::io_context io;
  RestApi api(io.get_executor(), mm.url(), kToken);
  mm.fail_with_status("POST /api/v4/posts", 1, 503);
  const platform::Recipient channel{platform::Recipient::Kind::channel, "channelsupervisors00000000"};
  auto result = run(io, api.send(mm.options().bot_user_id, channel, Message{"a", {}, {}}, kButtons));
  CHECK(result.status == Status::temporary_failure);
  CHECK(result.error == "HTTP 503");
  // A channel the bot may not post in.
  result = run(io, api.send(mm.options().bot_user_id,
                            {platform::Recipient::Kind::channel, "elsewhere0000000000000000x"},
                            Message{"a", {}, {}}, kButtons));
  CHECK(result.status == Status::permanent_failure);
  CHECK(result.error == "api.context.permissions.app_error");

  RestApi unreachable(io.get_executor(), "http://127.0.0.1:1", kToken);
  const auto me = run(io, unreachable.me());
  CHECK(me.http_status == 0);
  CHECK(me.temporary());
  CHECK_THAT(me.error, Contains("network"));
}

TEST_CASE("keep-alive: many calls share one connection") {
  emulator::MattermostEmulator mm;
  boost::asio::io_context io;
  RestApi api(io.get_executor(), mm.url(), kToken);
  for (int i = 0; i < 20; ++i) CHECK(run(io, api.me()).ok());
  CHECK(api.connections_opened() == 1);
  CHECK(mm.connections_accepted() == 1);
}

TEST_CASE("a follow-up to a response_url carries no token") {
  emulator::MattermostEmulator mm;
  boost::asio::io_context io;
  RestApi api(io.get_executor(), mm.url(), kToken);
  const auto result = run(io, api.post_to(mm.url() + "/hooks/commands/hook1",
                                          command_response(Message{"done", {}, {}}, kButtons)));
  CHECK(result.ok());
  const auto calls = mm.calls("POST /hooks/commands/");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].authorization.empty());
  CHECK(calls[0].body["text"] == "done");
  CHECK_FALSE(run(io, api.post_to("ftp://example.org/x", json::object())).ok());
}

TEST_CASE("the server's address must be http or https") {
  boost::asio::io_context io;
  CHECK_THROWS_AS(RestApi(io.get_executor(), "chat.example.org", kToken), std::invalid_argument);
  CHECK_THROWS_AS(RestApi(io.get_executor(), "wss://chat.example.org", kToken), std::invalid_argument);
  CHECK_NOTHROW(RestApi(io.get_executor(), "https://chat.example.org/mattermost/", kToken));
}

TEST_CASE("a server under a path prefix is called there") {
  emulator::MattermostEmulator mm;
  boost::asio::io_context io;
  RestApi api(io.get_executor(), mm.url() + "/chat/", kToken);
  CHECK(run(io, api.me()).http_status == 404);  // the emulator serves the API at the root only
  CHECK(mm.calls("GET /chat/api/v4/users/me").size() == 1);
}
