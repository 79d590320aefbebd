// The command path as a person meets it: what they type, what they are told, what is stored,
// and who else hears about it. Real SQLite (in memory), real registry, a clock that stands still.
#include <catch2/catch.hpp>

#include "storage/audit.hpp"
#include "storage/checkins.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"
#include "test_workspace.hpp"

using namespace tend;
using Catch::Contains;

namespace {

using Workspace = testing::TestWorkspace;

std::vector<storage::Checkin> checkins(Workspace& w, const std::string& id) {
  auto p = storage::People(w.db).by_platform_id("console", id);
  return p ? storage::Checkins(w.db).latest(p->id, 100) : std::vector<storage::Checkin>{};
}

}  // namespace

TEST_CASE("a volunteer checks in with a score and a note") {
  Workspace w;
  auto reply = w.say("bo", "/checkin 4 good session today");
  CHECK_THAT(reply.text, Contains("Checked in at *4/5*"));
  auto stored = checkins(w, "bo");
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].score == 4);
  CHECK(stored[0].note == "good session today");
  CHECK(w.outbox().empty());
}

TEST_CASE("scores outside 1-5 and words instead of scores are refused and nothing is stored") {
  Workspace w;
  CHECK_THAT(w.say("bo", "/checkin 7").text, Contains("7 is not a score"));
  CHECK_THAT(w.say("bo", "/checkin 0 meh").text, Contains("0 is not a score"));
  CHECK_THAT(w.say("bo", "/checkin abc").text, Contains("Start with a score from 1"));
  CHECK(checkins(w, "bo").empty() == true);
}

TEST_CASE("a check-in without a score asks with buttons, and a button records it") {
  Workspace w;
  auto ask = w.say("bo", "/checkin");
  REQUIRE(ask.buttons.size() == 5);
  CHECK(ask.form.has_value());
  auto done = w.press("bo", ask.buttons[2]);
  CHECK_THAT(done.text, Contains("3/5"));
  CHECK(checkins(w, "bo").at(0).score == 3);
}

