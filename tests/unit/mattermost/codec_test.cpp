// The Mattermost codec against the payloads Mattermost really sends (tests/fixtures/mattermost).
#include <catch2/catch.hpp>

#include "bot/platform/mattermost/codec.hpp"
#include "tests/integration/mattermost/fixtures.hpp"

using namespace tend;
using namespace tend::mattermost;
using json = nlohmann::json;

namespace {

using testing::mattermost::fixture;
using testing::mattermost::http_body;

std::string read(const std::string& name) {
  return testing::mattermost::read_fixture(name);
}

template <class T>
const T& as(const Frame& f) {
  REQUIRE(std::holds_alternative<T>(f.body));
  return std::get<T>(f.body);
}

const Bot kBot{"botuserid0000000000000000a", "tend"};

Post dm_post(const std::string& message) {
  Post p;
  p.id = "post1";
  p.channel_id = "dmchannel";
  p.channel_type = "D";
  p.user_id = "rd49ehbqyjytddasoownkuqrxe";
  p.user_name = "alice";
  p.message = message;
  return p;
}

// The press Mattermost POSTs for one of Tend's buttons, in the shape of the documented request.
std::string press(const json& action, const std::string& user_id) {
  auto request = fixture("post_action_request_legacy.json");
  request["user_id"] = user_id;
  request["context"] = action["integration"]["context"];
  return request.dump();
}

}  // namespace

TEST_CASE("every WebSocket fixture from the server decodes without error") {
  for (const auto* name : {"ws_auth_ok_response.json", "ws_event_hello_docs.json", "ws_event_posted.json",
                           "ws_event_typing.json", "ws_event_user_updated.json", "ws_response_fail.json",
                           "ws_response_ok.json"}) {
    INFO(name);
    CHECK_FALSE(std::holds_alternative<DecodeError>(decode_frame(read(name)).body));
  }
}

TEST_CASE("hello carries the server version, and the connection id of current servers") {
  const auto old = decode_frame(read("ws_event_hello_docs.json"));
  CHECK(old.seq == 0);
  CHECK(as<Hello>(old).server_version == "3.6.0.1451.1c38da627ebb4e3635677db6939e9195");
  CHECK(as<Hello>(old).connection_id.empty());

  auto current = fixture("ws_event_hello_docs.json");
  current["data"]["connection_id"] = "fzhfn3ziqpn6tkxtn8b4ozfqqo";
  current["data"]["server_hostname"] = "mm-1";
  CHECK(as<Hello>(decode_frame(current.dump())).connection_id == "fzhfn3ziqpn6tkxtn8b4ozfqqo");
}

TEST_CASE("posted: the post inside the JSON string is decoded") {
  const auto frame = decode_frame(read("ws_event_posted.json"));
  CHECK(frame.seq == 5);
  const auto& post = as<Posted>(frame).post;
  CHECK(post.id == "5greg5b4w3rojmqc188znn8s7c");
  CHECK(post.user_id == "cmr7sncacib4xfhd6yo3n4tf5e");
  CHECK(post.channel_id == "1waumyyd6jyczrxntuiopybygy");
  CHECK(post.channel_type == "O");
  CHECK(post.user_name == "rgabriel");
  CHECK(post.message == "message sent");
  CHECK(post.root_id.empty());
  // In an open channel, without a mention of the bot, it is not for Tend.
  CHECK_FALSE(command_of(post, kBot));
}

TEST_CASE("posted: mentions arrive as a JSON string of user ids") {
  auto event = fixture("ws_event_posted.json");
  event["data"]["mentions"] = json::array({kBot.user_id}).dump();
  CHECK(as<Posted>(decode_frame(event.dump())).post.mentions == std::vector<std::string>{kBot.user_id});
}

TEST_CASE("a command typed in a DM, with or without the slash, whatever the first letter's case") {
  for (const auto* typed :
       {"checkin 4 good day", "/checkin 4 good day", "Checkin 4 good day", "  checkin   4 good day "}) {
    INFO(typed);
    const auto command = command_of(dm_post(typed), kBot);
    REQUIRE(command);
    CHECK(command->command.name == "checkin");
    CHECK(command->command.text == "4 good day");
    CHECK(command->command.origin.user_id == "rd49ehbqyjytddasoownkuqrxe");
    CHECK(command->command.origin.user_name == "alice");
    CHECK(command->command.origin.channel_id == "dmchannel");
    CHECK(command->command.origin.delivery_ids == std::vector<std::string>{"post1"});
    CHECK(command->thread_root_id.empty());
  }
  CHECK_FALSE(command_of(dm_post("   "), kBot));
}

