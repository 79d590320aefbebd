// Story follow-ups, nudges, breaks and prompts, driven by a clock the test moves: what staff and
// volunteers receive, when (in their own time), and that nothing is lost or sent twice.
#include <date/tz.h>

#include <catch2/catch.hpp>

#include "storage/stories.hpp"
#include "test_workspace.hpp"

using namespace tend;
using namespace std::chrono;
using Catch::Contains;

namespace {

using testing::london;
std::string local_text(Instant t) {
  return testing::london_text(t);
}

// bo (supervised by sam), kim (staff) and ada (admin).
struct Team : testing::TestWorkspace {
  Team() {
    set_up_team();
    say("kim", "/tend help");
    say("ada", "/tend admin person @kim staff");
  }
};

}  // namespace

TEST_CASE(
    "a story shared this morning brings its supervisor follow-ups at 1, 3 and 7 days, in working hours") {
  Team t;
  auto reply = t.say("bo", "/story today 09:00 funders' lunch");
  CHECK_THAT(reply.text, Contains("Logged story #1") && Contains("I'll ask sam"));
  t.advance(days(8));
  auto followups = t.to_containing("sam", "shared their story");
  REQUIRE(followups.size() == 3);
  // +1d: Thursday 09:00. +3d: Saturday 09:00, not a working day: Monday 08:00. +7d: Wednesday 09:00.
  CHECK(local_text(followups[0].next_attempt_at) == "Thu 4 Jun 09:00");
  CHECK(local_text(followups[1].next_attempt_at) == "Mon 8 Jun 08:00");
  CHECK(local_text(followups[2].next_attempt_at) == "Wed 10 Jun 09:00");
  CHECK_THAT(followups[0].message.text, Contains("*bo*") && Contains("funders' lunch") && Contains("1 day"));
  REQUIRE(followups[0].message.buttons.size() == 3);
  CHECK(followups[0].message.buttons[0].label == "Done, I've checked in");
  // The gentle message to the volunteer, two days after.
  auto gentle = t.to_containing("bo", "shared your story");
  REQUIRE(gentle.size() == 1);
  CHECK(local_text(gentle[0].next_attempt_at) == "Fri 5 Jun 09:00");
}

TEST_CASE("staff log a story for their volunteer; other volunteers cannot") {
  Team t;
  CHECK_THAT(t.say("sam", "/story @bo yesterday 18:00 radio interview").text, Contains("for bo"));
  t.say("cy", "/tend help");
  CHECK_THAT(t.say("cy", "/story @bo today 12:00 something").text,
             Contains("Only bo, their supervisor or an admin"));
  CHECK_THAT(t.say("bo", "/story list").text, Contains("radio interview"));
}

TEST_CASE("bad story input is explained and nothing is scheduled") {
  Team t;
  const auto jobs_before = storage::Jobs(t.db).count();
  CHECK_THAT(t.say("bo", "/story someday a talk").text, Contains("When was it?"));
  CHECK_THAT(t.say("bo", "/story 2026-02-30 a talk").text, Contains("When was it?"));
  CHECK_THAT(t.say("bo", "/story tomorrow").text, Contains("What was it?"));
  CHECK(storage::Jobs(t.db).count() == jobs_before);
}

TEST_CASE("every command reads dates as people type them, through one parser") {
  Team t;  // Wednesday 3 June 2026, 10:00 in London
  CHECK_THAT(t.say("bo", "/story next fri 3pm talk at the library").text,
             Contains("_talk at the library_, Fri 5 Jun 15:00"));
  // A story may be past: a date without a year is the nearest one.
  CHECK_THAT(t.say("bo", "/story 20 May panel").text, Contains("_panel_, Wed 20 May 12:00"));
  CHECK_THAT(t.say("bo", "/story 3/6 panel").text, Contains("When was it?") && Contains("two ways"));
  CHECK_THAT(t.say("bo", "/break until 3 days ago").text, Contains("That date has passed"));
  CHECK_THAT(t.say("bo", "/break until next mon back soon").text, Contains("until Mon 8 Jun 00:00"));
  CHECK_THAT(t.say("sam", "/supervision offer next tue 2pm 45").text, Contains("Tue 9 Jun 14:00"));
  // A slot lies ahead: 1 June without a year is next year's.
  CHECK_THAT(t.say("sam", "/supervision offer 1 Jun 9:30am").text, Contains("Tue 1 Jun 09:30"));
  CHECK_THAT(t.say("sam", "/supervision offer in 2 weeks").text, Contains("start time"));
}

