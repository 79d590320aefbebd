// The built `tend run` on Mattermost, against the emulator over real loopback sockets: a
// workspace set up from nothing by chat, every command typed in a DM and as a slash command,
// buttons, redeliveries and replays, restarts, and each fault of the link, with nothing lost and
// nothing handled twice, and no token or note in the log.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>

#include "tests/emulator/mattermost/mattermost_emulator.hpp"
#include "tests/integration/child_process.hpp"

using namespace tend;
using namespace std::chrono_literals;
using Catch::Contains;
using Catch::StartsWith;
using json = nlohmann::json;
using testing::ChildProcess;
using testing::eventually;
using Outcome = emulator::SocketOpening::Outcome;

namespace {

const std::string kAda = "ada0000000000000000000000a";  // the first admin, from TEND_ADMINS
const std::string kSam = "sam0000000000000000000000s";
const std::string kKim = "kim0000000000000000000000k";
const std::string kBo = "bo00000000000000000000000b";
const std::string kCy = "cy00000000000000000000000c";
const std::string kBotToken = "mm-emulator-bot-token";
const std::map<std::string, std::string> kCommandTokens = {
    {"checkin", "cmd-token-checkin-7f3a"},       {"story", "cmd-token-story-1c9e"},
    {"break", "cmd-token-break-5b2d"},           {"supervision", "cmd-token-supervision-8e4f"},
    {"boundaries", "cmd-token-boundaries-2a6c"}, {"tend", "cmd-token-tend-9d1b"}};

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A port nobody listens on now, so that Tend's listener keeps its address across a restart
// (buttons sent before it carry that address).
unsigned short free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string listen_on_a_free_port() {
  return "[http]\nlisten = \"127.0.0.1:" + std::to_string(free_port()) + "\"\n";
}

// A workspace: Mattermost (the emulator), a scratch directory, and Tend serving it.
struct Workspace {
  emulator::MattermostEmulator mm;
  std::filesystem::path dir;
  std::unique_ptr<ChildProcess> tend;
  std::string listener;  // "http://127.0.0.1:PORT", Tend's HTTP listener