TEST_CASE("the bot's own posts and the server's system posts are not commands") {
  auto own = dm_post("checkin 4");
  own.user_id = kBot.user_id;
  CHECK_FALSE(command_of(own, kBot));
  auto system = dm_post("alice joined the channel");
  system.type = "system_join_channel";
  CHECK_FALSE(command_of(system, kBot));
}

TEST_CASE("in a channel, a post addressed to the bot is a command answered in its thread") {
  auto post = dm_post("@tend story yesterday 14:00 talk");
  post.channel_type = "O";
  auto command = command_of(post, kBot);
  REQUIRE(command);
  CHECK(command->command.name == "story");
  CHECK(command->command.text == "yesterday 14:00 talk");
  CHECK(command->thread_root_id == "post1");

  post.root_id = "threadroot";
  post.message = "@tend: checkin 3";
  command = command_of(post, kBot);
  REQUIRE(command);
  CHECK(command->thread_root_id == "threadroot");

  post.message = "@tendency checkin 3";
  CHECK_FALSE(command_of(post, kBot));
  post.message = "thanks @tend";
  CHECK_FALSE(command_of(post, kBot));
}

TEST_CASE("user_updated: the user's name and zone, with the booleans as strings") {
  const auto frame = decode_frame(read("ws_event_user_updated.json"));
  CHECK(frame.seq == 20);
  const auto& updated = as<UserUpdated>(frame);
  CHECK(updated.user_id == "6crqhw6nd3nn5pkxwjg3stensw");
  CHECK(updated.profile.display_name == "Gabriel");
  CHECK(updated.profile.zone.empty());  // automatic, and the device never reported one

  auto event = fixture("ws_event_user_updated.json");
  event["data"]["user"]["timezone"] = {{"automaticTimezone", "America/Toronto"},
                                       {"manualTimezone", "Europe/Berlin"},
                                       {"useAutomaticTimezone", "true"}};
  CHECK(as<UserUpdated>(decode_frame(event.dump())).profile.zone == "America/Toronto");
  event["data"]["user"]["timezone"]["useAutomaticTimezone"] = "false";
  CHECK(as<UserUpdated>(decode_frame(event.dump())).profile.zone == "Europe/Berlin");
}

TEST_CASE("the zone Mattermost shows the person") {
  CHECK(zone_of({{"useAutomaticTimezone", true}, {"automaticTimezone", "Asia/Tokyo"}}) == "Asia/Tokyo");
  CHECK(zone_of({{"useAutomaticTimezone", "false"},
                 {"automaticTimezone", "Asia/Tokyo"},
                 {"manualTimezone", ""}}) == "");
  // Automatic but never reported by a device: the zone the person once chose is better than none.
  CHECK(zone_of({{"useAutomaticTimezone", "true"},
                 {"automaticTimezone", ""},
                 {"manualTimezone", "Europe/Oslo"}}) == "Europe/Oslo");
  CHECK(zone_of(json()) == "");
}

TEST_CASE("the REST user object: display name and zone") {
  const auto profile = profile_of(fixture("rest_user_with_timezone.json"));
  CHECK(profile.display_name == "kaakaa");
  CHECK(profile.zone.empty());
  auto user = fixture("rest_user_with_timezone.json");
  user["first_name"] = "Ka";
  user["last_name"] = "Kaa";
  CHECK(profile_of(user).display_name == "Ka Kaa");
  user["nickname"] = "kk";
  CHECK(profile_of(user).display_name == "kk");
}

TEST_CASE("typing and other events are ignored but keep their seq") {
  const auto frame = decode_frame(read("ws_event_typing.json"));
  CHECK(frame.seq == 4);
  CHECK(as<Ignored>(frame).what == "event typing");
}