TEST_CASE("a very long note is capped and the volunteer is told") {
  Workspace w;
  auto reply = w.say("bo", "/checkin 3 " + std::string(10'000, 'a'));
  CHECK_THAT(reply.text, Contains("kept the first 2,000"));
  CHECK(checkins(w, "bo").at(0).note.size() == 2000);
}

TEST_CASE("text that is not UTF-8 gets a clear answer and nothing is stored") {
  Workspace w;
  auto reply = w.say("bo", "/checkin 3 caf\xC3\x28 \xFF");
  CHECK_THAT(reply.text, Contains("valid text"));
  w.say("bo", "/tend me");
  CHECK(checkins(w, "bo").empty());
}

TEST_CASE("a low score reaches the supervisor at once, with the note unless it is private") {
  Workspace w;
  w.set_up_team();
  auto reply = w.say("bo", "/checkin 2 rough night");
  CHECK_THAT(reply.text, Contains("I've told sam (your supervisor) now, with your note"));
  auto out = w.outbox();
  REQUIRE(out.size() == 1);
  CHECK(out[0].recipient.id == "sam");
  CHECK_THAT(out[0].message.text, Contains("bo") && Contains("2/5") && Contains("rough night"));
  CHECK(w.outbox_wakes == 1);

  w.clock.advance(std::chrono::hours(1));
  reply = w.say("bo", "/checkin 1 private: this is mine");
  CHECK_THAT(reply.text, Contains("your note stays private"));
  out = w.outbox();
  REQUIRE(out.size() == 2);
  CHECK_THAT(out[1].message.text, !Contains("this is mine") && Contains("private"));
}

TEST_CASE("a good score with a private note tells the volunteer who sees what") {
  Workspace w;
  w.set_up_team();
  auto reply = w.say("bo", "/checkin 4 private note for me");
  CHECK_THAT(
      reply.text,
      Contains("Your note is private: only you can see it. sam (your supervisor) can see your score."));
  CHECK(w.outbox().empty());
}

TEST_CASE("asking for support escalates whatever the score, even without one") {
  Workspace w;
  w.set_up_team();
  w.say("bo", "/checkin 5 great but could use some support with a client");
  w.clock.advance(std::chrono::minutes(5));
  auto reply = w.say("bo", "/checkin I need support");
  CHECK_THAT(reply.text, Contains("I've told sam"));
  CHECK(w.outbox().size() == 2);
  CHECK_FALSE(checkins(w, "bo").at(0).score.has_value());
}

TEST_CASE("without a supervisor an escalation goes to the coordinators") {
  SECTION("every admin by DM when there is no coordinator channel") {
    Workspace w;
    w.say("ada", "/tend me");
    auto reply = w.say("bo", "/checkin 1");
    CHECK_THAT(reply.text, Contains("told the coordinators"));
    auto out = w.outbox();
    REQUIRE(out.size() == 1);
    CHECK(out[0].recipient.id == "ada");
  }
  SECTION("the coordinator channel when one is set") {
    Workspace w;
    w.say("ada", "/tend admin set coordinator.channel C0COORD");
    w.say("bo", "/checkin 2");
    auto out = w.outbox();
    REQUIRE(out.size() == 1);
    CHECK(out[0].recipient.kind == storage::OutboxRecipient::Kind::channel);
    CHECK(out[0].recipient.id == "C0COORD");
  }
}

TEST_CASE("the escalation threshold is a setting") {
  Workspace w;
  w.set_up_team();
  w.say("ada", "/tend admin set checkin.escalate_at 3");
  w.say("bo", "/checkin 3");
  CHECK(w.outbox().size() == 1);
}

TEST_CASE("history is your own; the team view is staff's and is audited") {
  Workspace w;
  w.set_up_team();
  w.say("bo", "/checkin 4 private a secret");
  w.clock.advance(std::chrono::hours(24));
  w.say("bo", "/checkin 3 public words");
  auto history = w.say("bo", "/checkin history");
  CHECK_THAT(history.text, Contains("a secret") && Contains("public words"));

  CHECK_THAT(w.say("bo", "/checkin team").text, Contains("not something a volunteer can do"));
  auto team = w.say("sam", "/checkin team");
  CHECK_THAT(team.text,
             Contains("bo") && Contains("3/5") && Contains("public words") && !Contains("a secret"));
  bool audited = false;
  for (const auto& e : storage::Audit(w.db).latest(10))
    audited = audited || (e.action == "checkins.read" && e.subject_id == w.person("bo").id);
  CHECK(audited);
}

TEST_CASE("the team view flags who is overdue") {
  Workspace w;
  w.set_up_team();
  w.say("bo", "/checkin 4");
  w.clock.advance(std::chrono::days(15));
  CHECK_THAT(w.say("sam", "/checkin team").text, Contains("overdue"));
}

TEST_CASE("a long team view comes a page at a time: everyone once, in name order, with the way on") {
  Workspace w;
  w.say("ada", "/tend help");  // an admin with no team of their own sees every volunteer
  for (int k = 60; k > 0; --k) w.say("v" + std::to_string(100 + k), "/checkin 4");
  std::vector<std::string> seen;
  for (int page = 1; page <= 3; ++page) {
    const auto text =
        w.say("ada", page == 1 ? "/checkin team" : "/checkin team " + std::to_string(page)).text;
    INFO(text);
    CHECK_THAT(text, Contains("*All volunteers*"));
    CHECK((text.find("More: `/checkin team " + std::to_string(page + 1) + "`") != std::string::npos) ==
          (page < 3));
    for (std::size_t at = text.find("• *v"); at != std::string::npos; at = text.find("• *v", at + 1))
      seen.push_back(text.substr(at + 5, 4));
  }
  std::vector<std::string> expected;
  for (int k = 1; k <= 60; ++k) expected.push_back("v" + std::to_string(100 + k));
  CHECK(seen == expected);
  CHECK_THAT(w.say("ada", "/checkin team 3").text, Contains("51–60"));
  CHECK_THAT(w.say("ada", "/checkin team 4").text, Contains("There is no page 4"));
  CHECK_THAT(w.say("ada", "/checkin team next").text, Contains("`/checkin team 2`"));
}

TEST_CASE("admin commands are for admins, and every change is audited") {
  Workspace w;
  w.say("sam", "/tend help");
  CHECK_THAT(w.say("bo", "/tend admin person @sam staff").text, Contains("not something a volunteer can do"));
  CHECK(w.person("sam").kind == storage::Kind::volunteer);

  CHECK_THAT(w.say("ada", "/tend admin person @sam staff").text, Contains("sam is now staff"));
  CHECK(w.person("sam").kind == storage::Kind::staff);
  CHECK_THAT(w.say("ada", "/tend admin set nudge.quiet_hours 21:00-07:30").text, Contains("`21:00-07:30`"));
  auto audit = storage::Audit(w.db).latest(10);
  REQUIRE(audit.size() >= 2);
  CHECK(audit[0].action == "setting");
  CHECK(audit[0].new_value == "21:00-07:30");
  CHECK(audit[1].action == "person.kind");
}

TEST_CASE("bad settings are refused naming the key, the value and what is expected") {
  Workspace w;
  auto reply = w.say("ada", "/tend admin set checkin.time 25:00");
  CHECK_THAT(reply.text, Contains("checkin.time") && Contains("25:00") && Contains("HH:MM"));
  CHECK_THAT(w.say("ada", "/tend admin set no.such.key 1").text, Contains("no.such.key"));
  CHECK_THAT(w.say("ada", "/tend admin get checkin.time").text, Contains("10:00"));
}

TEST_CASE("per-person settings override the global ones") {
  Workspace w;
  w.say("bo", "/tend me");
  w.say("ada", "/tend admin set @bo nudge.quiet_hours none");
  CHECK_THAT(w.say("ada", "/tend admin get @bo nudge.quiet_hours").text, Contains("`none`"));
  CHECK_THAT(w.say("ada", "/tend admin get nudge.quiet_hours").text, Contains("`20:00-08:00`"));
}

TEST_CASE("mentions are understood in all three forms, and unknown names are explained") {
  Workspace w;
  w.say("sam", "/tend help");
  CHECK_THAT(w.say("ada", "/tend admin person <@sam> staff").text, Contains("sam is now staff"));
  CHECK_THAT(w.say("ada", "/tend admin person <@sam|Sam> admin").text, Contains("sam is now admin"));
  CHECK_THAT(w.say("ada", "/tend admin person @nobody staff").text, Contains("I don't know @nobody"));
  CHECK_FALSE(storage::People(w.db).by_platform_id("console", "nobody"));
}

TEST_CASE("where a platform's ids are the names people type, an admin can name someone Tend has not met") {
  Workspace w;
  w.router = std::make_unique<Router>(w.db, w.clock, w.registry, RouterOptions{"console", {"ada"}, {}, true});
  CHECK_THAT(w.say("ada", "/tend admin person @sam staff").text, Contains("sam is now staff"));
  auto sam = storage::People(w.db).by_platform_id("console", "sam");
  REQUIRE(sam);
  CHECK(sam->kind == storage::Kind::staff);
  CHECK_THAT(w.say("ada", "/tend admin supervisor @bo @sam").text, Contains("bo"));
  // When sam and bo speak for themselves later, they are the people the admin set up.
  CHECK_THAT(w.say("sam", "/tend me").text, Contains("staff"));
  w.say("bo", "/checkin 2 rough night");
  REQUIRE(w.outbox().size() == 1);
  CHECK(w.outbox()[0].recipient.id == "sam");
  CHECK(storage::People(w.db).of_kind(storage::Kind::staff).size() == 1);
}

TEST_CASE("a redelivered command is answered again without being handled twice") {
  Workspace w;
  auto first = w.say("bo", "/checkin 4", {"env-1", "trigger-1"});
  auto again = w.say("bo", "/checkin 4", {"env-2", "trigger-1"});
  CHECK(first == again);
  CHECK(checkins(w, "bo").size() == 1);
}

TEST_CASE("unknown commands and subcommands get help") {
  Workspace w;
  CHECK_THAT(w.say("bo", "/nonsense").text, Contains("I don't know the command `/nonsense`"));
  CHECK_THAT(w.say("bo", "/tend frobnicate").text, Contains("I don't know `/tend frobnicate`"));
}

TEST_CASE("help lists exactly what the caller's role may use") {
  Workspace w;
  auto volunteer = w.say("bo", "/tend help").text;
  CHECK_THAT(volunteer, Contains("/checkin history") && !Contains("/checkin team") && !Contains("admin set"));
  auto admin = w.say("ada", "/tend help").text;
  CHECK_THAT(admin, Contains("/checkin team") && Contains("/tend admin set"));
}

TEST_CASE("the permission table: every subcommand is refused exactly to those it does not allow") {
  Workspace w;
  w.say("vol", "/tend help");
  w.say("stf", "/tend help");
  w.say("ada", "/tend admin person @stf staff");
  const std::map<storage::Kind, std::string> callers{
      {storage::Kind::volunteer, "vol"}, {storage::Kind::staff, "stf"}, {storage::Kind::admin, "ada"}};
  int checked = 0;
  for (const auto& family : w.registry.families()) {
    for (const auto& sub : family.subcommands) {
      for (const auto& [kind, who] : callers) {
        auto reply = w.say(who, "/" + family.name + (sub.path.empty() ? "" : " " + sub.path));
        const bool refused = reply.text.find("is not something a") != std::string::npos;
        INFO("/" << family.name << " " << sub.path << " as " << to_string(kind));
        CHECK(refused == !commands::allows(sub.audience, kind));
        ++checked;
      }
    }
  }
  CHECK(checked >= 3 * 9);
}

TEST_CASE("a handler that fails gets the user an apology with a reference, and Tend carries on") {
  storage::Database db({":memory:"});
  ManualClock clock{Instant{std::chrono::seconds{1'780'477'200}}};
  commands::Registry registry;
  commands::add_all(registry);
  registry.add(commands::Family{
      "boom",
      "fails",
      {{"", "", "always fails", commands::anyone,
        [](commands::Context&, std::string_view) -> Reply { throw std::runtime_error("disk on fire"); }}}});
  Router router(db, clock, registry, {"console", {}, {}});
  auto reply = router.handle_command({{"bo", "bo", "", {}}, "boom", ""});
  CHECK_THAT(reply.text, Contains("something went wrong") && Contains("reference"));
  CHECK_THAT(router.handle_command({{"bo", "bo", "", {}}, "checkin", "4"}).text, Contains("4/5"));
}

TEST_CASE("an escalation outside the supervisor's working hours says when it will reach them") {
  Workspace w;
  w.set_up_team();
  // Saturday 6 June 2026, 11:00 in London: not a working day.
  w.clock.set(testing::london(2026, 6, 6, 11, 0));
  auto reply = w.say("bo", "/checkin 1 awful");
  CHECK_THAT(reply.text, Contains("it reaches them Mon 8 Jun 08:00") && Contains("999"));
}