  explicit Workspace(const std::string& http_section = listen_on_a_free_port()) {
    static int n = 0;
    dir = std::filesystem::temp_directory_path() /
          ("tend-mattermost-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "config");
    // Tend runs on the real clock: without these, whether a message goes out at once would
    // depend on the hour the test runs.
    std::ofstream(dir / "config" / "tend.toml") << "[settings]\n\"nudge.quiet_hours\" = \"none\"\n"
                                                   "\"nudge.working_days\" = \"mon-sun\"\n"
                                                << http_section;
    mm.set_user(kAda, {"ada", "Ada", "Lovelace", "", false, "", "Europe/London"});
    mm.set_user(kSam, {"sam", "Sam", "Okafor", "", false, "", "Europe/London"});
    mm.set_user(kKim, {"kim", "Kim", "Lee", "", false, "", "Europe/London"});
    mm.set_user(kBo, {"bo", "Bo", "Reyes", "", true, "America/New_York", ""});
    mm.set_user(kCy, {"cy", "Cy", "Ames", "", false, "", "Europe/London"});
  }
  ~Workspace() {
    tend.reset();
    std::filesystem::remove_all(dir);
  }

  std::vector<std::string> env(const std::string& bot_token = kBotToken) const {
    std::vector<std::string> out{"MATTERMOST_URL=" + mm.url(), "MATTERMOST_TOKEN=" + bot_token,
                                 "TEND_ADMINS=" + kAda};
    for (const auto& [family, token] : kCommandTokens)
      out.push_back("MATTERMOST_" + upper(family) + "_TOKEN=" + token);
    return out;
  }
  void spawn(const std::vector<std::string>& environment) {
    tend = std::make_unique<ChildProcess>(dir, std::vector<std::string>{TEND_BINARY, "run"}, environment);
  }
  // Starts Tend, waits for its WebSocket and reads the listener's port from the log.
  void start() {
    const auto sockets_before = mm.openings().size();
    spawn(env());
    INFO(log());
    REQUIRE(eventually([&] { return mm.openings().size() > sockets_before && mm.open_sockets() == 1; }));
    std::smatch port;
    const auto text = log();
    REQUIRE(std::regex_search(text, port, std::regex("HTTP listener on 127\\.0\\.0\\.1:([0-9]+)")));
    listener = "http://127.0.0.1:" + port[1].str();
  }
  std::string log() const { return tend ? tend->log() : std::string(); }

  // What Tend posted in a person's DM with the bot, oldest first.
  std::vector<json> dm_posts(const std::string& user) {
    const auto channel = mm.dm_channel(user);
    std::vector<json> out;
    for (const auto& post : mm.posts())
      if (post["channel_id"] == channel) out.push_back(post);
    return out;
  }
  std::vector<std::string> dm_texts(const std::string& user) {
    std::vector<std::string> out;
    for (const auto& post : dm_posts(user)) out.push_back(post["message"]);
    return out;
  }
  // Waits for Tend's next post in the DM after `seen` posts, and returns it.
  json next_dm_post(const std::string& user, std::size_t seen) {
    INFO(log());
    REQUIRE(eventually([&] { return dm_posts(user).size() > seen; }));
    return dm_posts(user)[seen];
  }
  // A command typed in a DM to the bot, and Tend's answer there.
  std::string dm(const std::string& user, const std::string& text) {
    const auto seen = dm_posts(user).size();
    mm.send_post(user, text);
    return next_dm_post(user, seen)["message"];
  }
  // Waits until Tend posted a message containing `part` in the person's DM; returns it.
  json dm_post_containing(const std::string& user, const std::string& part) {
    json found;
    INFO(log());
    REQUIRE(eventually([&] {
      for (const auto& post : dm_posts(user))
        if (post["message"].get<std::string>().find(part) != std::string::npos) {
          found = post;
          return true;
        }
      return false;
    }));
    return found;
  }

  // A slash command POSTed by the server to Tend's listener, and Tend's answer.
  emulator::HttpAnswer slash_answer(const std::string& user, const std::string& command,
                                    const std::string& text,
                                    std::optional<std::string> token = std::nullopt) {
    const auto answer =
        mm.post_slash_command(listener + "/mattermost/command",
                              {user, "/" + command, text, token ? *token : kCommandTokens.at(command), ""})
            .get();
    INFO(log());
    REQUIRE(answer.error == "");
    return answer;
  }
  json slash_body(const std::string& user, const std::string& command, const std::string& text) {
    const auto answer = slash_answer(user, command, text);
    REQUIRE(answer.status == 200);
    CHECK(answer.content_type == "application/json");
    const auto body = json::parse(answer.body);
    CHECK(body.value("response_type", "") == "ephemeral");
    return body;
  }
  std::string slash(const std::string& user, const std::string& command, const std::string& text) {
    return slash_body(user, command, text).value("text", "");
  }
  // Presses a button the way the server does: its signed context POSTed to its integration URL.
  json press(const json& post, std::size_t index, const std::string& user) {
    const auto answer = mm.press(post, index, user).get();
    INFO(log() << "\n" << answer.body);
    REQUIRE(answer.status == 200);
    return json::parse(answer.body);
  }
  // A press of a button that arrived in an answer (a slash command's, or a press's update).
  json press_in(const json& attachments, std::size_t index, const std::string& user, int expect = 200) {
    const auto& action = attachments.at(0).at("actions").at(index);
    const auto request = mm.action_request(user, action.at("integration").at("context"),
                                           "pxxxxxxxxxxxxxxxxxxxxxxx1", mm.dm_channel(user));
    const auto answer = mm.post_action(action.at("integration").at("url"), request).get();
    INFO(log() << "\n" << answer.body);
    REQUIRE(answer.status == expect);
    return expect == 200 ? json::parse(answer.body) : json();
  }
  std::size_t count_in_history(const std::string& user, const std::string& note) {
    const auto history = slash(user, "checkin", "history");
    std::size_t n = 0;
    for (auto at = history.find(note); at != std::string::npos; at = history.find(note, at + 1)) ++n;
    return n;
  }
};

void set_up_team(Workspace& w) {
  CHECK_THAT(w.slash(kAda, "tend", "admin person @sam staff"), Contains("sam is now staff"));
  CHECK_THAT(w.dm(kAda, "tend admin supervisor @bo @sam"), Contains("sam"));
}

std::string day_in(std::chrono::hours ahead) {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + ahead);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&t));
  return day;
}

