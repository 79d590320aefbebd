// The built `tend run` on Discord, through the in-repo emulator over real loopback sockets: a
// server's team set up from nothing by chat, every command family, buttons and modals, deferred
// answers, redeliveries, restarts, and each thing the gateway and REST do to a link, with nothing
// lost, nothing handled twice and the day's IDENTIFY budget never spent.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tests/emulator/discord/discord_emulator.hpp"
#include "tests/integration/child_process.hpp"

using namespace tend;
using namespace std::chrono_literals;
using Catch::Contains;
using emulator::DiscordEmulator;
using emulator::GatewayOpening;
using json = nlohmann::json;
using testing::ChildProcess;
using testing::eventually;

namespace {

const std::string ADA = "900000000000000001";  // an admin, from TEND_ADMINS
const std::string SAM = "900000000000000002";
const std::string BO = "900000000000000003";
const std::string CY = "900000000000000004";

std::string mention(const std::string& id) {
  return "<@" + id + ">";
}

DiscordEmulator::Options fast_options() {
  DiscordEmulator::Options o;
  o.token = "MTAzMDExODcyNzQxODY0NjYyOQ.emulated.discord-bot-token";
  o.max_concurrency = 16;  // a large bot's pace of new sessions: the tests need not wait 5 s each
  return o;
}

// A Discord server: the emulator, a scratch directory, and Tend serving it.
struct Server {
  DiscordEmulator discord;
  std::filesystem::path dir;
  std::unique_ptr<ChildProcess> tend;

