// The care rules of issue 9, each as a user would meet it in the console: breaks that hold and
// give back, times that tell the truth, someone on call. Driven by a clock the test moves, through
// the real router, scheduler, outbox sender and SQLite; what is asserted is what people receive.
#include <catch2/catch.hpp>

#include "test_workspace.hpp"

using namespace tend;
using namespace std::chrono;
using Catch::Contains;
using testing::london;
using testing::london_text;

namespace {

// sam (staff) supervises bo; kim is staff too; ada is the admin. Wednesday 3 June 2026, 10:00.
struct Team : testing::TestWorkspace {
  Team() {
    set_up_team();
    say("kim", "/tend help");
    say("ada", "/tend admin person @kim staff");
  }
  // What `who` received between two moments.
  std::vector<testing::RecordingPlatform::Delivered> received_between(const std::string& who, Instant from,
                                                                      Instant to,
                                                                      const std::string& text = {}) {
    std::vector<testing::RecordingPlatform::Delivered> out;
    for (auto& d : received(who, text))
      if (d.at >= from && d.at < to) out.push_back(d);
    return out;
  }
};

}  // namespace

TEST_CASE("1. prompts, the overdue watch and boundary reminders come back after an open-ended break") {
  Team t;
  t.say("bo", "/checkin 4");
  CHECK_THAT(t.say("bo", "/break feeling low").text, Contains("/break end"));
  const auto began = t.clock.now();
  t.advance(days(10));
  CHECK(t.received_between("bo", began, t.clock.now()).empty());
  CHECK(t.received_between("sam", began, t.clock.now(), "hasn't checked in").empty());
  CHECK_THAT(t.say("bo", "/break end").text, Contains("Welcome back"));
  const auto ended = t.clock.now();  // Saturday 13 June, 10:00
  t.advance(weeks(5));
  auto prompts = t.received_between("bo", ended, t.clock.now(), "how are you doing?");
  REQUIRE(prompts.size() >= 4);
  // One cadence after the break's end: Saturday 20 June 10:00 is not a working day, so Monday 08:00.
  CHECK(london_text(prompts[0].at) == "Mon 22 Jun 08:00");
  // The overdue watch restarted from the break's end too: 14 days later sam hears.
  auto overdue = t.received_between("sam", ended, t.clock.now(), "hasn't checked in");
  REQUIRE_FALSE(overdue.empty());
  CHECK(overdue[0].at >= ended + days(14));
}

TEST_CASE("2. no escalation and no snooze repeat about a volunteer on a break") {
  Team t;
  t.say("bo", "/story yesterday 10:00 spoke at the funders lunch");
  t.advance(minutes(1));
  auto nudge = t.received("sam", "funders lunch");
  REQUIRE(nudge.size() == 1);
  t.press("sam", nudge[0].message.buttons[1]);  // Snooze 1 day
  CHECK_THAT(t.say("bo", "/break until 2026-06-17").text, Contains("your supervisor still gets those"));
  t.deliver();
  auto notice = t.received("sam", "is taking a break");
  REQUIRE(notice.size() == 1);
  CHECK_THAT(notice[0].message.text, Contains("2 story follow-ups") && Contains("1 snoozed reminder"));
  const auto began = t.clock.now();
  t.advance(days(13));  // to Tuesday 16 June, the break still on
  CHECK(t.received_between("ada", began, t.clock.now()).empty());
  CHECK(t.received_between("sam", began, t.clock.now(), "A reminder:").empty());
  CHECK(t.received_between("bo", began, t.clock.now()).empty());
  // The one documented exception: the break outlasts the story's last follow-up (Tue 9 Jun 10:00),
  // so sam hears of the held ones then, together, once.
  auto held = t.received_between("sam", began, t.clock.now(), "held the follow-ups");
  REQUIRE(held.size() == 1);
  CHECK(london_text(held[0].at) == "Tue 9 Jun 10:00");
  CHECK_THAT(held[0].message.text,
             Contains("due 3 days and 7 days after it") && Contains("*bo* is on a break"));
  CHECK(t.received_between("sam", began + seconds(1), t.clock.now()).size() == 1);
}

TEST_CASE("3. what was queued before a break began is not sent during it") {
  Team t;
  // Friday 5 June, 21:30: a follow-up falls due inside sam's quiet hours and waits for Monday.
  t.clock.set(london(2026, 6, 5, 21, 30));
  t.say("bo", "/story yesterday 21:00 radio interview");
  t.advance(minutes(1));
  auto waiting = t.to_containing("sam", "radio interview");
  REQUIRE(waiting.size() == 1);
  CHECK(london_text(waiting[0].next_attempt_at) == "Mon 8 Jun 08:00");
  // Saturday: bo takes a break until Wednesday 10 June.
  t.clock.set(london(2026, 6, 6, 12, 0));
  t.say("bo", "/break until 2026-06-10 12:00");
  const auto began = t.clock.now();
  t.advance(days(3) + hours(12));  // Tuesday 9 June, 24:00
  CHECK(t.received_between("sam", began, t.clock.now(), "radio interview").empty());
  CHECK(t.received_between("bo", began, t.clock.now()).empty());
  t.advance(days(1));
  auto back = t.received("sam", "is back from their break");
  REQUIRE(back.size() == 1);
  CHECK(london_text(back[0].at) == "Wed 10 Jun 12:00");
  CHECK_THAT(back[0].message.text, Contains("Tend held these for you") && Contains("radio interview"));
}