// "2026-12-03 17:44", UTC, `from_now` away.
std::string utc_minute(std::chrono::hours from_now) {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", std::gmtime(&t));
  return text;
}

// Tend cut off (the server refusing sockets meanwhile): `fault`, then `meanwhile`, then the server
// takes connections again.
void while_cut_off(Workspace& w, const std::function<void()>& fault, const std::function<void()>& meanwhile) {
  w.mm.refuse_sockets(true);
  fault();
  REQUIRE(w.mm.wait_for_sockets(0, 5s));
  meanwhile();
  w.mm.refuse_sockets(false);
}

void check_log_is_clean(const std::string& log) {
  CHECK_THAT(log, !Contains(kBotToken));
  for (const auto& [family, token] : kCommandTokens) CHECK_THAT(log, !Contains(token));
}

}  // namespace

TEST_CASE("tend run on Mattermost: a workspace set up from nothing by chat, every command both ways") {
  Workspace w;
  w.start();
  CHECK(w.mm.calls("GET /api/v4/users/me").size() == 1);
  CHECK_THAT(w.log(), Contains("signed in to 127.0.0.1 as @tend"));
  CHECK(w.mm.calls("GET /api/v4/websocket").at(0).authorization == "Bearer " + kBotToken);

  // Before anyone is set up, and before any slash command: a DM works.
  CHECK_THAT(w.dm(kBo, "checkin 4 first week went well"), Contains("Checked in at **4/5**"));
  CHECK_THAT(w.dm(kBo, "tend help"), !Contains("admin"));
  CHECK_THAT(w.slash(kBo, "tend", "help"), !Contains("admin"));

  // The admin from TEND_ADMINS sets the team up, by slash command and by DM alike; "@sam" is
  // Mattermost's username, looked up once.
  set_up_team(w);
  CHECK(w.mm.calls("GET /api/v4/users/username/sam").size() == 1);
  CHECK_THAT(w.dm(kAda, "tend admin person @kim staff"), Contains("kim is now staff"));

  // /checkin both ways; a leading '/' typed in a DM is fine; a low score tells the supervisor.
  CHECK_THAT(w.slash(kBo, "checkin", "3 steady"), Contains("Checked in at **3/5**"));
  CHECK_THAT(w.dm(kBo, "/checkin 2 rough day after the talk"), Contains("I've told sam"));
  CHECK_THAT(w.dm_post_containing(kSam, "checked in at 2/5")["message"].get<std::string>(),
             Contains("rough day after the talk"));
  CHECK_THAT(w.dm(kBo, "Checkin history"), Contains("first week went well") && Contains("steady"));

  // /boundaries both ways, with a role set up by chat.
  CHECK_THAT(w.slash(kAda, "tend", "admin role add befriender"), Contains("befriender"));
  CHECK_THAT(w.dm(kAda, "tend admin role boundaries befriender Meet in public places only."),
             Contains("befriender"));
  CHECK_THAT(w.slash(kAda, "tend", "admin role assign @bo befriender"),
             Contains("Bo Reyes now has the role"));
  w.dm_post_containing(kBo, "Meet in public places only.");
  CHECK_THAT(w.slash(kBo, "boundaries", ""), Contains("Meet in public places only."));
  CHECK_THAT(w.dm(kBo, "boundaries"), Contains("Meet in public places only."));

  // /story both ways: the volunteer's own, and one the supervisor logs about them.
  CHECK_THAT(w.dm(kBo, "story next fri 15:00 talk at the library"), Contains("Logged story #1"));
  CHECK_THAT(w.slash(kSam, "story", "@bo in 10 days 11:00 funders lunch"), Contains("Logged story #2"));
  CHECK_THAT(w.slash(kBo, "story", "list"), Contains("talk at the library") && Contains("funders lunch"));
  CHECK_THAT(w.dm(kBo, "story cancel 2"), Contains("#2"));

  // /supervision both ways, with a slot booked from its button.
  CHECK_THAT(w.slash(kSam, "supervision", "offer " + day_in(72h) + " 14:00 45"),
             Contains("Offered 1 slot(s) of 45 minutes"));
  const auto slots_seen = w.dm_posts(kBo).size();
  w.mm.send_post(kBo, "supervision");
  const auto slots = w.next_dm_post(kBo, slots_seen);
  REQUIRE(slots["props"]["attachments"][0]["actions"].size() >= 1);
  const auto booked = w.press(slots, 0, kBo);
  CHECK_THAT(booked.dump(), Contains("Booked: ") && Contains("with sam"));
  CHECK_THAT(w.slash(kBo, "supervision", ""), Contains("with sam"));

  // /break both ways.
  CHECK_THAT(w.slash(kBo, "break", "until " + day_in(240h)), Contains("break"));
  CHECK_THAT(w.dm(kBo, "break end"), Contains("Welcome back"));

  // /tend: the person's Mattermost name and zone, refreshed when Mattermost says it changed.
  CHECK_THAT(w.dm(kBo, "tend me"), Contains("America/New_York"));
  w.mm.set_user(kBo, {"bo", "Bo", "Reyes", "", false, "", "Europe/Berlin"});
  w.mm.send_user_updated(kBo);
  REQUIRE(eventually([&] { return w.slash(kBo, "tend", "me").find("Europe/Berlin") != std::string::npos; }));

  // Export by DM, then forget after a confirmation pressed as a button.
  w.dm(kCy, "checkin 5 first day");
  w.slash(kCy, "tend", "mydata");
  w.dm_post_containing(kCy, "Everything Tend holds about you, as JSON");
  const auto confirm = w.slash_body(kCy, "tend", "forget");
  const auto forgotten = w.press_in(confirm["props"]["attachments"], 0, kCy);
  CHECK_THAT(forgotten.dump(), Contains("Everything Tend held about you has been deleted"));
  CHECK_THAT(w.slash(kAda, "tend", "admin audit 50"), Contains("forget") && Contains("role.assign"));

  // A post in a channel that does not address the bot is not for it; one that does is answered
  // by DM, and the thread only hears where the answer went.
  const auto posts_before = w.mm.posts().size();
  w.mm.send_post(kBo, "lovely weather today", "O");
  const auto mention = w.mm.send_post(kBo, "@tend checkin 4 feeling brave", "O");
  const auto in_dm = w.dm_post_containing(kBo, "Checked in at **4/5**");
  json in_thread;
  REQUIRE(eventually([&] {
    for (const auto& post : w.mm.posts())
      if (post["root_id"] == mention) in_thread = post;
    return !in_thread.is_null();
  }));
  CHECK(in_thread["channel_id"] != in_dm["channel_id"]);
  CHECK_THAT(in_thread["message"].get<std::string>(), Contains("direct message") && !Contains("brave"));
  std::this_thread::sleep_for(200ms);
  CHECK(w.mm.posts().size() == posts_before + 2);

  const auto log = w.log();
  check_log_is_clean(log);
  CHECK_THAT(log, !Contains("rough day") && !Contains("first week") && !Contains("public places") &&
                      !Contains("feeling brave") && !Contains("funders lunch"));

  // SIGTERM: the socket is closed properly, exit 0; what was stored is there after a restart.
  w.tend->signal(SIGTERM);
  CHECK(w.tend->wait(10s) == 0);
  CHECK(w.mm.wait_for_sockets(0, 5s));
  w.start();
  CHECK_THAT(w.slash(kBo, "checkin", "history"),
             Contains("first week went well") && Contains("feeling brave"));
}