  explicit Server(DiscordEmulator::Options options = fast_options(),
                  const std::string& settings = "\"nudge.quiet_hours\" = \"none\"\n")
      : discord(options) {
    static int n = 0;
    dir = std::filesystem::temp_directory_path() /
          ("tend-discord-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "config");
    // Tend runs on the real clock: without these, whether a message goes out at once would
    // depend on the hour and the day the test runs.
    std::ofstream(dir / "config" / "tend.toml") << "[settings]\n\"nudge.working_days\" = \"mon-sun\"\n"
                                                   "\"outbox.pace\" = \"none\"\n"
                                                << settings;
    discord.set_user({ADA, "ada", "Ada Lovelace"});
    discord.set_user({SAM, "sam", "Sam Okafor"});
    discord.set_user({BO, "bo", "Bo"});
    discord.set_user({CY, "cy", ""});
  }
  ~Server() {
    tend.reset();
    std::filesystem::remove_all(dir);
  }

  std::vector<std::string> env(const std::string& token = {}) const {
    return {"DISCORD_TOKEN=" + (token.empty() ? discord.options().token : token),
            "DISCORD_APPLICATION_ID=" + discord.options().application_id,
            "TEND_DISCORD_API_URL=" + discord.api_base(),
            "TEND_DISCORD_GATEWAY_URL=" + discord.gateway_url(),
            "TEND_ADMINS=" + ADA,
            "TEND_LOG_LEVEL=debug"};
  }
  void launch(const std::string& token = {}, const std::string& application_id = {}) {
    auto variables = env(token);
    if (!application_id.empty()) variables[1] = "DISCORD_APPLICATION_ID=" + application_id;
    tend = std::make_unique<ChildProcess>(dir, std::vector<std::string>{TEND_BINARY, "run"}, variables);
  }
  // Starts Tend and waits until its session is ready.
  void start() {
    const auto sessions = ready_sessions();
    launch();
    INFO(log());
    REQUIRE(eventually([&] { return ready_sessions() > sessions; }));
  }
  int ready_sessions() const {
    int n = 0;
    for (const auto& o : discord.openings())
      n += o.outcome == GatewayOpening::Outcome::identified || o.outcome == GatewayOpening::Outcome::resumed;
    return n;
  }
  std::string log() const { return tend ? tend->log() : std::string(); }

  // A slash command and Tend's whole answer.
  emulator::InteractionAnswer command(const std::string& user, const std::string& name, const json& options) {
    const auto id = discord.command(user, name, options);
    auto answer = discord.wait_for_answer(
        id, 10s, [](const auto& a) { return a.type == 4 || a.type == 9 || !a.edits.empty(); });
    INFO(log());
    REQUIRE(answer);
    return *answer;
  }
  // `/name what args`, as the options Tend registered for a family with subcommands.
  std::string reply(const std::string& user, const std::string& name, const std::string& what,
                    const std::string& args = {}) {
    json options = json::object();
    if (!what.empty()) options["what"] = what;
    if (!args.empty()) options["args"] = args;
    const auto answer = command(user, name, options);
    CHECK(answer.type == 4);
    CHECK(answer.data.value("flags", 0) == 64);  // only the person who typed it sees it
    return answer.content();
  }
  std::vector<std::string> dm_texts(const std::string& user) const {
    std::vector<std::string> out;
    for (const auto& body : discord.dms_to(user)) out.push_back(body.value("content", ""));
    return out;
  }
  bool got_dm(const std::string& user, const std::string& text) const {
    for (const auto& t : dm_texts(user))
      if (t.find(text) != std::string::npos) return true;
    return false;
  }
  int dms_containing(const std::string& user, const std::string& text) const {
    int n = 0;
    for (const auto& t : dm_texts(user)) n += t.find(text) != std::string::npos;
    return n;
  }
  SQLite::Database database() const {
    return SQLite::Database((dir / "data" / "tend.db").string(), SQLite::OPEN_READONLY);
  }
};

// The custom_id of the button labelled `label` in a message body or a callback's data.
std::string button(const json& body, const std::string& label) {
  for (const auto& row : body.value("components", json::array()))
    for (const auto& b : row.value("components", json::array()))
      if (b.value("label", "").find(label) == 0) return b.value("custom_id", "");
  FAIL("no button " << label << " in " << body.dump());
  return {};
}

json last_dm(const Server& s, const std::string& user, const std::string& text) {
  auto bodies = s.discord.dms_to(user);
  for (auto it = bodies.rbegin(); it != bodies.rend(); ++it)
    if (it->value("content", "").find(text) != std::string::npos) return *it;
  FAIL("no DM to " << user << " containing " << text);
  return {};
}

void set_up_team(Server& s) {
  CHECK_THAT(s.reply(ADA, "tend", "admin person", mention(SAM) + " staff"), Contains("sam is now staff"));
  CHECK_THAT(s.reply(ADA, "tend", "admin supervisor", mention(BO) + " " + mention(SAM)),
             Contains("sam now supervises Bo"));
}

}  // namespace

TEST_CASE("a server's team set up from nothing by chat on Discord: every command, buttons and a modal",
          "[commands]") {
  Server s;
  s.start();
  // The registry's families, registered once with one PUT; Tend asked for no intents.
  REQUIRE(s.discord.calls("PUT /applications/").size() == 1);
  const auto registered = s.discord.registered_commands();
  for (const auto* name : {"checkin", "story", "break", "supervision", "boundaries", "tend"})
    CHECK(registered.dump().find("\"name\":\"" + std::string(name) + "\"") != std::string::npos);
  CHECK(s.discord.received().front()["d"]["intents"] == 0);

  // Someone without a zone is told once, in their first reply, which Tend uses.
  const auto first = s.reply(BO, "checkin", "", "4 first week went well");
  CHECK_THAT(first, Contains("Checked in at **4/5**") && Contains("doesn't know your time zone"));
  CHECK_THAT(s.reply(BO, "checkin", "", "4"), !Contains("time zone"));
  CHECK_THAT(s.reply(BO, "tend", "help"), !Contains("admin"));

  // Set up from nothing: people are mentioned before they ever speak, and named by Discord.
  set_up_team(s);
  CHECK_THAT(s.reply(ADA, "tend", "admin role add", "befriender"), Contains("befriender"));
  CHECK_THAT(s.reply(ADA, "tend", "admin role boundaries", "befriender Meet in public places only."),
             Contains("befriender"));
  CHECK_THAT(s.reply(ADA, "tend", "admin role assign", mention(BO) + " befriender"),
             Contains("Bo now has the role **befriender**"));
  REQUIRE(eventually([&] { return s.got_dm(BO, "Meet in public places only."); }));
  CHECK_THAT(s.command(BO, "boundaries", json::object()).content(), Contains("Meet in public places only."));
  CHECK_THAT(s.reply(ADA, "tend", "admin set", "checkin.cadence 3d"), Contains("now `3d`"));
  CHECK_THAT(s.reply(ADA, "tend", "admin get", "checkin.cadence"), Contains("3d"));
  CHECK_THAT(s.reply(ADA, "tend", "admin timezone", mention(SAM) + " EST"), Contains("America/New_York"));
  CHECK_THAT(s.reply(ADA, "tend", "admin timezone", mention(SAM) + " Europe/Dublin"),
             Contains("sam's time zone is now **Europe/Dublin**"));

  // A low check-in reaches the supervisor at once, as a DM.
  CHECK_THAT(s.reply(BO, "checkin", "", "2 rough day after the talk"), Contains("I've told sam"));
  REQUIRE(eventually([&] { return s.got_dm(SAM, "rough day after the talk"); }));
  CHECK_THAT(last_dm(s, SAM, "rough day")["content"].get<std::string>(),
             Contains("**Bo** checked in at 2/5"));

  // No score: the check-in form opens as a modal, and its answer is recorded.
  const auto modal = s.command(BO, "checkin", json::object());
  REQUIRE(modal.type == 9);
  const auto submitted = s.discord.submit(BO, modal.data["custom_id"].get<std::string>(),
                                          {{"score", "5"}, {"note", "lighter today"}});
  const auto after_modal = s.discord.wait_for_answer(submitted, 10s);
  REQUIRE(after_modal);
  CHECK_THAT(after_modal->content(), Contains("5/5"));

  // A story: logged, with follow-ups for the supervisor (two seconds after, here), whose nudge
  // carries buttons; listed; cancelled.
  CHECK_THAT(s.reply(ADA, "tend", "admin set", "story.followups 2s"), Contains("now `2s`"));
  CHECK_THAT(s.reply(BO, "story", "", "now spoke at the funders lunch"),
             Contains("Logged story #1") && Contains("I'll ask sam"));
  REQUIRE(eventually([&] { return s.got_dm(SAM, "funders lunch"); }));
  const auto nudge = last_dm(s, SAM, "funders lunch");
  const auto done = s.discord.press(SAM, button(nudge, "Done"));
  const auto done_answer = s.discord.wait_for_answer(done, 10s);
  REQUIRE(done_answer);
  CHECK(done_answer->type == 4);
  CHECK_THAT(done_answer->content(), Contains("Bo"));
  CHECK_THAT(s.reply(BO, "story", "list"), Contains("funders lunch"));
  CHECK_THAT(s.reply(BO, "story", "cancel", "1"), Contains("ancel"));

  // Supervision: offered, booked from its button, done.
  const auto in_three_days = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + 72h);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&in_three_days));
  CHECK_THAT(s.reply(SAM, "supervision", "offer", std::string(day) + " 14:00 45"),
             Contains("Offered 1 slot(s) of 45 minutes"));
  const auto slots = s.command(BO, "supervision", json::object());
  const auto booked = s.discord.press(BO, button(slots.data, ""));
  const auto booked_answer = s.discord.wait_for_answer(booked, 10s);
  REQUIRE(booked_answer);
  CHECK_THAT(booked_answer->content(), Contains("Booked: ") && Contains("with sam (booking #1)"));
  CHECK_THAT(s.reply(SAM, "supervision", "done", "1 went well"), Contains("as done"));
  CHECK_THAT(s.reply(SAM, "checkin", "team"), Contains("Bo"));
  CHECK_THAT(s.reply(BO, "checkin", "history"), Contains("first week went well"));

  // A break, and its end.
  CHECK_THAT(s.reply(BO, "break", "", "until in 3 days"), Contains("break"));
  CHECK_THAT(s.reply(BO, "break", "end"), Contains("elcome back"));

  // A button Tend never signed is refused with what to do instead.
  auto forged = s.discord.press_interaction(SAM, button(nudge, "Snooze"));
  forged["data"]["custom_id"] = "nudge.done|1|AAAAAAAAAAAAAAAA";
  const auto refused = s.discord.wait_for_answer(s.discord.dispatch_interaction(forged), 10s);
  REQUIRE(refused);
  CHECK_THAT(refused->content(), Contains("can't be used any more") && Contains("/tend help"));

  CHECK_THAT(s.reply(BO, "tend", "me"), Contains("Bo") && Contains("Time zone"));
  s.reply(BO, "tend", "mydata");
  REQUIRE(eventually([&] { return s.got_dm(BO, "Everything Tend holds about you"); }));
  CHECK_THAT(s.reply(ADA, "tend", "admin audit", "50"), Contains("role.assign") && Contains("person.zone"));

  // Forget, after the confirmation button.
  const auto forget = s.command(BO, "tend", {{"what", "forget"}});
  const auto confirmed = s.discord.press(BO, button(forget.data, ""));
  const auto forgotten = s.discord.wait_for_answer(confirmed, 10s);
  REQUIRE(forgotten);
  CHECK_THAT(forgotten->content(), Contains("has been deleted"));

  // Never a token, an interaction's token or a note in the log.
  const auto log = s.log();
  CHECK_THAT(log, !Contains(s.discord.options().token) && !Contains("aW50ZXJhY3Rpb246"));
  CHECK_THAT(log, !Contains("rough day") && !Contains("first week") && !Contains("public places") &&
                      !Contains("went well") && !Contains("lighter today"));
}