TEST_CASE("Done records who checked in, shows in the team view, and stops the escalation") {
  Team t;
  t.say("bo", "/story today 09:00 conference talk");
  t.advance(days(1));
  auto nudge = t.to_containing("sam", "shared their story").at(0);
  CHECK_THAT(t.press("sam", nudge.message.buttons[0]).text, Contains("Thank you for checking in with bo"));
  t.advance(days(2) + hours(1));
  CHECK(t.to_containing("ada", "Nobody has answered").empty());
  CHECK_THAT(t.say("sam", "/checkin team").text, Contains("last reached out: sam"));
}

TEST_CASE("a nudge left unanswered goes to the coordinators after nudge.escalate_after") {
  Team t;
  t.say("bo", "/story today 09:00 conference talk");
  t.advance(days(3) + hours(2));
  auto escalated = t.to_containing("ada", "Nobody has answered");
  REQUIRE_FALSE(escalated.empty());
  CHECK_THAT(escalated[0].message.text, Contains("sam was asked") && Contains("*bo*"));
}

TEST_CASE("Snooze brings the nudge back the next day; Hand over makes another staff member its owner") {
  Team t;
  t.say("bo", "/story today 09:00 conference talk");
  t.advance(days(1));
  auto nudge = t.to_containing("sam", "shared their story").at(0);
  CHECK_THAT(t.press("sam", nudge.message.buttons[1]).text, Contains("again tomorrow"));
  t.advance(days(1));
  CHECK(t.to_containing("sam", "A reminder:").size() == 1);

  auto choices = t.press("sam", nudge.message.buttons[2]);
  REQUIRE_FALSE(choices.buttons.empty());
  const auto kim =
      std::find_if(choices.buttons.begin(), choices.buttons.end(), [](auto& b) { return b.label == "kim"; });
  REQUIRE(kim != choices.buttons.end());
  CHECK_THAT(t.press("sam", *kim).text, Contains("Handed over to kim"));
  auto handed = t.to_containing("kim", "handed over to you");
  REQUIRE(handed.size() == 1);
  CHECK(handed[0].message.buttons.size() == 3);
}

TEST_CASE("Hand over offers a bounded choice however many staff there are: the admins, then staff by name") {
  Team t;
  for (int k = 20; k > 0; --k) {
    const auto name = "s" + std::to_string(100 + k);
    t.say(name, "/tend help");
    t.say("ada", "/tend admin person @" + name + " staff");
  }
  t.say("bo", "/story today 09:00 conference talk");
  t.advance(days(1));
  auto nudge = t.to_containing("sam", "shared their story").at(0);
  auto choices = t.press("sam", nudge.message.buttons[2]);
  std::vector<std::string> labels;
  for (const auto& b : choices.buttons) labels.push_back(b.label);
  CHECK(labels == std::vector<std::string>{"ada", "kim", "s101", "s102", "s103", "s104", "s105", "s106",
                                           "s107", "s108"});
  CHECK_THAT(choices.text, Contains("The first 10"));
}

TEST_CASE("a future story sends a preparation note at once and a reminder the day before") {
  Team t;
  t.say("bo", "/story 2026-06-10 14:00 training day talk");
  t.advance(minutes(1));
  auto prep = t.to_containing("bo", "It is fine not to share");
  REQUIRE(prep.size() == 1);
  CHECK_THAT(prep[0].message.text, Contains("sam will check in with you the day after"));
  t.advance(days(7));
  auto reminder = t.to_containing("bo", "Tomorrow you're sharing your story");
  REQUIRE(reminder.size() == 1);
  CHECK(local_text(reminder[0].next_attempt_at) == "Tue 9 Jun 14:00");
}

