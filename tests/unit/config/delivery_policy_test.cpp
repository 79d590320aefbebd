// The delivery policy on its own: given the facts of one message, what happens to it and why.
#include <catch2/catch.hpp>

#include "config/delivery_policy.hpp"
#include "config/settings.hpp"

using namespace tend;
using namespace tend::config;
using namespace std::chrono;
using Catch::Contains;

namespace {

const date::time_zone* london() {
  return date::locate_zone("Europe/London");
}
Instant at(int mo, int d, int h, int mi) {
  return local_to_instant(date::local_days{date::year{2026} / mo / d} + hours{h} + minutes{mi}, london());
}
Window office() {
  return {london(), parse_quiet_hours("20:00-08:00"), parse_working_days("mon-fri")};
}
DeliveryFacts facts(MessageKind kind, Instant now) {
  DeliveryFacts f;
  f.kind = kind;
  f.now = now;
  f.window = office();
  return f;
}

}  // namespace

TEST_CASE("inside the recipient's hours a message goes now; outside, it waits for the next allowed minute") {
  CHECK(decide(facts(MessageKind::story_followup, at(6, 3, 10, 0))).verdict == Verdict::send);
  auto saturday = decide(facts(MessageKind::story_followup, at(6, 6, 11, 0)));
  CHECK(saturday.verdict == Verdict::wait);
  CHECK(format_local(saturday.at, london()) == "Mon 8 Jun 08:00");
  auto night = decide(facts(MessageKind::prompt, at(6, 3, 21, 15)));
  CHECK(night.verdict == Verdict::wait);
  CHECK(format_local(night.at, london()) == "Thu 4 Jun 08:00");
  // A channel has no hours of its own.
  auto to_channel = facts(MessageKind::escalation, at(6, 6, 11, 0));
  to_channel.window.reset();
  CHECK(decide(to_channel).verdict == Verdict::send);
}

TEST_CASE("a subject's break holds everything about them except notices and urgent alerts") {
  const auto now = at(6, 3, 10, 0);
  for (auto kind :
       {MessageKind::prompt, MessageKind::overdue, MessageKind::story_followup, MessageKind::story_volunteer,
        MessageKind::nudge_repeat, MessageKind::escalation, MessageKind::supervision_gap,
        MessageKind::boundaries_reminder, MessageKind::supervision_reminder}) {
    INFO(to_string(kind));
    auto f = facts(kind, now);
    f.subject_break_until = at(6, 17, 0, 0);
    auto d = decide(f);
    CHECK(d.verdict == Verdict::hold);
    CHECK(d.at == at(6, 17, 0, 0));
    CHECK_THAT(d.reason, Contains("break"));
  }
  for (auto kind : {MessageKind::notice, MessageKind::urgent_alert, MessageKind::story_followups_held}) {
    INFO(to_string(kind));
    auto f = facts(kind, now);
    f.subject_break_until = at(6, 17, 0, 0);
    CHECK(decide(f).verdict == Verdict::send);
  }
  // A break that has ended by `now` holds nothing.
  auto over = facts(MessageKind::prompt, now);
  over.subject_break_until = now;
  CHECK(decide(over).verdict == Verdict::send);
}

TEST_CASE("the one exception: a story's last follow-up goes although the break outlasts it") {
  auto f = facts(MessageKind::story_followup, at(6, 10, 10, 0));
  f.subject_break_until = at(6, 20, 0, 0);
  f.last_of_story = true;
  CHECK(decide(f).verdict == Verdict::send);
  f.last_of_story = false;
  CHECK(decide(f).verdict == Verdict::hold);
}

TEST_CASE("buddy messages are never held: nothing to a buddy on a break, no prompt about one") {
  const auto now = at(6, 3, 10, 0);
  const auto back = at(6, 17, 0, 0);
  for (auto kind : {MessageKind::buddy_prompt, MessageKind::buddy_note}) {
    INFO(to_string(kind));
    auto to_someone_away = facts(kind, now);
    to_someone_away.recipient_break_until = back;
    auto d = decide(to_someone_away);
    CHECK(d.verdict == Verdict::drop);
    CHECK_THAT(d.reason, Contains("on a break"));
    // Back by now: it goes, in their hours.
    to_someone_away.recipient_break_until = now;
    CHECK(decide(to_someone_away).verdict == Verdict::send);
    auto at_night = facts(kind, at(6, 3, 21, 0));
    CHECK(decide(at_night).verdict == Verdict::wait);
  }
  // A prompt about a buddy on a break is dropped, not held to be given back later (that would tell of
  // a break the buddy was not told of); their note about their own break or call for support goes.
  auto prompt = facts(MessageKind::buddy_prompt, now);
  prompt.subject_break_until = back;
  CHECK(decide(prompt).verdict == Verdict::drop);
  auto note = facts(MessageKind::buddy_note, now);
  note.subject_break_until = back;
  CHECK(decide(note).verdict == Verdict::send);
  // The recipient's own break matters to buddy messages only: a nudge to a supervisor is not held by it.
  auto followup = facts(MessageKind::debrief_followup, now);
  followup.recipient_break_until = back;
  CHECK(decide(followup).verdict == Verdict::send);
  followup.subject_break_until = back;
  CHECK(decide(followup).verdict == Verdict::hold);
}

