// Debriefs as volunteers and their supervisors meet them: the short form and its buttons, who is
// told at once and who sees what later, follow-ups at local times, the supervision agenda, the team
// view, and a volunteer's own export and deletion.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "storage/audit.hpp"
#include "storage/jobs.hpp"
#include "test_workspace.hpp"

using namespace tend;
using namespace std::chrono;
using Catch::Contains;
using testing::london;
using testing::london_text;

namespace {

// sam (staff) supervises bo and ryan; kim is staff; ada is the admin. Wednesday 3 June 2026, 10:00.
struct Team : testing::TestWorkspace {
  Team() {
    set_up_team();
    for (const auto* who : {"ryan", "kim"}) say(who, "/tend help");
    say("ada", "/tend admin person @kim staff");
    say("ada", "/tend admin supervisor @ryan @sam");
  }
  bool audited(const std::string& action, const std::string& actor, const std::string& subject) {
    for (const auto& e : storage::Audit(db).latest(200))
      if (e.action == action && e.actor_id == person(actor).id && e.subject_id == person(subject).id)
        return true;
    return false;
  }
  int64_t count(const std::string& sql) { return db.sql().execAndGet(sql).getInt64(); }
};

}  // namespace

TEST_CASE("a debrief without arguments is a short form; elsewhere its buttons walk through the questions") {
  Team t;
  auto ask = t.say("bo", "/debrief");
  REQUIRE(ask.form.has_value());
  CHECK(ask.form->action_id == "debrief.form");
  REQUIRE(ask.form->fields.size() == 4);
  CHECK(ask.form->fields[1].label == "Did it stir up your own experience?");
  CHECK(ask.form->fields[3].optional);
  REQUIRE(ask.buttons.size() == 5);
  auto stirred = t.press("bo", ask.buttons[3]);
  CHECK_THAT(stirred.text,
             Contains("Debrief saved: *4/5*") && Contains("Did it stir up your own experience?"));
  REQUIRE(stirred.buttons.size() == 3);
  CHECK_THAT(t.press("ryan", stirred.buttons[0]).text, Contains("someone else's debrief"));
  auto talk = t.press("bo", stirred.buttons[2]);
  CHECK_THAT(talk.text, Contains("Would you like to talk to someone about it?"));
  REQUIRE(talk.buttons.size() == 2);
  auto done = t.press("bo", talk.buttons[1]);
  CHECK_THAT(done.text, Contains("sam (your supervisor) sees your debriefs at your next supervision: how it "
                                 "went and your answers.") &&
                            Contains("A buddy never sees them"));
  t.advance(days(3));
  CHECK(t.received("sam", "debrief").empty());
  CHECK_THAT(t.say("bo", "/debrief history").text, Contains("4/5 · stirred up: no · would like to talk: no"));

  SECTION("Slack's modal gives every answer at once") {
    auto saved = t.press("bo", {"", "debrief.form", ""});
    CHECK_THAT(saved.text, Contains("pick how the session went"));
    platform::Action form{{"bo", "bo", "", {}},
                          "debrief.form",
                          "",
                          {{"score", "3"}, {"stirred", "a little"}, {"talk", "no"}, {"note", " long day "}}};
    std::vector<platform::Inbound> batch{form};
    auto reply = t.run(t.router->together(std::move(batch))).front();
    CHECK_THAT(reply.text, Contains("*3/5 · stirred up: a little · would like to talk: no*") &&
                               Contains("how it went, your answers and your note."));
    CHECK(reply.buttons.empty());
  }
  SECTION("words instead of a score are explained") {
    CHECK_THAT(t.say("bo", "/debrief awful").text, Contains("from 1 (very hard) to 5 (went well)"));
    CHECK_THAT(t.say("bo", "/debrief 6").text, Contains("from 1 (very hard) to 5 (went well)"));
  }
}