TEST_CASE("cancelling a story removes its reminders") {
  Team t;
  t.say("bo", "/story tomorrow 14:00 panel");
  CHECK_THAT(t.say("bo", "/story cancel 1").text, Contains("Cancelled story #1"));
  t.advance(days(10));
  CHECK(t.to_containing("sam", "shared their story").empty());
}

TEST_CASE("a break holds follow-ups and prompts; they come when it ends, not lost") {
  Team t;
  t.say("bo", "/story today 09:00 conference talk");
  CHECK_THAT(t.say("bo", "/break until 2026-06-06 need some time").text, Contains("Your break has started"));
  CHECK(t.to_containing("sam", "is taking a break").size() == 1);
  t.advance(days(2));
  CHECK(t.to_containing("sam", "shared their story").empty());
  t.advance(days(2));
  auto held = t.to_containing("sam", "shared their story");
  REQUIRE(held.size() >= 1);
  CHECK(held[0].next_attempt_at >= london(2026, 6, 6, 0, 0));
}

TEST_CASE("ending a break early releases what was held") {
  Team t;
  t.say("bo", "/story today 09:00 conference talk");
  t.say("bo", "/break until 2026-06-20");
  t.advance(days(2));
  CHECK(t.to_containing("sam", "shared their story").empty());
  CHECK_THAT(t.say("bo", "/break end").text, Contains("Welcome back"));
  t.advance(minutes(1));
  CHECK_FALSE(t.to_containing("sam", "shared their story").empty());
}

TEST_CASE("weekly check-in prompts stay at checkin.time local across a DST change") {
  Team t;
  // Autumn in London: clocks go back on Sunday 25 October 2026.
  t.clock.set(london(2026, 10, 14, 12, 0));
  t.say("dee", "/tend help");
  t.advance(days(21));
  auto prompts = t.to_containing("dee", "how are you doing?");
  REQUIRE(prompts.size() >= 2);
  for (const auto& p : prompts)
    CHECK(local_text(p.next_attempt_at).substr(local_text(p.next_attempt_at).size() - 5) == "10:00");
}

TEST_CASE("a silent volunteer makes a nudge to their supervisor after checkin.overdue_after") {
  Team t;
  t.say("bo", "/checkin 4");
  t.advance(days(15));
  auto overdue = t.to_containing("sam", "hasn't checked in for");
  REQUIRE(overdue.size() == 1);
  CHECK_THAT(overdue[0].message.text, Contains("*bo*") && Contains("14 days"));
}

TEST_CASE("a job that fell due while Tend was down runs at once and says it is late") {
  Team t;
  t.say("bo", "/story today 09:00 conference talk");
  t.scheduler->run_due();
  // Tend was down for three days: nothing ran; now it starts again.
  t.clock.advance(days(3) + hours(5));
  t.restart();
  auto followups = t.to_containing("sam", "shared their story");
  REQUIRE_FALSE(followups.empty());
  CHECK_THAT(followups[0].message.text, Contains("sorry it is late"));
}

TEST_CASE("follow-ups keep their local time across the autumn clock change") {
  Team t;
  t.say("ada", "/tend admin set nudge.working_days mon-sun");
  // Friday 23 October 2026, 16:00 BST; the clocks go back on Sunday 25 October.
  t.clock.set(london(2026, 10, 23, 17, 0));
  t.say("bo", "/story today 16:00 conference keynote");
  t.advance(days(8));
  auto followups = t.to_containing("sam", "shared their story");
  REQUIRE(followups.size() == 3);
  CHECK(local_text(followups[0].next_attempt_at) == "Sat 24 Oct 16:00");
  CHECK(local_text(followups[1].next_attempt_at) == "Mon 26 Oct 16:00");
  CHECK(local_text(followups[2].next_attempt_at) == "Fri 30 Oct 16:00");
}