TEST_CASE("a story's follow-ups reach the supervisor as DMs whose Done, Snooze and Hand over work") {
  Workspace w;
  w.start();
  set_up_team(w);
  CHECK_THAT(w.slash(kAda, "tend", "admin person @kim staff"), Contains("kim is now staff"));
  // Follow-ups an hour and two after a story; one three hours ago has both due now.
  CHECK_THAT(w.slash(kAda, "tend", "admin set timezone.default UTC"), Contains("UTC"));
  CHECK_THAT(w.slash(kAda, "tend", "admin set story.followups 1h,2h,1d"), Contains("1h"));
  CHECK_THAT(w.dm(kBo, "story " + utc_minute(-3h) + " spoke at the conference"), Contains("Logged story #1"));
  const bool both = eventually([&] {
    int n = 0;
    for (const auto& text : w.dm_texts(kSam)) n += text.find("A follow-up") != std::string::npos;
    return n == 2;
  });
  for (const auto& text : w.dm_texts(kSam)) UNSCOPED_INFO(text);
  REQUIRE(both);
  std::vector<json> nudges;
  for (const auto& post : w.dm_posts(kSam))
    if (post["message"].get<std::string>().find("A follow-up") != std::string::npos) nudges.push_back(post);
  const auto& actions = nudges[0]["props"]["attachments"][0]["actions"];
  REQUIRE(actions.size() == 3);
  CHECK(actions[0]["name"] == "Done, I've checked in");
  CHECK(actions[1]["name"] == "Snooze 1 day");
  CHECK(actions[2]["name"] == "Hand over");
  CHECK(actions[0]["integration"]["url"] == w.listener + "/mattermost/action");

  // Done: recorded, answered to sam alone under the message; a second press is told so. sam was
  // named by an admin before ever using Tend, so Tend has no zone for them yet and says so, once.
  const auto done = w.press(nudges[0], 0, kSam)["ephemeral_text"].get<std::string>();
  CHECK_THAT(done,
             StartsWith("Thank you for checking in with bo. I've noted it; it shows in `/checkin team`."));
  CHECK_THAT(done, Contains("`/tend timezone"));
  CHECK_THAT(w.press(nudges[0], 0, kSam)["ephemeral_text"].get<std::string>(), Contains("Already done"));

  // Someone else pressing sam's button, or a press with a context Tend did not sign: refused.
  CHECK(w.mm.press(nudges[1], 0, kCy).get().status == 403);
  auto forged_context = nudges[1]["props"]["attachments"][0]["actions"][0]["integration"]["context"];
  forged_context["value"] = "999";
  CHECK(w.mm.post_action(w.listener + "/mattermost/action",
                         w.mm.action_request(kSam, forged_context, nudges[1]["id"], nudges[1]["channel_id"]))
            .get()
            .status == 403);
  CHECK_THAT(w.log(), Contains("button press was refused"));

  // Snooze on the other follow-up.
  CHECK_THAT(w.press(nudges[1], 1, kSam)["ephemeral_text"].get<std::string>(),
             Contains("remind you about bo again tomorrow"));

  // Hand over: the message is replaced by the staff to choose from; kim then owns it and gets
  // it as a DM with its buttons.
  const auto choose = w.press(nudges[1], 2, kSam);
  const auto& staff = choose["update"]["props"]["attachments"];
  REQUIRE(staff[0]["actions"].size() >= 1);
  std::size_t kim = 0;
  while (staff[0]["actions"][kim]["name"] != "kim") ++kim;
  CHECK_THAT(w.press_in(staff, kim, kSam)["ephemeral_text"].get<std::string>(),
             Contains("Handed over to kim"));
  const auto handed = w.dm_post_containing(kKim, "spoke at the conference");
  REQUIRE(handed["props"]["attachments"][0]["actions"].size() == 3);

  // The buttons' key is kept with the data: a message sent before a restart still works after it.
  w.tend->signal(SIGTERM);
  REQUIRE(w.tend->wait(10s) == 0);
  w.start();
  CHECK_THAT(w.press(handed, 0, kKim)["ephemeral_text"].get<std::string>(),
             Contains("Thank you for checking in"));
  CHECK_THAT(w.log(), !Contains("spoke at the conference"));
  check_log_is_clean(w.log());
}