TEST_CASE("/tend timezone: follow-ups reach the supervisor as DMs within their own hours", "[commands]") {
  // Quiet hours as shipped (20:00-08:00), in each person's own zone. Etc/GMT-N is UTC+N.
  Server s(fast_options(), "");
  s.start();
  set_up_team(s);
  const auto now = std::time(nullptr);
  const int utc_hour = std::gmtime(&now)->tm_hour;
  auto zone_at = [&](int local_hour) {
    int offset = ((local_hour - utc_hour) % 24 + 24) % 24;
    if (offset > 14) offset -= 24;
    return std::pair{offset, offset == 0  ? std::string("Etc/GMT")
                             : offset > 0 ? "Etc/GMT-" + std::to_string(offset)
                                          : "Etc/GMT+" + std::to_string(-offset)};
  };
  // Where it is midday now, sam hears of a low check-in at once.
  const auto [day_offset, day_zone] = zone_at(12);
  CHECK_THAT(s.reply(SAM, "tend", "timezone", day_zone), Contains("now **" + day_zone + "**"));
  s.reply(BO, "checkin", "", "1 midday");
  REQUIRE(eventually([&] { return s.got_dm(SAM, "midday"); }));

  // Where it is three in the morning, it waits for 08:00 there; bo is told when.
  const auto [night_offset, night_zone] = zone_at(3);
  CHECK_THAT(s.reply(ADA, "tend", "admin timezone", mention(SAM) + " " + night_zone),
             Contains("sam's time zone is now **" + night_zone + "**"));
  CHECK_THAT(s.reply(BO, "checkin", "", "1 at night"), Contains("reaches them"));
  std::this_thread::sleep_for(500ms);
  CHECK_FALSE(s.got_dm(SAM, "at night"));
  auto db = s.database();
  SQLite::Statement row(
      db, "SELECT next_attempt_at FROM outbox WHERE status = 'pending' AND body LIKE '%at night%'");
  REQUIRE(row.executeStep());
  const auto local_seconds = (row.getColumn(0).getInt64() + night_offset * 3600) % 86400;
  CHECK(local_seconds == 8 * 3600);
}

