// The emulator is only worth testing against if it talks like Slack: every field it sends, in
// envelopes and in Web API answers, must be a field Slack sends, with the same JSON type, as
// recorded in tests/fixtures/slack (real payloads, and the SDK recorders' union of fields).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/platform/slack/web_api.hpp"
#include "tests/emulator/slack_emulator.hpp"
#include "tests/integration/json_shapes.hpp"
#include "tests/integration/slack/run_to_completion.hpp"

using namespace tend;
using testing::run;
using testing::strangers;
using json = nlohmann::json;

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(TEND_FIXTURES_DIR) / "slack";

json fixture(const std::string& relative) {
  std::ifstream in(kFixtures / relative);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str());
}

}  // namespace

TEST_CASE("the emulator's envelopes carry only fields Slack sends, with Slack's types") {
  emulator::SlackEmulator slack;
  slack.set_user("U1", {"bo", "Bo Reyes", "America/New_York"});
  const auto slash_envelope = fixture("socket_mode/envelope_slash_commands.json");
  auto slash_reference = slash_envelope;
  slash_reference["payload"] = fixture("shapes/SlashCommandPayload.json");
  CHECK(strangers(slack.slash_command_envelope("U1", "/checkin", "4"), {slash_envelope, slash_reference}) ==
        std::vector<std::string>{});

  const auto press_envelope = fixture("socket_mode/envelope_interactive_block_actions.json");
  auto press_reference = press_envelope;
  press_reference["payload"] = fixture("shapes/BlockActionPayload.json");
  CHECK(strangers(slack.block_action_envelope("U1", "checkin.score:4", "5"),
                  {press_envelope, press_reference,
                   json{{"payload", fixture("payloads/block_actions_ephemeral_message.json")}}}) ==
        std::vector<std::string>{});

  auto home_reference = fixture("socket_mode/envelope_events_api_app_mention.json");
  home_reference["payload"] = fixture("shapes/AppHomeOpenedPayload.json");
  CHECK(strangers(slack.home_opened_envelope("U1"), {home_reference}) == std::vector<std::string>{});
}

TEST_CASE("the emulator's Web API answers carry only fields Slack's answers carry") {
  emulator::SlackEmulator slack;
  slack.set_user("U1", {"bo", "Bo Reyes", "America/New_York"});
  boost::asio::io_context io;
  slack::WebApi bot(io.get_executor(), slack.api_base(), "xoxb-emulator");
  slack::WebApi app(io.get_executor(), slack.api_base(), "xapp-emulator");

  struct Case {
    std::string method;
    json args;
    std::vector<std::string> references;
  };
  const std::vector<Case> cases{
      {"auth.test",
       json::object(),
       {"web_api/auth.test.json", "web_api/auth.test.bot.json", "shapes/api.auth.test.json"}},
      {"chat.postMessage", {{"channel", "C1"}, {"text", "hello"}}, {"web_api/chat.postMessage.json"}},
      {"chat.postEphemeral",
       {{"channel", "C1"}, {"user", "U1"}, {"text", "hi"}},
       {"web_api/chat.postEphemeral.json", "shapes/api.chat.postEphemeral.json"}},
      {"conversations.open", {{"users", "U1"}}, {"web_api/conversations.open.json"}},
      {"users.info", {{"user", "U1"}}, {"web_api/users.info.json", "shapes/api.users.info.json"}},
      {"views.open", {{"trigger_id", "1.2.3"}, {"view", {{"type", "modal"}}}}, {"web_api/views.open.json"}},
      {"views.publish", {{"user_id", "U1"}, {"view", {{"type", "home"}}}}, {"web_api/views.publish.json"}},
  };
  for (const auto& c : cases) {
    INFO(c.method);
    const auto result = run(io, bot.call(c.method, c.args));
    REQUIRE(result.ok);
    std::vector<const json*> references;
    std::vector<json> loaded;
    for (const auto& r : c.references) loaded.push_back(fixture(r));
    for (const auto& r : loaded) references.push_back(&r);
    std::vector<std::string> found;
    strangers(result.body, references, c.method, found);
    CHECK(found == std::vector<std::string>{});
  }

  const auto socket = run(io, app.call("apps.connections.open", json::object()));
  REQUIRE(socket.ok);
  const auto socket_reference = fixture("web_api/apps.connections.open.json");
  const auto socket_shape = fixture("shapes/api.apps.connections.open.json");
  CHECK(strangers(socket.body, {socket_reference, socket_shape}) == std::vector<std::string>{});

  // Errors: the same codes Slack gives for the same mistakes.
  for (const auto& [method, args, file] :
       {std::tuple{"users.info", json{{"user", "U404"}}, "web_api/users.info.error.json"},
        std::tuple{"views.open", json{{"view", json::object()}}, "web_api/views.open.error.json"},
        std::tuple{"views.publish", json{{"view", json::object()}}, "web_api/views.publish.error.json"},
        std::tuple{"chat.postEphemeral", json{{"channel", "C1"}, {"text", "hi"}},
                   "web_api/chat.postEphemeral.error.json"}}) {
    INFO(method);
    const auto result = run(io, bot.call(method, args, slack::WebApi::Retry{1}));
    CHECK_FALSE(result.ok);
    CHECK(result.error == fixture(file)["error"]);
  }
  slack::WebApi wrong(io.get_executor(), slack.api_base(), "xoxb-wrong");
  CHECK(run(io, wrong.call("auth.test", json::object())).error ==
        fixture("web_api/auth.test.error.json")["error"]);
}
