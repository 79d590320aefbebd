// The emulator is only worth testing against if it talks like Mattermost, and Tend only works if
// it writes what Mattermost reads: every field either sends must be a field the real payloads in
// tests/fixtures/mattermost carry, with the same JSON type.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <set>

#include "bot/platform/mattermost/codec.hpp"
#include "bot/platform/mattermost/rest_api.hpp"
#include "tests/emulator/mattermost/mattermost_emulator.hpp"
#include "tests/integration/json_shapes.hpp"
#include "tests/integration/mattermost/fixtures.hpp"
#include "tests/integration/slack/run_to_completion.hpp"

using namespace tend;
using testing::run;
using testing::strangers;
using testing::mattermost::fixture;
using testing::mattermost::http_body;
using json = nlohmann::json;
using None = std::vector<std::string>;

namespace {

const std::string kAda = "ada0000000000000000000000a";

json inner_post(const json& posted) {
  return json::parse(posted["data"]["post"].get<std::string>());
}

}  // namespace

TEST_CASE("the emulator's events carry only fields Mattermost sends, with Mattermost's types") {
  emulator::MattermostEmulator mm;
  mm.set_user(kAda, {"ada", "Ada", "Lovelace", "", true, "", ""});

  // Current servers add connection_id and server_hostname to hello (server/channels/app/platform/
  // web_conn.go createHelloMessage; see the fixtures' README): strings, like server_version.
  auto hello_reference = fixture("ws_event_hello_docs.json");
  hello_reference["data"]["connection_id"] = "";
  hello_reference["data"]["server_hostname"] = "";
  CHECK(strangers(mm.hello_event("k1"), {hello_reference}) == None{});

  const auto posted_reference = fixture("ws_event_posted.json");
  // `mentions` comes with posts that mention someone, as a JSON string (research/platforms.md).
  auto mention_reference = posted_reference;
  mention_reference["data"]["mentions"] = "[]";
  for (const auto& [message, type] : {std::pair{"checkin 4", "D"}, std::pair{"@tend checkin 4", "O"}}) {
    INFO(message);
    const auto ours = mm.posted_event(kAda, message, type, "", "p1");
    CHECK(strangers(ours, {posted_reference, mention_reference}) == None{});
    CHECK(strangers(inner_post(ours), {inner_post(posted_reference)}) == None{});
  }

  CHECK(strangers(mm.user_updated_event(kAda), {fixture("ws_event_user_updated.json")}) == None{});
}

