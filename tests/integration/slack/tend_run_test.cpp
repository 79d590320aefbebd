// The built `tend run` against the emulator over real loopback sockets: the commands of the
// foundation issue end to end through Socket Mode and the Web API, and each connection fault
// Slack can produce, with nothing lost and nothing handled twice.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/emulator/slack_emulator.hpp"
#include "tests/integration/child_process.hpp"

using namespace tend;
using namespace std::chrono_literals;
using Catch::Contains;
using json = nlohmann::json;
using testing::ChildProcess;
using testing::eventually;

namespace {

// A workspace: Slack (the emulator), a scratch directory, and Tend serving it.
struct Workspace {
  emulator::SlackEmulator slack;
  std::filesystem::path dir;
  std::unique_ptr<ChildProcess> tend;

  Workspace() {
    static int n = 0;
    dir = std::filesystem::temp_directory_path() /
          ("tend-slack-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "config");
    // Tend runs on the real clock: without these, whether a message goes out at once would
    // depend on the hour the test runs.
    std::ofstream(dir / "config" / "tend.toml") << "[settings]\n\"nudge.quiet_hours\" = \"none\"\n"
                                                   "\"nudge.working_days\" = \"mon-sun\"\n";
    slack.set_user("UADA", {"ada", "Ada Lovelace", "Europe/London"});
    slack.set_user("USAM", {"sam", "Sam Okafor", "Europe/London"});
    slack.set_user("UBO", {"bo", "Bo Reyes", "America/New_York"});
  }
  ~Workspace() {
    tend.reset();
    std::filesystem::remove_all(dir);
  }

  std::vector<std::string> env(const std::string& bot_token = "xoxb-emulator",
                               const std::string& app_token = "xapp-emulator") const {
    return {"SLACK_APP_TOKEN=" + app_token, "SLACK_BOT_TOKEN=" + bot_token,
            "TEND_SLACK_API_URL=" + slack.api_base(), "TEND_ADMINS=UADA"};
  }
  // Starts Tend and waits for its Socket Mode connection.
  void start() {
    tend = std::make_unique<ChildProcess>(dir, std::vector<std::string>{TEND_BINARY, "run"}, env());
    INFO(log());
    REQUIRE(slack.wait_for_sockets(1, 10s));
  }
  std::string log() const { return tend ? tend->log() : std::string(); }

  // A slash command and the ack Tend sent for it.
  json command(const std::string& user, const std::string& name, const std::string& text) {
    const auto id = slack.send_slash_command(user, name, text);
    auto ack = slack.wait_for_ack(id, 10s);
    INFO(log());
    REQUIRE(ack);
    return *ack;
  }
  // The text of the ephemeral reply carried in a slash command's ack.
  std::string reply(const std::string& user, const std::string& name, const std::string& text) {
    const auto ack = command(user, name, text);
    REQUIRE(ack.contains("payload"));
    CHECK(ack["payload"].value("response_type", "") == "ephemeral");
    return ack["payload"].value("text", "");
  }
  // Messages Tend posted to a channel (a DM's channel is "D" + the user id in the emulator).
  std::vector<std::string> posts_to(const std::string& channel) const {
    std::vector<std::string> out;
    for (const auto& call : slack.calls("chat.postMessage"))
      if (call.args.value("channel", "") == channel) out.push_back(call.args.value("text", ""));
    return out;
  }
};

void set_up_team(Workspace& w) {
  CHECK_THAT(w.reply("UADA", "/tend", "admin person <@USAM|sam> staff"), Contains("sam is now staff"));
  CHECK_THAT(w.reply("UADA", "/tend", "admin supervisor <@UBO|bo> <@USAM|sam>"), Contains("sam"));
}

}  // namespace

TEST_CASE(
    "tend run on Slack: check-ins, escalation to the supervisor, the modal, buttons, App Home, restart") {
  Workspace w;
  w.start();
  CHECK(w.slack.calls("auth.test").size() == 1);

  CHECK_THAT(w.reply("UBO", "/checkin", "4 first week went well"), Contains("Checked in at *4/5*"));
  set_up_team(w);
  CHECK_THAT(w.reply("UBO", "/checkin", "2 rough day after the talk"), Contains("I've told sam"));
  REQUIRE(eventually([&] { return !w.posts_to("DUSAM").empty(); }));
  CHECK_THAT(w.posts_to("DUSAM").front(),
             Contains("checked in at 2/5") && Contains("rough day after the talk"));

  // No score: Slack shows the check-in modal, opened with the command's trigger.
  const auto modal_ack = w.command("UBO", "/checkin", "");
  CHECK_FALSE(modal_ack.contains("payload"));
  REQUIRE(w.slack.calls("views.open").size() == 1);
  const auto open = w.slack.calls("views.open").front().args;
  CHECK(open["view"]["type"] == "modal");
  CHECK_FALSE(open.value("trigger_id", "").empty());

  // A press of the 5 button in a check-in prompt: acknowledged, answered by response_url.
  const auto press = w.slack.send_block_action("UBO", "checkin.score:4", "5");
  REQUIRE(w.slack.wait_for_ack(press, 10s));
  REQUIRE(eventually([&] { return !w.slack.calls("response_url").empty(); }));
  CHECK_THAT(w.slack.calls("response_url").back().args.value("text", ""), Contains("5/5"));

  // App Home: published for the person who opened it, with their commands.
  const auto home = w.slack.send_home_opened("UBO");
  REQUIRE(w.slack.wait_for_ack(home, 10s));
  REQUIRE(eventually([&] { return !w.slack.calls("views.publish").empty(); }));
  const auto published = w.slack.calls("views.publish").front().args;
  CHECK(published.value("user_id", "") == "UBO");
  CHECK(published["view"]["type"] == "home");
  CHECK_THAT(published["view"].dump(), Contains("/checkin") && Contains("Your last check-in: 5/5"));

  // Replies use the person's Slack name and zone, looked up once.
  CHECK_THAT(w.reply("UBO", "/tend", "me"), Contains("America/New_York") && Contains("Last check-in: 5/5"));

  const auto log = w.log();
  CHECK_THAT(log, !Contains("rough day") && !Contains("first week"));
  CHECK_THAT(log, !Contains("xoxb-emulator") && !Contains("xapp-emulator"));

  // SIGTERM: in-flight work finishes, the socket is closed properly, exit 0.
  w.tend->signal(SIGTERM);
  INFO(w.log());
  CHECK(w.tend->wait(10s) == 0);
  CHECK(w.slack.wait_for_sockets(0, 5s));

  // What was stored is there after a restart.
  w.start();
  const auto history = w.reply("UBO", "/checkin", "history");
  CHECK_THAT(history, Contains("first week went well") && Contains("rough day after the talk"));
}

namespace {

// The first button of a message Tend sent in an ack, as Slack would send its press back.
std::pair<std::string, std::string> first_button(const json& ack) {
  for (const auto& block : ack["payload"]["blocks"])
    if (block["type"] == "actions") return {block["elements"][0]["action_id"], block["elements"][0]["value"]};
  FAIL("no buttons in " << ack.dump());
  return {};
}

}  // namespace

TEST_CASE(
    "a workspace set up from nothing by chat on Slack: people, a role, supervision, export and forget") {
  Workspace w;
  w.start();
  CHECK_THAT(w.reply("UBO", "/tend", "help"), !Contains("admin"));
  set_up_team(w);
  CHECK_THAT(w.reply("UADA", "/tend", "admin role add befriender"), Contains("befriender"));
  CHECK_THAT(w.reply("UADA", "/tend", "admin role boundaries befriender Meet in public places only."),
             Contains("befriender"));
  CHECK_THAT(w.reply("UADA", "/tend", "admin role assign <@UBO|bo> befriender"),
             Contains("bo now has the role *befriender*"));
  REQUIRE(eventually([&] {
    for (const auto& post : w.posts_to("DUBO"))
      if (post.find("Meet in public places only.") != std::string::npos) return true;
    return false;
  }));
  CHECK_THAT(w.reply("UBO", "/boundaries", ""), Contains("Meet in public places only."));

  // A slot three days ahead, booked from its button.
  const auto in_three_days = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + 72h);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&in_three_days));
  CHECK_THAT(w.reply("USAM", "/supervision", "offer " + std::string(day) + " 14:00 45"),
             Contains("Offered 1 slot(s) of 45 minutes"));
  const auto slots = w.command("UBO", "/supervision", "");
  const auto [action_id, value] = first_button(slots);
  const auto press = w.slack.send_block_action("UBO", action_id, value);
  REQUIRE(w.slack.wait_for_ack(press, 10s));
  REQUIRE(eventually([&] { return !w.slack.calls("response_url").empty(); }));
  CHECK_THAT(w.slack.calls("response_url").back().args.value("text", ""),
             Contains("Booked: ") && Contains("with sam (booking #1)"));
  // Both sides' App Home shows the booking, each in their own time zone: sam offered 14:00 in
  // London; bo, in New York, sees it four or five hours earlier.
  auto home_of = [&](const std::string& user) {
    const auto calls_before = w.slack.calls("views.publish").size();
    REQUIRE(w.slack.wait_for_ack(w.slack.send_home_opened(user), 10s));
    REQUIRE(eventually([&] { return w.slack.calls("views.publish").size() > calls_before; }));
    return w.slack.calls("views.publish").back().args["view"].dump();
  };
  CHECK_THAT(home_of("USAM"), Contains("Your next supervision: ") && Contains("14:00 (45 min) with bo"));
  const auto bo_home = home_of("UBO");
  CHECK_THAT(bo_home, Contains("Your next supervision: ") && Contains("(45 min) with sam"));
  CHECK_THAT(bo_home, Contains("09:00 (45 min)") || Contains("10:00 (45 min)"));
  // The same slot from the command, by someone else: a clear no.
  w.slack.set_user("UCY", {"cy", "Cy Ames", "Europe/London"});
  CHECK_THAT(w.reply("UADA", "/tend", "admin supervisor <@UCY|cy> <@USAM|sam>"), Contains("cy"));
  CHECK_THAT(w.reply("UCY", "/supervision", "book 1"), Contains("someone has just booked that slot"));

  // sam records it (reminders before it are driven by time: the console session shows them).
  CHECK_THAT(w.reply("USAM", "/supervision", "done 1 went well"),
             Contains("Recorded supervision with bo as done"));

  // Export by DM, then forget after a confirmation.
  w.reply("UBO", "/tend", "mydata");
  REQUIRE(eventually([&] {
    for (const auto& post : w.posts_to("DUBO"))
      if (post.find("Everything Tend holds about you, as JSON") != std::string::npos) return true;
    return false;
  }));
  const auto confirm = w.command("UBO", "/tend", "forget");
  const auto [confirm_id, confirm_value] = first_button(confirm);
  const auto forget_press = w.slack.send_block_action("UBO", confirm_id, confirm_value);
  REQUIRE(w.slack.wait_for_ack(forget_press, 10s));
  REQUIRE(eventually([&] {
    return w.slack.calls("response_url")
               .back()
               .args.value("text", "")
               .find("Everything Tend held about you has been deleted") != std::string::npos;
  }));
  CHECK_THAT(w.reply("UADA", "/tend", "admin audit 50"), Contains("forget") && Contains("role.assign"));
  // Boundaries texts and supervision notes never reach the log.
  CHECK_THAT(w.log(), !Contains("public places") && !Contains("went well"));
}