TEST_CASE("a redelivered interaction is handled once; a restart keeps everything and registers nothing again",
          "[commands]") {
  Server s;
  s.start();
  set_up_team(s);
  const auto d = s.discord.command_interaction(BO, "checkin", {{"args", "1 cannot sleep"}});
  s.discord.dispatch_interaction(d);
  REQUIRE(s.discord.wait_for_answer(d["id"], 10s));
  s.discord.dispatch_interaction(d);  // the same interaction id again
  REQUIRE(eventually([&] { return s.dms_containing(SAM, "cannot sleep") == 1; }));
  std::this_thread::sleep_for(300ms);
  CHECK(s.dms_containing(SAM, "cannot sleep") == 1);
  CHECK(s.discord.answer(d["id"])->refused == 0);  // never answered twice
  const auto history = s.reply(BO, "checkin", "history");
  CHECK(history.find("cannot sleep") == history.rfind("cannot sleep"));

  // SIGTERM: the gateway closes with 1000 (the session ends), exit 0.
  s.tend->signal(SIGTERM);
  INFO(s.log());
  CHECK(s.tend->wait(10s) == 0);
  CHECK(s.discord.wait_for_sockets(0, 5s));
  CHECK(s.discord.openings().back().client_close_code == 1000);
  s.start();
  CHECK(s.discord.calls("PUT /applications/").size() == 1);  // the commands had not changed
  CHECK_THAT(s.reply(BO, "checkin", "history"), Contains("cannot sleep"));
  CHECK(s.discord.identifies() == 2);
}