TEST_CASE("the emulator's REST answers carry only fields Mattermost's answers carry") {
  emulator::MattermostEmulator mm;
  mm.set_user(kAda, {"ada", "", "", "", false, "", "Europe/London"});
  boost::asio::io_context io;
  mattermost::RestApi api(io.get_executor(), mm.url(), mm.options().bot_token);
  const auto user_reference = fixture("rest_user_with_timezone.json");
  CHECK(strangers(run(io, api.me()).body, {user_reference}) == None{});
  CHECK(strangers(run(io, api.user(kAda)).body, {user_reference}) == None{});
  CHECK(strangers(mm.user_object(kAda),
                  {user_reference, fixture("ws_event_user_updated.json")["data"]["user"]}) == None{});

  // A created post is a post as the posted event carries it; its props are what Tend sent.
  const mattermost::ButtonTarget buttons{"http://127.0.0.1:9/mattermost/action", "k", kAda};
  run(io, api.send(mm.options().bot_user_id, {platform::Recipient::Kind::person, kAda},
                   Message{"hi", {{"Done", "nudge.done", "1"}}, {}}, buttons));
  REQUIRE(mm.posts().size() == 1);
  auto post_reference = inner_post(fixture("ws_event_posted.json"));
  post_reference["props"] = fixture("post_with_attachment_buttons.json");
  auto created = mm.posts()[0];
  created["props"]["attachments"][0]["actions"][0]["integration"].erase("context");  // Tend's own
  CHECK(strangers(created, {post_reference}) == None{});

  // A channel, from POST /channels/direct and in GET /users/me/channels: the OpenAPI Channel.
  const auto channel_reference = fixture("rest_channel_openapi.json");
  CHECK(strangers(run(io, api.direct_channel(mm.options().bot_user_id, kAda)).body, {channel_reference}) ==
        None{});
  const auto channels = run(io, api.my_channels()).body;
  REQUIRE(channels.is_array());
  REQUIRE_FALSE(channels.empty());
  for (const auto& channel : channels) CHECK(strangers(channel, {channel_reference}) == None{});

  // GET /channels/{id}/posts?since=: a PostList whose posts are posts as the server sends them.
  mm.send_post(kAda, "checkin 4");
  auto list = run(io, api.posts_since(mm.dm_channel(kAda), 0)).body;
  auto list_reference = fixture("rest_post_list_openapi.json");
  const auto schema_post = list_reference["posts"].begin().value();
  REQUIRE(list["posts"].size() == 2);
  for (const auto& [id, post] : list["posts"].items()) {
    auto without_context = post;
    if (without_context["props"].contains("attachments"))
      without_context["props"]["attachments"][0]["actions"][0]["integration"].erase("context");
    CHECK(strangers(without_context,
                    {post_reference, inner_post(fixture("ws_event_posted.json")), schema_post}) == None{});
  }
  // Posts are keyed by their ids: the rest of the list is compared without them.
  list["posts"] = json::object();
  list_reference["posts"] = json::object();
  CHECK(strangers(list, {list_reference}) == None{});
  CHECK(list["order"].size() == 2);
}

TEST_CASE("what Tend writes has the documented shapes") {
  const mattermost::ButtonTarget buttons{"http://tend/mattermost/action", "k", kAda};
  const Message message{
      "Pick *one*", {{"Done", "nudge.done", "1"}, {"Snooze 1 day", "nudge.snooze", "1"}}, {}};
  auto without_context = [](json j, json& attachments) {
    for (auto& action : attachments[0]["actions"]) action["integration"].erase("context");
    return j;
  };
  auto post = mattermost::post_body(message, "ch1", buttons);
  without_context(post, post["props"]["attachments"]);
  auto post_reference = inner_post(fixture("ws_event_posted.json"));
  post_reference["props"] = fixture("post_with_attachment_buttons.json");
  CHECK(strangers(post, {post_reference}) == None{});

  auto answer = mattermost::command_response(message, buttons);
  without_context(answer, answer["props"]["attachments"]);
  auto answer_reference = json::parse(http_body("slash_command_response_extra_responses.http", false));
  answer_reference["props"] = fixture("post_with_attachment_buttons.json");
  CHECK(strangers(answer, {answer_reference}) == None{});

  auto update = mattermost::action_response(message, buttons, true);
  without_context(update, update["update"]["props"]["attachments"]);
  auto update_reference = fixture("post_action_response.json");
  update_reference["update"]["props"] = fixture("post_with_attachment_buttons.json");
  CHECK(strangers(update, {update_reference}) == None{});
  CHECK(strangers(mattermost::action_response(message, buttons, false), {update_reference}) == None{});
}

TEST_CASE("the emulator's requests to Tend have the documented fields") {
  emulator::MattermostEmulator mm;
  mm.set_user(kAda, {"ada", "", "", "", true, "", ""});
  std::set<std::string> documented;
  for (const auto& [key, value] : mattermost::decode_form(http_body("slash_command_request.http", true)))
    documented.insert(key);
  std::set<std::string> ours;
  for (const auto& [key, value] : mm.slash_command_form({kAda, "/checkin", "4 good day", "tok", ""}))
    ours.insert(key);
  CHECK(ours == documented);

  auto request = mm.action_request(kAda, json::object(), "p1", "c1");
  auto reference = fixture("post_action_request_mm_blocks.json");
  reference["context"] = json::object();
  CHECK(strangers(request, {reference, fixture("post_action_request_legacy.json")}) == None{});
}
