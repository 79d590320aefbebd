// Proof that the emulator speaks Slack: Slack's own Bolt for JavaScript (installed by `npm ci`
// from tests/bolt/package-lock.json) connects to it in Socket Mode, receives a slash command
// and acknowledges it with a reply, exactly as it would against slack.com.
#include <catch2/catch.hpp>

#include "tests/bolt/pinned_node.hpp"
#include "tests/emulator/slack_emulator.hpp"
#include "tests/integration/child_process.hpp"

using namespace tend;
using namespace std::chrono_literals;
using Catch::Contains;

TEST_CASE("a Bolt app in Socket Mode receives and acknowledges a slash command from the emulator") {
  const std::filesystem::path app_dir = std::filesystem::path(TEND_SOURCE_DIR) / "tests" / "bolt";
  INFO("run `npm ci` in tests/bolt (./dev test does)");
  REQUIRE(std::filesystem::exists(app_dir / "node_modules" / "@slack" / "bolt"));
  const auto node = testing::pinned_node(app_dir);
  REQUIRE_FALSE(node.empty());

  emulator::SlackEmulator slack;
  const auto dir = std::filesystem::temp_directory_path() / ("tend-bolt-" + std::to_string(::getpid()));
  testing::ChildProcess bolt(dir, {node.string(), (app_dir / "app.js").string()},
                             {"SLACK_APP_TOKEN=xapp-emulator", "SLACK_BOT_TOKEN=xoxb-emulator",
                              "SLACK_API_URL=" + slack.api_base()});
  INFO(bolt.output() << bolt.log());
  REQUIRE(slack.wait_for_sockets(1, 30s));
  // Bolt checked its bot token with auth.test and asked for the socket with its app token.
  CHECK(slack.calls("auth.test").size() >= 1);
  REQUIRE(slack.calls("apps.connections.open").size() == 1);
  CHECK(slack.calls("apps.connections.open").front().authorization == "Bearer xapp-emulator");

  const auto id = slack.send_slash_command("U1", "/checkin", "4");
  const auto ack = slack.wait_for_ack(id, 10s);
  REQUIRE(ack);
  CHECK((*ack)["envelope_id"] == id);
  CHECK((*ack)["payload"]["response_type"] == "ephemeral");
  CHECK_THAT((*ack)["payload"]["text"].get<std::string>(), Contains("Checked in at *4/5*"));

  // Bolt answers Slack's refresh the way Slack documents: it reconnects and carries on.
  slack.send_disconnect("refresh_requested");
  REQUIRE(testing::eventually([&] { return slack.sockets_opened() == 2 && slack.open_sockets() == 1; }, 30s));
  CHECK(slack.calls("apps.connections.open").size() == 2);
  const auto again = slack.send_slash_command("U1", "/checkin", "9");
  const auto second = slack.wait_for_ack(again, 10s);
  REQUIRE(second);
  CHECK_THAT((*second)["payload"]["text"].get<std::string>(), Contains("from 1 to 5"));

  bolt.signal(SIGTERM);
  bolt.wait(10s);
  std::filesystem::remove_all(dir);
}