TEST_CASE("a redelivered envelope is acknowledged again and handled once") {
  Workspace w;
  w.start();
  set_up_team(w);
  const auto id = w.slack.send_slash_command("UBO", "/checkin", "1 cannot sleep");
  const auto first = w.slack.wait_for_ack(id, 10s);
  REQUIRE(first);
  // Slack retries when it missed the ack: the same envelope id, then a new one with the same trigger.
  w.slack.redeliver(id, /*new_envelope_id=*/false);
  REQUIRE(eventually([&] { return w.slack.acks_for(id) == 2; }));
  const auto again = w.slack.redeliver(id, /*new_envelope_id=*/true);
  const auto second = w.slack.wait_for_ack(again, 10s);
  REQUIRE(second);
  CHECK((*second)["payload"]["text"] == (*first)["payload"]["text"]);

  REQUIRE(eventually([&] { return w.posts_to("DUSAM").size() == 1; }));
  const auto history = w.reply("UBO", "/checkin", "history");
  REQUIRE_THAT(history, Contains("cannot sleep"));
  CHECK(history.find("cannot sleep") == history.rfind("cannot sleep"));
  std::this_thread::sleep_for(300ms);
  CHECK(w.posts_to("DUSAM").size() == 1);
}

TEST_CASE("refreshes, drops, stalls and refusals: Tend reconnects, never holds more than two sockets") {
  Workspace w;
  w.start();

  SECTION("refresh_requested and warning: the next socket opens before the old one closes") {
    for (const std::string reason : {"refresh_requested", "warning"}) {
      const auto before = w.slack.sockets_opened();
      w.slack.send_disconnect(reason);
      REQUIRE(
          eventually([&] { return w.slack.sockets_opened() == before + 1 && w.slack.open_sockets() == 1; }));
      CHECK_THAT(w.reply("UBO", "/checkin", "4"), Contains("Checked in"));
    }
    // Both sockets were open at once: the new one was ready before the old one went.
    CHECK(w.slack.max_open_sockets() == 2);
  }

  SECTION("too_many_websockets: the extra socket is closed and Tend keeps one") {
    w.slack.send_disconnect("too_many_websockets");
    REQUIRE(eventually([&] { return w.slack.sockets_opened() == 2 && w.slack.open_sockets() == 1; }));
    CHECK(w.slack.max_open_sockets() <= 2);
    CHECK_THAT(w.reply("UBO", "/checkin", "4"), Contains("Checked in"));
  }

  SECTION("a dropped socket is replaced at once") {
    w.slack.drop_sockets();
    REQUIRE(eventually([&] { return w.slack.sockets_opened() == 2 && w.slack.open_sockets() == 1; }));
    CHECK_THAT(w.reply("UBO", "/checkin", "3"), Contains("Checked in"));
  }

  SECTION("a socket that stops answering pings is noticed within 15 s and replaced") {
    const auto stalled_at = std::chrono::steady_clock::now();
    w.slack.stall_sockets();
    REQUIRE(eventually([&] { return w.slack.sockets_opened() == 2 && w.slack.open_sockets() == 1; }, 20s));
    CHECK(std::chrono::steady_clock::now() - stalled_at < 15s);
    CHECK_THAT(w.reply("UBO", "/checkin", "3"), Contains("Checked in"));
  }

  SECTION("refused connections are retried with backoff until Slack takes them again") {
    w.slack.refuse_sockets(true);
    w.slack.drop_sockets();
    REQUIRE(eventually([&] { return w.slack.calls("apps.connections.open").size() >= 4; }));
    const auto attempts = w.slack.calls("apps.connections.open");
    // Backoff: the waits between attempts grow.
    const auto gap = [&](std::size_t i) { return attempts[i + 1].at - attempts[i].at; };
    CHECK(gap(2) > gap(1));
    w.slack.refuse_sockets(false);
    REQUIRE(w.slack.wait_for_sockets(1, 10s));
    CHECK_THAT(w.reply("UBO", "/checkin", "3"), Contains("Checked in"));
  }
  CHECK(w.tend->running());
}