TEST_CASE("stirred up: yes tells the supervisor now, and a follow-up comes at the local time a day later") {
  Team t;
  t.clock.set(london(2026, 6, 5, 15, 0));  // Friday
  auto stirred = t.press("bo", t.say("bo", "/debrief").buttons[3]);
  auto talk = t.press("bo", stirred.buttons[0]);
  CHECK_THAT(
      talk.text,
      Contains("Because you said it stirred up your own experience, I've told sam (your supervisor) now.") &&
          Contains("I'll ask sam to check in with you:\n• Sat 6 Jun 15:00 (1d after)") &&
          Contains("Would you like to talk"));
  t.deliver();
  auto alert = t.received("sam", "debriefed after a session");
  REQUIRE(alert.size() == 1);
  CHECK(alert[0].message.text ==
        "*bo* debriefed after a session just now: it stirred up their own experience. Please reach out to "
        "them.");
  // Saying yes to talking after that adds to what sam knows, once.
  CHECK_THAT(t.press("bo", talk.buttons[0]).text,
             Contains("Because you said you'd like to talk to someone, I've told sam"));
  t.deliver();
  auto added = t.received("sam", "added to their debrief");
  REQUIRE(added.size() == 1);
  CHECK_THAT(added[0].message.text, Contains("they'd like to talk to someone") && !Contains("stirred"));
  t.advance(days(4));
  auto followup = t.received("sam", "after *bo*'s debrief");
  REQUIRE(followup.size() == 1);
  CHECK(london_text(followup[0].at) == "Mon 8 Jun 08:00");  // Saturday 15:00 is not a working day
  CHECK_THAT(followup[0].message.text,
             Contains("A follow-up 1 day after *bo*'s debrief (Fri 5 Jun 15:00): it stirred up their own "
                      "experience and they'd like to talk to someone. Please check in with them today."));
  REQUIRE(followup[0].message.buttons.size() == 3);
  CHECK(followup[0].message.buttons[0].action_id == "nudge.done");
}

TEST_CASE("a low score tells the supervisor at once; a private note stays private; a good one waits") {
  Team t;
  t.say("ada", "/tend admin set debrief.followups 1d,3d");
  auto good = t.say("bo", "/debrief 4 a good group");
  CHECK_THAT(good.text, !Contains("I've told"));
  auto low = t.say("bo", "/debrief 2 tough group private my own stuff came up");
  CHECK_THAT(low.text,
             Contains("Because you scored the session 2/5, I've told sam (your supervisor) now; your "
                      "note stays private.") &&
                 Contains("• Thu 4 Jun 10:00 (1d after)") && Contains("• Sat 6 Jun 10:00 (3d after)"));
  t.deliver();
  auto alert = t.received("sam", "debriefed");
  REQUIRE(alert.size() == 1);
  CHECK_THAT(alert[0].message.text,
             Contains("it went 2/5") && Contains("_Their note is private._") && !Contains("own stuff"));
  t.say("ada", "/tend admin set debrief.escalate_at 4");
  t.say("ryan", "/debrief 4");
  t.deliver();
  CHECK(t.received("sam", "*ryan* debriefed").size() == 1);
}

TEST_CASE("out of hours, a debrief that needs attention goes to the person on call, as a check-in does") {
  Team t;
  t.say("ada", "/tend admin set support.on_call @kim");
  t.clock.set(london(2026, 6, 6, 22, 0));  // Saturday night
  auto stirred = t.say("bo", "/debrief 3 a hard evening");
  auto reply = t.press("bo", stirred.buttons[0]);
  CHECK_THAT(reply.text, Contains("I've told kim, who is on call, now, with your note.") &&
                             Contains("sam (your supervisor) sees it Mon 8 Jun 08:00"));
  t.advance(minutes(1));
  auto to_kim = t.received("kim", "debriefed after a session");
  REQUIRE(to_kim.size() == 1);
  CHECK(london_text(to_kim[0].at) == "Sat 6 Jun 22:00");
  CHECK_THAT(to_kim[0].message.text, Contains("> a hard evening"));
  t.advance(days(2));
  auto to_sam = t.received("sam", "debriefed after a session");
  REQUIRE(to_sam.size() == 1);
  CHECK_THAT(to_sam[0].message.text, Contains("on Sat 6 Jun 22:00"));
}