TEST_CASE("replays, gaps and redeliveries: every post and command is handled once") {
  Workspace w;
  w.start();

  SECTION("a resume that replays events Tend already had: they are skipped") {
    CHECK_THAT(w.dm(kBo, "checkin 4 one"), Contains("Checked in"));
    w.mm.overlap_next_resume(3);
    w.mm.drop_sockets();
    REQUIRE(eventually([&] { return w.mm.openings().size() == 2 && w.mm.open_sockets() == 1; }));
    CHECK(w.mm.openings().back().outcome == Outcome::resumed);
    CHECK(w.mm.openings().back().replayed == 3);
    CHECK_THAT(w.dm(kBo, "checkin 5 two"), Contains("Checked in"));
    std::this_thread::sleep_for(200ms);
    CHECK(w.dm_posts(kBo).size() == 2);
    CHECK(w.count_in_history(kBo, "one") == 1);
  }

  SECTION("an event lost on the way: Tend reconnects and the server sends it again") {
    w.mm.lose_next_events(1);
    w.mm.send_post(kBo, "checkin 3 three");
    CHECK_THAT(w.dm(kBo, "checkin 3 four"), Contains("Checked in"));
    REQUIRE(eventually([&] { return w.dm_posts(kBo).size() == 2; }));
    CHECK(w.mm.openings().back().outcome == Outcome::resumed);
    CHECK_THAT(w.log(), Contains("reconnecting so that the server sends what was missed"));
    std::this_thread::sleep_for(200ms);
    CHECK(w.dm_posts(kBo).size() == 2);
    CHECK(w.count_in_history(kBo, "three") == 1);
    CHECK(w.count_in_history(kBo, "four") == 1);
  }

  SECTION("a slash command delivered twice with the same trigger_id: one check-in, the same answer") {
    emulator::MattermostEmulator::SlashCommand command{kBo, "/checkin", "1 cannot sleep",
                                                       kCommandTokens.at("checkin"), ""};
    const auto form = w.mm.slash_command_form(command);
    const auto first = w.mm.post_slash_form(w.listener + "/mattermost/command", form, command.token).get();
    const auto second = w.mm.post_slash_form(w.listener + "/mattermost/command", form, command.token).get();
    REQUIRE(first.status == 200);
    CHECK(second.body == first.body);
    CHECK(w.count_in_history(kBo, "cannot sleep") == 1);
  }
  CHECK(w.tend->running());
}