TEST_CASE("replies to Tend's requests: OK and FAIL with the error id") {
  const auto ok = decode_frame(read("ws_response_ok.json"));
  CHECK_FALSE(ok.seq);
  CHECK(as<Response>(ok).ok);
  CHECK(as<Response>(ok).seq_reply == 2);
  CHECK(as<Response>(decode_frame(read("ws_auth_ok_response.json"))).seq_reply == 1);
  const auto fail_frame = decode_frame(read("ws_response_fail.json"));
  const auto& fail = as<Response>(fail_frame);
  CHECK_FALSE(fail.ok);
  CHECK(fail.error_id == "some.error.id.here");
}

TEST_CASE("malformed frames are decode errors, not exceptions") {
  for (const auto* text : {"", "not json", "[]", "{\"event\":\"posted\"}", "{\"event\":\"posted\",\"seq\":1}",
                           "{\"event\":\"posted\",\"seq\":1,\"data\":{\"post\":\"{broken\"}}",
                           "{\"seq\":\"1\",\"event\":\"hello\"}"}) {
    INFO(text);
    CHECK(std::holds_alternative<DecodeError>(decode_frame(text).body));
  }
  CHECK(std::holds_alternative<DecodeError>(decode_frame(std::string(kMaxFrameBytes + 1, ' ')).body));
}

TEST_CASE("the authentication challenge is the documented request") {
  const auto ours = json::parse(authentication_challenge(1, "mattermosttokengoeshere"));
  CHECK(ours == fixture("ws_authentication_challenge.json"));
}

TEST_CASE("the resume point: events in order, repeats skipped, gaps noticed, a forgotten connection told") {
  ResumePoint point;
  CHECK(point.websocket_target() == "/api/v4/websocket");
  CHECK_FALSE(point.on_hello({"conn1", "9.0"}, 0));
  CHECK(point.on_event(1) == ResumePoint::Order::next);
  CHECK(point.on_event(2) == ResumePoint::Order::next);
  CHECK(point.websocket_target() == "/api/v4/websocket?connection_id=conn1&sequence_number=3");
  // A replay that overlaps what already arrived.
  CHECK(point.on_event(2) == ResumePoint::Order::repeated);
  CHECK(point.on_event(3) == ResumePoint::Order::next);
  CHECK(point.on_event(5) == ResumePoint::Order::gap);
  CHECK(point.next() == 4);
  // The server no longer knows conn1: a new hello, a new id, the sequence starts again.
  CHECK(point.on_hello({"conn2", "9.0"}, 0));
  CHECK(point.next() == 1);
  CHECK(point.connection_id() == "conn2");
  CHECK_FALSE(point.on_hello({"conn2", "9.0"}, 0));
}

TEST_CASE("the slash-command POST, as the docs show it") {
  const auto decoded = decode_slash_command(http_body("slash_command_request.http", true));
  REQUIRE(std::holds_alternative<SlashCommand>(decoded));
  const auto& slash = std::get<SlashCommand>(decoded);
  CHECK(slash.command.name == "weather");
  CHECK(slash.command.text == "toronto week");
  CHECK(slash.command.origin.user_id == "erj6qck3rfgtujs86w5r6rckzh");
  CHECK(slash.command.origin.user_name == "alan");
  CHECK(slash.command.origin.channel_id == "fukxanjgjbnp7ng383at53k1sy");
  CHECK(slash.token == "qzgakf1nx3yt9dr4n8585ihbxy");
  CHECK(slash.response_url == "http://localhost:8066/hooks/commands/i11f6nnfgfyk8eg56x9omc6dpa");
  CHECK(slash.team_id == "wx4zz8t4ttgmtxqiwfohijayzc");
  CHECK(slash.trigger_id.ends_with("RC8xbjZRPT0="));  // %3D decoded
  CHECK(slash.command.origin.delivery_ids == std::vector<std::string>{slash.trigger_id});
}

TEST_CASE("a slash command's token from the Authorization header when the body has none") {
  const auto decoded =
      decode_slash_command("command=%2FCheckin&text=4+good&user_id=u1&channel_id=c1", "Token abc123");
  REQUIRE(std::holds_alternative<SlashCommand>(decoded));
  CHECK(std::get<SlashCommand>(decoded).token == "abc123");
  CHECK(std::get<SlashCommand>(decoded).command.name == "checkin");
  CHECK(std::holds_alternative<DecodeError>(decode_slash_command("text=4&user_id=u1")));
  CHECK(std::holds_alternative<DecodeError>(decode_slash_command("command=%2Fcheckin&text=4")));
}

