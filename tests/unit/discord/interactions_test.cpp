// Interactions to Commands and Actions, and Tend's messages to Discord JSON, on the real payloads.
#include <catch2/catch.hpp>

#include "bot/platform/discord/interactions.hpp"
#include "tests/integration/discord/fixtures.hpp"

using namespace tend;
using namespace tend::discord;
using tend::testing::discord::fixture;
using json = nlohmann::json;

namespace {

const std::string kKey = "signing-key";

template <class T>
T as(const Interaction& i) {
  REQUIRE(std::holds_alternative<T>(i.inbound));
  return std::get<T>(i.inbound);
}

json command_with_options(json options) {
  auto d = fixture("interaction_create_slash_command.json");
  d["data"]["name"] = "checkin";
  d["data"]["options"] = std::move(options);
  return d;
}

}  // namespace

TEST_CASE("a slash command becomes a Command with its options as text; the interaction id dedups") {
  auto interaction = decode_interaction(fixture("interaction_create_slash_command.json"), kKey);
  const auto& command = as<platform::Command>(interaction);
  CHECK(command.name == "cardsearch");
  CHECK(command.text == "The Gitrog Monster");
  CHECK(command.origin.user_id == "53908232506183680");
  CHECK(command.origin.user_name == "Mason");
  CHECK(command.origin.channel_id == "645027906669510667");
  CHECK(command.origin.delivery_ids == std::vector<std::string>{"786008729715212338"});
  CHECK(interaction.token == "A_UNIQUE_TOKEN");
}

TEST_CASE("typed options, in order, give the text the router expects") {
  auto d = command_with_options(json::parse(R"([{"type":4,"name":"score","value":4},
                                                {"type":3,"name":"note","value":"good day"}])"));
  const auto& command = as<platform::Command>(decode_interaction(d, kKey));
  CHECK(command.name == "checkin");
  CHECK(command.text == "4 good day");

  auto sub = command_with_options(json::parse(R"([{"type":2,"name":"admin","options":[
      {"type":1,"name":"supervisor","options":[{"type":6,"name":"volunteer","value":"111"},
                                              {"type":6,"name":"staff","value":"222"}]}]}])"));
  CHECK(as<platform::Command>(decode_interaction(sub, kKey)).text == "admin supervisor <@111> <@222>");

  auto what = command_with_options(json::parse(R"([{"type":3,"name":"what","value":"admin set"},
                                                 {"type":3,"name":"args","value":"timezone.default Europe/London"}])"));
  CHECK(as<platform::Command>(decode_interaction(what, kKey)).text ==
        "admin set timezone.default Europe/London");

  auto none = command_with_options(json::array());
  CHECK(as<platform::Command>(decode_interaction(none, kKey)).text.empty());
}

TEST_CASE("a DM interaction names its user under `user`, not `member`") {
  auto d = fixture("interaction_create_slash_command.json");
  d["user"] = d["member"]["user"];
  d.erase("member");
  d.erase("guild_id");
  CHECK(as<platform::Command>(decode_interaction(d, kKey)).origin.user_id == "53908232506183680");
}

TEST_CASE("a button Tend signed becomes an Action; an unsigned or altered one is refused") {
  auto d = fixture("interaction_create_button.json");
  CHECK(as<Refused>(decode_interaction(d, kKey)).what.find("does not verify") != std::string::npos);

  d["data"]["custom_id"] = sign_custom_id("checkin.score", "4", kKey);
  auto interaction = decode_interaction(d, kKey);
  const auto& action = as<platform::Action>(interaction);
  CHECK(action.action_id == "checkin.score");
  CHECK(action.value == "4");
  CHECK(action.origin.user_id == "53908232506183680");
  CHECK(action.origin.delivery_ids == std::vector<std::string>{"846462639134605312"});

  auto forged = sign_custom_id("checkin.score", "4", kKey);
  forged.replace(forged.find("|4|"), 3, "|5|");
  d["data"]["custom_id"] = forged;
  as<Refused>(decode_interaction(d, kKey));
  d["data"]["custom_id"] = sign_custom_id("checkin.score", "4", "another key");
  as<Refused>(decode_interaction(d, kKey));
}

TEST_CASE("a modal submit becomes an Action with the form's fields") {
  auto d = fixture("dispatch_interaction_create_modal_submit.json")["d"];
  d["data"]["custom_id"] = sign_custom_id("checkin.form", "", kKey);
  const auto& action = as<platform::Action>(decode_interaction(d, kKey));
  CHECK(action.action_id == "checkin.form");
  CHECK(action.fields == std::map<std::string, std::string>{{"texts", "Hello, dad"}});
  CHECK(action.origin.user_name == "Mahdi BM");
}