TEST_CASE("the link's faults: drops, a restarted server, a refused resume, refused connects, 429s") {
  Workspace w;
  w.start();
  set_up_team(w);

  SECTION("a dropped socket is resumed, and what was posted meanwhile arrives once") {
    while_cut_off(
        w, [&] { w.mm.drop_sockets(); }, [&] { w.mm.send_post(kBo, "checkin 4 while away"); });
    w.dm_post_containing(kBo, "Checked in at **4/5**");
    CHECK(w.mm.openings().back().outcome == Outcome::resumed);
    CHECK(w.mm.openings().back().replayed >= 1);
  }

  SECTION("a restarted server forgot the connection: what was posted meanwhile is fetched") {
    while_cut_off(
        w, [&] { w.mm.restart_server(); },
        [&] {
          w.mm.send_post(kBo, "checkin 2 during the restart");
          w.mm.send_post(kCy, "checkin 5 hello");
        });
    w.dm_post_containing(kBo, "Checked in at **2/5**");
    w.dm_post_containing(kCy, "Checked in at **5/5**");
    CHECK(w.mm.openings().back().outcome == Outcome::forgotten);
    CHECK_THAT(w.log(), Contains("no longer knew connection") && Contains("caught up; 2 post(s)"));
    w.dm_post_containing(kSam, "during the restart");
    std::this_thread::sleep_for(300ms);
    CHECK(w.dm_posts(kBo).size() == 1);
    CHECK(w.count_in_history(kBo, "during the restart") == 1);
  }

  SECTION("a server that refuses to resume: a fresh connection, and the gap is fetched") {
    w.mm.refuse_resumes(true);
    while_cut_off(
        w, [&] { w.mm.drop_sockets(); }, [&] { w.mm.send_post(kBo, "checkin 3 resume refused"); });
    w.dm_post_containing(kBo, "Checked in at **3/5**");
    CHECK(w.mm.openings().back().outcome == Outcome::fresh);
    std::this_thread::sleep_for(300ms);
    CHECK(w.dm_posts(kBo).size() == 1);
  }

  SECTION("refused connections are retried with backoff until the server takes them again") {
    w.mm.refuse_sockets(true);
    w.mm.drop_sockets();
    REQUIRE(eventually([&] { return w.mm.calls("GET /api/v4/websocket").size() >= 5; }));
    const auto attempts = w.mm.calls("GET /api/v4/websocket");
    const auto gap = [&](std::size_t i) { return attempts[i + 1].at - attempts[i].at; };
    CHECK(gap(3) > gap(2));
    w.mm.refuse_sockets(false);
    REQUIRE(w.mm.wait_for_sockets(1, 10s));
    CHECK_THAT(w.slash(kBo, "checkin", "3"), Contains("Checked in"));
  }

  SECTION("429s: answers and alerts wait for Retry-After, then go, once") {
    w.mm.rate_limit("POST /api/v4/posts", 2, 1);
    CHECK_THAT(w.slash(kBo, "checkin", "1 storm outside"), Contains("I've told sam"));
    CHECK_THAT(w.dm(kBo, "checkin 4 calmer"), Contains("Checked in"));
    w.dm_post_containing(kSam, "storm outside");
    CHECK(w.mm.calls("POST /api/v4/posts").size() >= 4);
    std::this_thread::sleep_for(300ms);
    CHECK(w.dm_texts(kSam).size() == 1);
  }

  SECTION("Tend answers the server's pings") {
    w.mm.ping();
    CHECK(w.mm.wait_for_pongs(1, 5s));
  }
  CHECK(w.mm.open_sockets() == 1);
  CHECK(w.tend->running());
  check_log_is_clean(w.log());
}