TEST_CASE("a preparation note or reminder that could only arrive after its event is dropped") {
  // The day-before reminder falls on Saturday 15:00; Monday 08:00 is after Sunday's event.
  auto reminder = facts(MessageKind::story_reminder, at(6, 6, 15, 0));
  reminder.event_at = at(6, 7, 15, 0);
  auto d = decide(reminder);
  CHECK(d.verdict == Verdict::drop);
  CHECK_THAT(d.reason, Contains("passed"));
  // Before an event on Tuesday it only waits.
  reminder.event_at = at(6, 9, 15, 0);
  CHECK(decide(reminder).verdict == Verdict::wait);
  // A supervision reminder once the supervision has started is no use either.
  auto supervision = facts(MessageKind::supervision_reminder, at(6, 3, 14, 5));
  supervision.event_at = at(6, 3, 14, 0);
  CHECK(decide(supervision).verdict == Verdict::drop);
}

TEST_CASE("an urgent alert inside quiet hours goes to the person on call, or waits and says so") {
  auto alert = facts(MessageKind::urgent_alert, at(6, 6, 22, 29));
  alert.subject_break_until = at(6, 20, 0, 0);  // a volunteer on a break may still ask for help
  CHECK(decide(alert).verdict == Verdict::wait);
  alert.someone_on_call = true;
  CHECK(decide(alert).verdict == Verdict::to_on_call);
  // Within hours the supervisor gets it at once, on call or not.
  auto daytime = facts(MessageKind::urgent_alert, at(6, 3, 11, 0));
  daytime.someone_on_call = true;
  CHECK(decide(daytime).verdict == Verdict::send);
  // The copy to the person on call goes at once, inside their own quiet hours too.
  CHECK(decide(facts(MessageKind::on_call_alert, at(6, 6, 22, 29))).verdict == Verdict::send);
}

TEST_CASE("support.on_call: one person every day, or a weekly rota, in the workspace's zone") {
  CHECK(normalize_setting("support.on_call", "@kim") == "@kim");
  CHECK(normalize_setting("support.on_call", " TUE=@kim, mon=@sam ") == "mon=@sam,tue=@kim");
  CHECK(normalize_setting("support.on_call", "None") == "none");
  CHECK_THROWS_WITH(normalize_setting("support.on_call", "tuesday=@kim"), Contains("support.on_call") &&
                                                                              Contains("\"tuesday=@kim\"") &&
                                                                              Contains("mon=@sam,tue=@kim"));
  CHECK_THROWS_WITH(normalize_setting("support.on_call", "mon=@a,mon=@b"), Contains("support.on_call"));
  CHECK_THROWS_WITH(normalize_setting("support.on_call", "two people"), Contains("support.on_call"));
  const auto rota = parse_on_call("mon=@sam,sat=@kim");
  CHECK(on_call_at(rota, at(6, 6, 22, 29), london()) == "kim");  // Saturday
  CHECK(on_call_at(rota, at(6, 8, 1, 0), london()) == "sam");    // Monday
  CHECK(on_call_at(rota, at(6, 7, 12, 0), london()).empty());    // nobody on Sunday
  CHECK(on_call_at(parse_on_call("@kim"), at(6, 7, 12, 0), london()) == "kim");
}

TEST_CASE("support.out_of_hours is the admins' own line of text") {
  CHECK(normalize_setting("support.out_of_hours", "  Call 0800 123 456  ") == "Call 0800 123 456");
  CHECK_THROWS_WITH(normalize_setting("support.out_of_hours", std::string(301, 'x')),
                    Contains("support.out_of_hours") && Contains("300 characters"));
  CHECK_THROWS_WITH(normalize_setting("support.out_of_hours", "two\nlines"), Contains("one line"));
}