TEST_CASE("work that may pass Discord's 3 seconds is deferred at once, then its answer edited in",
          "[commands]") {
  // Discord's window stretched, so that a slow machine cannot make the first answer late: what is
  // checked is Tend's own choice to defer.
  auto options = fast_options();
  options.interaction_window_ms = 10000;
  Server s(options);
  s.start();
  s.reply(BO, "checkin", "", "3");
  {
    // Another writer holds the database: Tend's next transaction waits for it.
    SQLite::Database db((s.dir / "data" / "tend.db").string(), SQLite::OPEN_READWRITE);
    db.exec("BEGIN IMMEDIATE");
    const auto blocked = s.discord.command(BO, "checkin", {{"args", "4 blocked"}});
    std::this_thread::sleep_for(1200ms);
    const auto waiting = s.discord.command(CY, "checkin", {{"args", "4 waiting"}});
    std::this_thread::sleep_for(800ms);
    db.exec("ROLLBACK");
    // Each is answered with its own reply; what waited behind the locked database (the first,
    // or the one after it, depending on whether Tend's own transaction or another piece of its
    // work met the lock first) was deferred at once and its reply edited in, never refused as late.
    const auto complete = [](const emulator::InteractionAnswer& a) {
      return a.type == 4 || !a.edits.empty();
    };
    const auto first = s.discord.wait_for_answer(blocked, 10s, complete);
    const auto second = s.discord.wait_for_answer(waiting, 10s, complete);
    INFO(s.log());
    REQUIRE(first);
    REQUIRE(second);
    int deferred = 0;
    for (const auto& answer : {*first, *second}) {
      CHECK_THAT(answer.content(), Contains("Checked in at **4/5**"));
      CHECK(answer.refused == 0);
      CHECK(answer.data.value("flags", 0) == 64);
      if (answer.type == 5) {
        ++deferred;
        CHECK(answer.edits.size() == 1);
      }
    }
    CHECK(deferred >= 1);
  }
  // Once the database is quick again, answers are in place again.
  CHECK(s.command(CY, "checkin", {{"args", "5"}}).type == 4);
}