TEST_CASE("pings, autocompletes and payloads without a user or id are refused") {
  auto d = fixture("interaction_create_slash_command.json");
  d["type"] = 1;
  CHECK(as<Refused>(decode_interaction(d, kKey)).what == "ping");
  d["type"] = 4;
  CHECK(as<Refused>(decode_interaction(d, kKey)).what == "autocomplete");
  d = fixture("interaction_create_slash_command.json");
  d.erase("member");
  as<Refused>(decode_interaction(d, kKey));
  as<Refused>(decode_interaction(json::array(), kKey));
}

TEST_CASE("custom_ids stay within Discord's 100 bytes") {
  CHECK(sign_custom_id("checkin.score", "4", kKey).size() <= kMaxCustomIdBytes);
  CHECK_THROWS_AS(sign_custom_id("a|b", "", kKey), std::invalid_argument);
  CHECK_THROWS_AS(sign_custom_id("x", std::string(100, 'v'), kKey), std::length_error);
}

TEST_CASE("Slack-style *bold* becomes Discord **bold**; _italic_ stays; times render per reader") {
  CHECK(markdown("*Check-in* due _today_") == "**Check-in** due _today_");
  CHECK(markdown("5 * 3") == "5 \\* 3");
  CHECK(markdown("*a\nb*") == "\\*a\nb\\*");
  CHECK(timestamp(Instant(std::chrono::seconds(1700000000))) == "<t:1700000000:f>");
}

TEST_CASE("buttons become signed action rows of at most five, in at most five rows") {
  Message message{"pick", {}, std::nullopt};
  for (int i = 0; i < 27; ++i)
    message.buttons.push_back({"Button " + std::to_string(i), "x.y", std::to_string(i)});
  auto body = message_body(message, kKey);
  REQUIRE(body["components"].size() == kRowsPerMessage);
  for (const auto& row : body["components"]) {
    CHECK(row["type"] == 1);
    CHECK(row["components"].size() <= kButtonsPerRow);
  }
  auto second = body["components"][0]["components"][1];
  CHECK(second["label"] == "Button 1");
  auto verified = verify_custom_id(second["custom_id"].get<std::string>(), kKey);
  REQUIRE(verified);
  CHECK(verified->value == "1");
  // The rendered button has the shape of the one in the real payload.
  auto real = fixture("interaction_create_button.json")["message"]["components"][0]["components"][0];
  for (const auto& [key, value] : second.items()) CHECK(real.contains(key));
}

TEST_CASE("callbacks: ephemeral message (4, flags 64), deferred (5), modal (9)") {
  Message message{"*Thanks*", {{"Done", "nudge.done", "12"}}, std::nullopt};
  auto reply = callback_message(message, kKey);
  CHECK(reply["type"] == 4);
  CHECK(reply["data"]["flags"] == kEphemeralFlag);
  CHECK(reply["data"]["content"] == "**Thanks**");
  CHECK_FALSE(callback_message(message, kKey, false)["data"].contains("flags"));
  CHECK(callback_deferred() == json::parse(R"({"type":5,"data":{"flags":64}})"));

  Form form{"checkin.form",
            "How are you?",
            "Send",
            {{"score", "Score", {{"1", "", "1"}, {"5", "", "5"}}, false}, {"note", "Note", {}, true}}};
  auto modal = callback_modal(form, kKey);
  CHECK(modal["type"] == 9);
  CHECK(verify_custom_id(modal["data"]["custom_id"].get<std::string>(), kKey)->action_id == "checkin.form");
  REQUIRE(modal["data"]["components"].size() == 2);
  auto note = modal["data"]["components"][1]["components"][0];
  CHECK(note["custom_id"] == "note");
  CHECK(note["required"] == false);
  // What the modal sends back decodes to the fields by these custom_ids.
  auto submit = fixture("dispatch_interaction_create_modal_submit.json")["d"];
  submit["data"]["custom_id"] = modal["data"]["custom_id"];
  submit["data"]["components"] =
      json::parse(R"([{"type":1,"components":[{"type":4,"custom_id":"score","value":"4"}]},
                                                 {"type":1,"components":[{"type":4,"custom_id":"note","value":"ok"}]}])");
  auto action = as<platform::Action>(decode_interaction(submit, kKey));
  CHECK(action.fields == std::map<std::string, std::string>{{"note", "ok"}, {"score", "4"}});
}