TEST_CASE("the supervisor's reminder lists the debriefs since the last supervision as the agenda") {
  Team t;
  auto first = t.say("bo", "/debrief 4 the group went well");
  t.press("bo", t.press("bo", first.buttons[2]).buttons[1]);  // stirred: no, talk: no
  t.clock.advance(hours(2));
  auto second = t.say("bo", "/debrief 2 private hard memories");
  t.press("bo", second.buttons[1]);  // a little
  t.say("sam", "/supervision offer 2026-06-04 14:00");
  t.say("bo", "/supervision book 1");
  t.advance(days(1) + hours(3));  // Thursday 15:00
  auto reminders = t.received("sam", "Reminder: supervision with bo");
  REQUIRE(reminders.size() == 2);
  for (const auto& r : reminders)
    CHECK_THAT(r.message.text,
               Contains("*For the agenda: bo's debriefs since they joined*") &&
                   Contains("• Wed 3 Jun 10:00 — 4/5 · stirred up: no · would like to talk: no\n"
                            "    > the group went well") &&
                   Contains("• Wed 3 Jun 12:00 — 2/5 · stirred up: a little ⚑\n    _note private_") &&
                   !Contains("hard memories"));
  CHECK(t.audited("debriefs.read", "sam", "bo"));
  for (const auto& r : t.received("bo", "Reminder: supervision"))
    CHECK_THAT(r.message.text, !Contains("agenda"));

  t.say("sam", "/supervision done 1");
  t.say("bo", "/debrief 5 lovely");
  t.say("sam", "/supervision offer 2026-06-11 14:00");
  t.say("bo", "/supervision book 2");
  t.advance(days(7));
  auto next = t.received("sam", "Reminder: supervision with bo");
  REQUIRE(next.size() == 4);
  CHECK_THAT(next.back().message.text, Contains("since the last supervision") && Contains("5/5") &&
                                           Contains("> lovely") && !Contains("4/5") && !Contains("2/5"));
}

TEST_CASE(
    "the team view shows each volunteer's debriefs and whether one needed the supervisor; it is audited") {
  Team t;
  t.say("bo", "/debrief 4");
  t.say("bo", "/debrief 1 rough");
  auto team = t.say("sam", "/checkin team");
  CHECK_THAT(team.text, Contains("debriefs since joining: 2, 1 needed you ⚑") && !Contains("rough"));
  CHECK(t.audited("debriefs.read", "sam", "bo"));
  CHECK(t.audited("debriefs.read", "sam", "ryan"));
}

TEST_CASE("a volunteer's export holds their debriefs and pairings; forgetting them ends the pairing kindly") {
  Team t;
  t.say("bo", "/buddy @ryan");
  t.deliver();
  t.press("ryan", t.received("ryan", "would like to be your buddy").at(0).message.buttons.at(0));
  t.say("bo", "/buddy share breaks on");
  t.say("bo", "/debrief 3 a note of mine");
  t.say("bo", "/tend mydata");
  t.deliver();
  auto sent = t.received("bo", "Everything Tend holds about you");
  REQUIRE(sent.size() == 1);
  const auto& text = sent[0].message.text;
  const auto start = text.find("```\n") + 4;
  const auto data = nlohmann::json::parse(text.substr(start, text.rfind("\n```") - start));
  REQUIRE(data["debriefs"].size() == 1);
  CHECK(data["debriefs"][0]["score"] == 3);
  CHECK(data["debriefs"][0]["note"] == "a note of mine");
  REQUIRE(data["buddies"].size() == 1);
  CHECK(data["buddies"][0]["buddy"] == "ryan");
  CHECK(data["buddies"][0]["status"] == "active");
  CHECK(data["buddies"][0]["you_share_breaks"] == true);
  CHECK(data["buddies"][0]["you_share_support"] == false);

  CHECK_THAT(t.say("bo", "/tend forget").text, Contains("debriefs") && Contains("buddy pairings"));
  t.press("bo", {"", "tend.forget", std::to_string(t.person("bo").id)});
  t.deliver();
  CHECK(t.received("ryan", "Your buddy pairing with bo has ended").size() == 1);
  CHECK(t.count("SELECT count(*) FROM debriefs") == 0);
  CHECK(t.count("SELECT count(*) FROM buddies") == 0);
  CHECK(t.count("SELECT count(*) FROM jobs WHERE idempotency_key LIKE 'buddy:%'") == 0);
  CHECK_THAT(t.say("ryan", "/buddy").text, Contains("You don't have a buddy yet"));
}