TEST_CASE("4. when a break ends, what was held is one message per recipient, not a burst") {
  Team t;
  t.say("bo", "/story today 09:00 conference talk");
  t.say("bo", "/break until 2026-06-09");
  const auto began = t.clock.now();
  t.advance(days(6) + hours(23));  // Tuesday 9 June, 09:00; the break ended at midnight
  auto to_sam = t.received_between("sam", began + seconds(1), t.clock.now());
  REQUIRE(to_sam.size() == 1);
  CHECK(london_text(to_sam[0].at) == "Tue 9 Jun 08:00");  // the first minute of sam's hours
  CHECK_THAT(to_sam[0].message.text, Contains("*bo* is back from their break") && Contains("1 day after") &&
                                         Contains("3 days after") && Contains("conference talk"));
  REQUIRE(to_sam[0].message.buttons.size() == 3);  // one nudge: Done, Snooze, Hand over
  auto to_bo = t.received_between("bo", began, t.clock.now());
  REQUIRE(to_bo.size() == 1);
  CHECK_THAT(to_bo[0].message.text, Contains("Welcome back") && Contains("shared your story"));
  CHECK(t.received_between("ada", began, t.clock.now()).empty());
  // The week's follow-up comes on its own day, as usual.
  t.advance(days(1) + hours(2));
  auto week = t.received("sam", "7 days after");
  REQUIRE(week.size() == 1);
  CHECK(london_text(week[0].at) == "Wed 10 Jun 09:00");
}

TEST_CASE("5. a day-before reminder that could only arrive after the event is not sent") {
  Team t;
  CHECK_THAT(t.say("bo", "/story sun 15:00 radio interview").text, Contains("reminder the day before"));
  t.advance(days(8));
  CHECK(t.received("bo", "You're going to share your story").size() == 1);  // the preparation note, at once
  // Saturday 15:00 is not a working day; Monday 08:00 is after the interview: nothing is sent.
  CHECK(t.received("bo", "Tomorrow you're sharing").empty());
  CHECK(t.to_containing("bo", "Tomorrow you're sharing").empty());
  // What still helps does come: the follow-up a day after.
  auto followup = t.received("sam", "radio interview");
  REQUIRE_FALSE(followup.empty());
  CHECK(london_text(followup[0].at) == "Mon 8 Jun 15:00");
}

TEST_CASE("6. an alert delivered late names its moment; 'late' is said only when Tend was not running") {
  Team t;
  t.clock.set(london(2026, 6, 6, 22, 29));  // Saturday evening
  t.say("bo", "/checkin 1 rough night support");
  t.advance(days(2));
  auto alert = t.received("sam", "asked for support");
  REQUIRE(alert.size() == 1);
  CHECK(london_text(alert[0].at) == "Mon 8 Jun 08:00");
  CHECK_THAT(alert[0].message.text, Contains("on Sat 6 Jun 22:29, 33 hours ago") && !Contains("just now"));

  // A past story logged late while Tend was running: late because of the hours, not a downtime.
  t.clock.set(london(2026, 6, 10, 10, 0));
  t.say("bo", "/story yesterday 09:30 panel");
  t.advance(minutes(1));
  auto followup = t.received("sam", "panel");
  REQUIRE(followup.size() == 1);
  CHECK_THAT(followup[0].message.text, !Contains("not running"));
}

TEST_CASE("7. out of hours, an urgent alert goes to the person on call at once") {
  Team t;
  CHECK_THAT(t.say("ada", "/tend admin set support.on_call tuesday=@kim").text,
             Contains("support.on_call") && Contains("weekly rota like mon=@sam,tue=@kim"));
  t.say("ada", "/tend admin set support.on_call mon=@sam,sat=@kim,sun=@kim");
  t.say("ada", "/tend admin set support.out_of_hours Call the duty phone on 0800 123 456, any time.");
  t.clock.set(london(2026, 6, 6, 22, 29));  // Saturday, inside everyone's quiet hours
  auto reply = t.say("bo", "/checkin 1 awful");
  CHECK_THAT(reply.text, Contains("I've told kim, who is on call, now") &&
                             Contains("sam (your supervisor) sees it Mon 8 Jun 08:00") &&
                             Contains("Call the duty phone on 0800 123 456"));
  t.advance(minutes(1));
  auto to_kim = t.received("kim", "*bo* checked in at 1/5");
  REQUIRE(to_kim.size() == 1);
  CHECK(london_text(to_kim[0].at) == "Sat 6 Jun 22:29");
  CHECK_THAT(to_kim[0].message.text, Contains("just now"));
  t.advance(days(2));
  auto to_sam = t.received("sam", "*bo* checked in at 1/5");
  REQUIRE(to_sam.size() == 1);
  CHECK_THAT(to_sam[0].message.text, Contains("on Sat 6 Jun 22:29"));

  SECTION("without anyone on call the volunteer gets the admins' own text and the time it reaches sam") {
    t.say("ada", "/tend admin set support.on_call none");
    t.clock.set(london(2026, 6, 13, 23, 0));
    auto later = t.say("bo", "/checkin 2 support");
    CHECK_THAT(later.text, Contains("it reaches them Mon 15 Jun 08:00") && Contains("Call the duty phone"));
  }
}

TEST_CASE("escalations about the same volunteer that fall due together are one message") {
  Team t;
  t.say("bo", "/story today 09:00 conference talk");
  t.say("bo", "/story today 09:00 radio phone-in");
  t.advance(days(1));  // Thursday 09:00: two follow-ups, two nudges to sam; nobody answers
  REQUIRE(t.received("sam", "1 day after").size() == 2);
  t.advance(days(5));
  auto escalations = t.received("ada", "Nobody has answered");
  REQUIRE(escalations.size() == 1);
  CHECK_THAT(escalations[0].message.text, Contains("conference talk") && Contains("radio phone-in"));
}