TEST_CASE("application commands: typed options from usage, choices for families with subcommands") {
  std::vector<CommandSpec> families{
      {"checkin", "record how you are", {{"", "[1-5] [note…]", "check in"}}},
      {"tend",
       "Tend itself",
       {{"", "", "this help"},
        {"me", "", "what Tend knows about you"},
        {"admin supervisor", "@volunteer @staff", "set a volunteer's supervisor"}}},
      {"story", "stories", {{"", "<@volunteer> <title>", "log a story"}}}};
  auto commands = application_commands(families);
  REQUIRE(commands.size() == 3);
  auto checkin = commands[0];
  CHECK(checkin["name"] == "checkin");
  CHECK(checkin["options"][0]["type"] == 4);
  CHECK(checkin["options"][0]["min_value"] == 1);
  CHECK(checkin["options"][0]["max_value"] == 5);
  CHECK(checkin["options"][0]["required"] == false);
  CHECK(checkin["options"][1]["type"] == 3);

  auto what = commands[1]["options"][0];
  CHECK(what["name"] == "what");
  REQUIRE(what["choices"].size() == 2);
  CHECK(what["choices"][1]["value"] == "admin supervisor");

  CHECK(commands[2]["options"][0]["type"] == 6);
  CHECK(commands[2]["options"][0]["required"] == true);

  // Every command has the fields of Discord's documented command, with the same types.
  auto documented = fixture("application_command_chat_input.json");
  for (const auto& command : commands)
    for (const auto& key : {"name", "type", "description", "options"}) {
      REQUIRE(command.contains(key));
      CHECK(std::string(command[key].type_name()) == documented[key].type_name());
    }
}

TEST_CASE("the commands hash changes exactly when the set does") {
  std::vector<CommandSpec> families{{"checkin", "record how you are", {{"", "[1-5] [note…]", "check in"}}}};
  auto a = commands_hash(application_commands(families));
  CHECK(a == commands_hash(application_commands(families)));
  CHECK(a.size() == 64);
  families[0].summary = "record how you feel";
  CHECK(a != commands_hash(application_commands(families)));
}

TEST_CASE("a user option names the person as Discord resolved them, so someone new gets a name") {
  auto d =
      command_with_options(json::array({{{"name", "volunteer"}, {"type", 6}, {"value", "80351110224678912"}},
                                        {{"name", "who"}, {"type", 6}, {"value", "11"}}}));
  d["data"]["resolved"] = {
      {"users",
       {{"80351110224678912",
         {{"id", "80351110224678912"}, {"username", "nelly"}, {"global_name", "Nelly Bly"}}}}}};
  // One word: a display name with a space gives way to the username.
  CHECK(as<platform::Command>(decode_interaction(d, kKey)).text == "<@80351110224678912|nelly> <@11>");
  d["data"]["resolved"]["users"]["80351110224678912"]["global_name"] = "Nelly";
  CHECK(as<platform::Command>(decode_interaction(d, kKey)).text == "<@80351110224678912|Nelly> <@11>");
}

TEST_CASE("an interaction id tells when Discord made it, which is when its 3 seconds began") {
  const auto made = snowflake_time("786008729715212338");
  REQUIRE(made);
  // 2020-12-08T23:18:04Z, the docs' example interaction.
  CHECK(std::chrono::duration_cast<std::chrono::seconds>(made->time_since_epoch()).count() == 1607469484);
  CHECK_FALSE(snowflake_time("A_UNIQUE_TOKEN"));
  CHECK_FALSE(snowflake_time(""));
}

TEST_CASE("what Tend does not handle is answered as Discord expects, saying what to do instead") {
  auto d = fixture("interaction_create_slash_command.json");
  d["type"] = 1;
  CHECK(callback_refused(as<Refused>(decode_interaction(d, kKey)), "/tend help") == json{{"type", 1}});
  d["type"] = 4;
  CHECK(callback_refused(as<Refused>(decode_interaction(d, kKey)), "/tend help")["type"] == 8);

  auto forged = fixture("interaction_create_button.json");
  forged["data"]["custom_id"] = "checkin.score|5|AAAAAAAAAAAAAAAA";
  const auto stale = callback_refused(as<Refused>(decode_interaction(forged, kKey)), "/ci help");
  CHECK(stale["type"] == 4);
  CHECK(stale["data"]["flags"] == kEphemeralFlag);
  CHECK_THAT(stale["data"]["content"].get<std::string>(),
             Catch::Contains("can't be used any more") && Catch::Contains("/ci help"));
  auto menu = fixture("interaction_create_slash_command.json");
  menu["data"]["type"] = 2;
  CHECK_THAT(callback_refused(as<Refused>(decode_interaction(menu, kKey)), "/tend help")["data"]["content"]
                 .get<std::string>(),
             Catch::Contains("slash commands"));
}