TEST_CASE("forms: repeated keys stay, escapes and '+' decode, and encoding reverses decoding") {
  const auto fields = decode_form("user_mentions=a&user_mentions=b&text=50%25+off%21&empty=&bad=%zz");
  REQUIRE(fields.size() == 5);
  CHECK(fields[0] == std::pair<std::string, std::string>{"user_mentions", "a"});
  CHECK(fields[1].second == "b");
  CHECK(fields[2].second == "50% off!");
  CHECK(fields[3].second == "");
  CHECK(fields[4].second == "%zz");
  const std::vector<std::pair<std::string, std::string>> original{{"text", "checkin 4 & a half = ünï"},
                                                                  {"k", ""}};
  CHECK(decode_form(encode_form(original)) == original);
}

TEST_CASE("tokens compare equal only when identical") {
  CHECK(tokens_equal("qzgakf1nx3yt9dr4n8585ihbxy", "qzgakf1nx3yt9dr4n8585ihbxy"));
  CHECK_FALSE(tokens_equal("qzgakf1nx3yt9dr4n8585ihbxy", "qzgakf1nx3yt9dr4n8585ihbxz"));
  CHECK_FALSE(tokens_equal("qzgakf1nx3yt9dr4n8585ihbxy", "qzgakf1nx3yt9dr4n8585ihbx"));
  CHECK_FALSE(tokens_equal("", "x"));
}

TEST_CASE("a button press round-trips; forged, altered or misdirected presses are refused") {
  const ButtonTarget target{"http://tend.internal:8080/mattermost/action", "tend-signing-key",
                            "rd49ehbqyjytddasoownkuqrxe"};
  const Message nudge{
      "Time for your check-in", {{"Done", "nudge.done", "17"}, {"Snooze 1 day", "nudge.snooze", "17"}}, {}};
  const auto attachments = button_attachments(nudge, target);
  REQUIRE(attachments.size() == 1);
  const auto& actions = attachments[0]["actions"];
  REQUIRE(actions.size() == 2);
  CHECK(actions[1]["name"] == "Snooze 1 day");
  CHECK(actions[1]["integration"]["url"] == target.action_url);

  const auto decoded = decode_action(press(actions[1], "rd49ehbqyjytddasoownkuqrxe"), target.key);
  REQUIRE(std::holds_alternative<ActionRequest>(decoded));
  const auto& action = std::get<ActionRequest>(decoded);
  CHECK(action.action.action_id == "nudge.snooze");
  CHECK(action.action.value == "17");
  CHECK(action.action.origin.user_id == "rd49ehbqyjytddasoownkuqrxe");
  CHECK(action.action.origin.channel_id == "j6j53p28k6urx15fpcgsr20psq");
  CHECK(action.post_id == "gqrnh3675jfxzftnjyjfe4udeh");

  // Someone else pressing a button that was for alice.
  CHECK(std::holds_alternative<DecodeError>(
      decode_action(press(actions[1], "someoneelse000000000000000"), target.key)));
  // A context whose value was changed after signing.
  auto altered = actions[1];
  altered["integration"]["context"]["value"] = "18";
  CHECK(std::holds_alternative<DecodeError>(
      decode_action(press(altered, "rd49ehbqyjytddasoownkuqrxe"), target.key)));
  // Unbinding it from alice does not help either.
  auto unbound = actions[1];
  unbound["integration"]["context"].erase("user_id");
  CHECK(std::holds_alternative<DecodeError>(
      decode_action(press(unbound, "someoneelse000000000000000"), target.key)));
  // Signed with another key, or not signed at all (the documented example's context).
  CHECK(std::holds_alternative<DecodeError>(
      decode_action(press(actions[1], "rd49ehbqyjytddasoownkuqrxe"), "other-key")));
  CHECK(std::holds_alternative<DecodeError>(
      decode_action(read("post_action_request_legacy.json"), target.key)));
  CHECK(std::holds_alternative<DecodeError>(decode_action("not json", target.key)));
}

TEST_CASE("a button for anyone who sees the message") {
  const ButtonTarget target{"http://tend/mattermost/action", "k", ""};
  const auto attachments = button_attachments(Message{"pick", {{"3", "checkin.score", "3"}}, {}}, target);
  auto request = fixture("post_action_request_mm_blocks.json");
  request["context"] = attachments[0]["actions"][0]["integration"]["context"];
  const auto decoded = decode_action(request.dump(), "k");
  REQUIRE(std::holds_alternative<ActionRequest>(decoded));
  CHECK(std::get<ActionRequest>(decoded).action.origin.user_name == "alice");
  CHECK(std::get<ActionRequest>(decoded).trigger_id == "...");
}