TEST_CASE("bad frames are logged and acknowledged where they have an id; the socket stays up") {
  Workspace w;
  w.start();
  w.slack.send_raw("this is not json");
  w.slack.send_raw(R"({"envelope_id":"bad-1","type":"slash_commands"})");
  w.slack.send_raw(R"({"envelope_id":"bad-2","type":"something_new","payload":{}})");
  w.slack.send_raw(R"({"envelope_id":"bad-3","type":"slash_commands","payload":{"command":"/checkin"}})");
  w.slack.send_raw(R"({"envelope_id": "big-1", "type":"slash_commands","payload":{"text":")" +
                   std::string(1 << 20, 'x') + "\"}}");
  for (const auto* id : {"bad-1", "bad-2", "bad-3", "big-1"}) {
    INFO(id << "\n" << w.log());
    CHECK(w.slack.wait_for_ack(id, 10s));
  }
  // Someone Slack does not know (users.info fails) is still answered.
  CHECK_THAT(w.reply("UNEW", "/checkin", "5"), Contains("Checked in"));
  CHECK(w.slack.sockets_opened() == 1);
  CHECK(w.slack.open_sockets() == 1);
  CHECK(w.tend->running());
  CHECK_THAT(w.log(), Contains("cannot read") && !Contains("xxxxxxxx"));
}