TEST_CASE("what the gateway does to a link: nothing lost, nothing twice, the budget kept", "[faults]") {
  auto options = fast_options();
  options.heartbeat_interval_ms = 300;
  Server s(options);
  s.start();
  set_up_team(s);
  int note = 0;
  // A command that must be handled once, whatever happened just before.
  auto works = [&] {
    const auto text = "4 after-fault-" + std::to_string(++note);
    CHECK_THAT(s.reply(BO, "checkin", "", text), Contains("Checked in"));
  };
  const auto identifies_before = s.discord.identifies();

  SECTION("op 7: a replacement resumes the session; no new IDENTIFY") {
    s.discord.send_reconnect();
    REQUIRE(eventually([&] { return s.discord.openings().size() == 2 && s.discord.open_sockets() == 1; }));
    CHECK(s.discord.openings()[1].outcome == GatewayOpening::Outcome::resumed);
    CHECK(s.discord.openings()[0].client_close_code == 4900);  // closed without ending the session
    works();
    CHECK(s.discord.identifies() == identifies_before);
  }
  SECTION("op 9 resumable: resumed") {
    s.discord.send_invalid_session(true);
    REQUIRE(eventually([&] { return s.ready_sessions() == 2; }));
    CHECK(s.discord.openings().back().outcome == GatewayOpening::Outcome::resumed);
    works();
    CHECK(s.discord.identifies() == identifies_before);
  }
  SECTION("op 9 not resumable: one new session") {
    s.discord.send_invalid_session(false);
    REQUIRE(eventually([&] { return s.ready_sessions() == 2; }));
    CHECK(s.discord.openings().back().outcome == GatewayOpening::Outcome::identified);
    works();
    CHECK(s.discord.identifies() == identifies_before + 1);
  }
  SECTION("a zombie link (heartbeats not acknowledged) is closed with a resumable code and resumed") {
    s.discord.set_zombie(true);
    REQUIRE(eventually([&] { return s.discord.openings().size() == 2; }));
    s.discord.set_zombie(false);
    REQUIRE(eventually([&] { return s.ready_sessions() == 2; }));
    CHECK(s.discord.openings()[0].client_close_code == 4900);
    CHECK(s.discord.openings()[1].outcome == GatewayOpening::Outcome::resumed);
    works();
    CHECK(s.discord.identifies() == identifies_before);
    CHECK_THAT(s.log(), Contains("stopped answering pings"));
  }
  SECTION("close codes that resume, and those that need a new session") {
    for (int code : {4000, 4008}) {
      const auto ready = s.ready_sessions();
      s.discord.close_sockets(code);
      REQUIRE(eventually([&] { return s.ready_sessions() == ready + 1; }));
      CHECK(s.discord.openings().back().outcome == GatewayOpening::Outcome::resumed);
    }
    CHECK(s.discord.identifies() == identifies_before);
    for (int code : {4007, 4009}) {
      const auto ready = s.ready_sessions();
      s.discord.close_sockets(code);
      REQUIRE(eventually([&] { return s.ready_sessions() == ready + 1; }));
      CHECK(s.discord.openings().back().outcome == GatewayOpening::Outcome::identified);
    }
    CHECK(s.discord.identifies() == identifies_before + 2);
    works();
  }
  SECTION("a dropped socket resumes, and what was sent meanwhile is replayed and answered") {
    s.discord.refuse_sockets(true);
    s.discord.drop_sockets();
    // Sent while Tend has no socket: Discord keeps it for the RESUME.
    const auto missed = s.discord.dispatch_interaction(
        s.discord.command_interaction(BO, "checkin", {{"args", "4 sent while away"}}));
    REQUIRE(eventually([&] { return s.log().find("could not connect") != std::string::npos; }));
    s.discord.refuse_sockets(false);
    REQUIRE(eventually([&] { return s.ready_sessions() == 2; }));
    CHECK(s.discord.openings().back().outcome == GatewayOpening::Outcome::resumed);
    CHECK(s.discord.openings().back().replayed >= 1);
    // Its 3 s may have passed: then the answer comes by DM instead.
    REQUIRE(eventually([&] {
      const auto a = s.discord.answer(missed);
      return (a && a->type == 4) || s.got_dm(BO, "Checked in at **4/5**");
    }));
    works();
    CHECK(s.discord.identifies() == identifies_before);
  }
  CHECK(s.discord.max_open_sockets() <= 2);
  CHECK(s.tend->running());
  // Each command once, none lost.
  auto db = s.database();
  SQLite::Statement notes(db,
                          "SELECT note, count(*) FROM checkins WHERE note LIKE 'after-fault-%' OR note = "
                          "'sent while away' GROUP BY note");
  int distinct = 0;
  while (notes.executeStep()) {
    ++distinct;
    CHECK(notes.getColumn(1).getInt() == 1);
  }
  CHECK(distinct >= note);
  CHECK_THAT(s.log(), !Contains(s.discord.options().token));
}