TEST_CASE("Slack-style emphasis becomes Mattermost Markdown") {
  CHECK(markdown("Checked in at *4 (good)*.") == "Checked in at **4 (good)**.");
  CHECK(markdown("*Ada Lovelace* is taking a break") == "**Ada Lovelace** is taking a break");
  CHECK(markdown("_italic_ stays") == "_italic_ stays");
  CHECK(markdown("5 * 3 = 15") == "5 * 3 = 15");
  CHECK(markdown("a *star\nacross* lines") == "a *star\nacross* lines");
  CHECK(markdown("**") == "**");
}

TEST_CASE("Tend's messages as posts, command answers and action answers, in the documented shapes") {
  const ButtonTarget target{"http://tend/mattermost/action", "k", "u1"};
  const Message plain{"Hello *sam*", {}, {}};
  const auto post = post_body(plain, "ch1", target);
  CHECK(post == json{{"channel_id", "ch1"}, {"message", "Hello **sam**"}});

  const Message with_buttons{"Pick one", {{"A", "x", "1"}}, {}};
  const auto with = post_body(with_buttons, "ch1", target);
  CHECK(with["props"]["attachments"][0]["actions"][0]["id"] == "tend0");

  const auto answer = command_response(plain, target);
  CHECK(answer["response_type"] == "ephemeral");
  CHECK(answer["text"] == "Hello **sam**");

  const auto update = action_response(plain, target, true);
  CHECK(update["update"]["message"] == "Hello **sam**");
  CHECK(update["update"]["props"]["attachments"] == json::array());  // the old buttons go
  CHECK(action_response(plain, target, false) == json{{"ephemeral_text", "Hello **sam**"}});
}

TEST_CASE("@username mentions are found and written as the ids the router reads") {
  CHECK(mentioned_usernames("admin supervisor @bo @Sam.") == std::vector<std::string>{"bo", "sam"});
  CHECK(mentioned_usernames("mail ada@example.org or @ada.lovelace, @ @bo @bo") ==
        std::vector<std::string>{"ada.lovelace", "bo"});
  const std::map<std::string, std::string, std::less<>> ids{{"bo", "bo00000000000000000000000b"},
                                                            {"sam", "sam0000000000000000000000s"}};
  CHECK(with_mention_ids("admin supervisor @bo @Sam.", ids) ==
        "admin supervisor <@bo00000000000000000000000b|bo> <@sam0000000000000000000000s|Sam>.");
  // Someone the server does not know stays as typed; so does an address.
  CHECK(with_mention_ids("@kim and ada@bo.org", ids) == "@kim and ada@bo.org");
}

TEST_CASE("catching up: the bot's channels and a channel's posts, oldest first, from the documented shapes") {
  const auto channels = channels_of(json::array({fixture("rest_channel_openapi.json")}));
  REQUIRE(channels.size() == 1);
  CHECK(channels[0].id == "ccccccccccccccccccccccccc1");
  CHECK(channels[0].type == "D");
  CHECK(channels[0].last_post_at == 1682311948645);

  auto list = fixture("rest_post_list_openapi.json");
  // A second post, older, from the captured event: posts come back oldest first whatever the map's order.
  auto older = json::parse(fixture("ws_event_posted.json")["data"]["post"].get<std::string>());
  older["create_at"] = 1682311948000;
  list["posts"][older["id"].get<std::string>()] = older;
  list["posts"]["broken"] = {{"id", "broken"}};
  const auto posts = posts_of(list, "D");
  REQUIRE(posts.size() == 2);
  CHECK(posts[0].id == older["id"]);
  CHECK(posts[1].message == "checkin 4");
  CHECK(posts[1].create_at == 1682311948645);
  CHECK(posts[1].channel_type == "D");
  CHECK(posts_of(json::array(), "D").empty());
  CHECK(channels_of(json::object()).empty());
}

TEST_CASE("a signing key is 32 random bytes, different each time") {
  const auto a = new_signing_key();
  CHECK(a.size() == 64);
  CHECK(a != new_signing_key());
}