TEST_CASE("Tend stops with a clear message when Slack disables the link or refuses a token") {
  Workspace w;

  SECTION("link_disabled") {
    w.start();
    w.slack.send_disconnect("link_disabled");
    INFO(w.log());
    CHECK(w.tend->wait(10s) == 1);
    CHECK_THAT(w.log(), Contains("link_disabled"));
  }
  SECTION("a wrong bot token") {
    w.tend = std::make_unique<ChildProcess>(w.dir, std::vector<std::string>{TEND_BINARY, "run"},
                                            w.env("xoxb-wrong"));
    INFO(w.log());
    CHECK(w.tend->wait(10s) == 1);
    CHECK_THAT(w.log(), Contains("SLACK_BOT_TOKEN") && Contains("invalid_auth") && !Contains("xoxb-wrong"));
  }
  SECTION("a wrong app token") {
    w.tend = std::make_unique<ChildProcess>(w.dir, std::vector<std::string>{TEND_BINARY, "run"},
                                            w.env("xoxb-emulator", "xapp-wrong"));
    INFO(w.log());
    CHECK(w.tend->wait(10s) == 1);
    CHECK_THAT(w.log(), Contains("SLACK_APP_TOKEN") && Contains("invalid_auth") && !Contains("xapp-wrong"));
  }
}