TEST_CASE("slow work is answered at once and followed up through the command's response_url") {
  Workspace w;
  w.start();
  // A newcomer's profile comes from the server; while it is slow, the command waits for it.
  w.mm.delay("GET /api/v4/users/" + kCy, 1, 4000ms);
  const auto started = std::chrono::steady_clock::now();
  CHECK_THAT(w.slash(kCy, "checkin", "4 slow server"), Contains("Working on it"));
  CHECK(std::chrono::steady_clock::now() - started < 4000ms);
  REQUIRE(eventually([&] { return !w.mm.calls("POST /hooks/commands/").empty(); }));
  CHECK_THAT(w.mm.calls("POST /hooks/commands/").front().body.value("text", ""),
             Contains("Checked in at **4/5**"));
  CHECK(w.count_in_history(kCy, "slow server") == 1);
}

TEST_CASE("refusals: a wrong command token, a wrong bot token, no listener") {
  SECTION("a slash command with a wrong token, or another command's, is refused and not handled") {
    Workspace w;
    w.start();
    CHECK(w.slash_answer(kBo, "checkin", "4 should not count", "guessed-token").status == 401);
    CHECK(w.slash_answer(kBo, "checkin", "4 should not count", kCommandTokens.at("story")).status == 401);
    CHECK(w.slash_answer(kBo, "buddy", "4", kCommandTokens.at("checkin")).status == 401);
    CHECK_THAT(w.log(), Contains("/checkin request was refused") && Contains("/buddy request was refused") &&
                            !Contains("guessed-token"));
    CHECK(w.count_in_history(kBo, "should not count") == 0);
    check_log_is_clean(w.log());
  }
  SECTION("a bot token the server refuses stops Tend at once, naming the variable") {
    Workspace w;
    w.spawn(w.env("mm-wrong-token"));
    INFO(w.log());
    CHECK(w.tend->wait(10s) == 1);
    CHECK_THAT(w.log(), Contains("MATTERMOST_TOKEN") && Contains("401") && !Contains("mm-wrong-token"));
  }
  SECTION("without [http] listen Tend does not start: slash commands and buttons need it") {
    Workspace w("");
    w.spawn(w.env());
    INFO(w.log());
    CHECK(w.tend->wait(10s) == 2);
    CHECK_THAT(w.log(), Contains("http.listen"));
  }
}