TEST_CASE("a storm of new sessions never spends the last of the day's budget", "[faults]") {
  auto options = fast_options();
  options.session_start_total = 40;  // keeps 2 in reserve
  Server s(options);
  s.discord.set_session_starts_remaining(4);
  s.start();
  REQUIRE(s.discord.identifies() == 1);
  s.discord.send_invalid_session(false);
  REQUIRE(eventually([&] { return s.ready_sessions() == 2; }));
  s.discord.send_invalid_session(false);
  // Two are left: Tend waits for the daily reset rather than spend them, and says so.
  REQUIRE(eventually([&] { return s.log().find("new sessions are left") != std::string::npos; }));
  std::this_thread::sleep_for(500ms);
  CHECK(s.discord.identifies() == 2);
  CHECK(s.discord.session_starts_remaining() == 2);
  CHECK(s.tend->running());
  // A stop ends the wait at once.
  s.tend->signal(SIGTERM);
  CHECK(s.tend->wait(10s) == 0);
}

TEST_CASE("REST faults: 429s are waited out, a person who takes no DMs is reported to the admins once",
          "[faults]") {
  Server s;
  s.start();
  set_up_team(s);

  // 429 on the DM route: the alert waits as Discord says, then goes once.
  s.discord.rate_limit("POST /channels/", 2, 0.5);
  s.reply(BO, "checkin", "", "1 through the limit");
  REQUIRE(eventually([&] { return s.got_dm(SAM, "through the limit"); }));
  std::this_thread::sleep_for(300ms);
  CHECK(s.dms_containing(SAM, "through the limit") == 1);
  int limited = 0;
  for (const auto& call : s.discord.calls("POST /channels/")) limited += call.http_status == 429;
  CHECK(limited == 2);

  // sam allows no DMs: each message to sam is set aside, and the admins hear of it once.
  s.discord.block_dms(SAM);
  s.reply(BO, "checkin", "", "1 first unreachable");
  s.reply(BO, "checkin", "", "1 second unreachable");
  REQUIRE(eventually([&] { return s.got_dm(ADA, "cannot send direct messages to **sam**"); }));
  std::this_thread::sleep_for(500ms);
  CHECK(s.dms_containing(ADA, "cannot send direct messages") == 1);
  auto db = s.database();
  CHECK(db.execAndGet("SELECT count(*) FROM outbox WHERE status = 'dead'").getInt() == 2);
  CHECK(db.execAndGet("SELECT count(*) FROM outbox WHERE status = 'pending'").getInt() == 0);
}

TEST_CASE("Tend stops with a clear message when Discord refuses its token or closes for good", "[faults]") {
  Server s;
  SECTION("a wrong token: GET /gateway/bot answers 401") {
    s.launch("wrong-token-value");
    INFO(s.log());
    CHECK(s.tend->wait(10s) == 1);
    CHECK_THAT(s.log(), Contains("DISCORD_TOKEN") && !Contains("wrong-token-value"));
    CHECK(s.discord.identifies() == 0);
  }
  SECTION("an application id that is not this bot's: the commands are refused") {
    s.launch({}, "1234567890123");
    INFO(s.log());
    CHECK(s.tend->wait(10s) == 1);
    CHECK_THAT(s.log(), Contains("DISCORD_APPLICATION_ID") && Contains("Missing Access"));
    CHECK(s.discord.identifies() == 0);
  }
  SECTION("4004 on the gateway") {
    s.start();
    s.discord.close_sockets(4004);
    INFO(s.log());
    CHECK(s.tend->wait(10s) == 1);
    CHECK_THAT(s.log(), Contains("4004") && Contains("DISCORD_TOKEN"));
  }
  SECTION("4014: an intent not enabled") {
    s.start();
    s.discord.close_sockets(4014);
    CHECK(s.tend->wait(10s) == 1);
    CHECK_THAT(s.log(), Contains("4014") && Contains("developer portal"));
    CHECK(s.discord.identifies() == 1);
  }
}
