// The buddy system as the volunteers in it meet it: a pairing needs both, ending it is told
// kindly, prompts take turns and fall silent for a break, and a buddy hears of a break or a call
// for support only when the person chose so, never a score or a note.
#include <catch2/catch.hpp>
#include <regex>

#include "storage/audit.hpp"
#include "storage/buddies.hpp"
#include "storage/jobs.hpp"
#include "test_workspace.hpp"

using namespace tend;
using namespace std::chrono;
using Catch::Contains;
using testing::london;
using testing::london_text;

namespace {

// sam (staff) supervises bo, ryan and cy; kim is staff; ada is the admin. Wednesday 3 June 2026, 10:00.
struct Team : testing::TestWorkspace {
  Team() {
    set_up_team();
    for (const auto* who : {"ryan", "cy", "kim"}) say(who, "/tend help");
    say("ada", "/tend admin person @kim staff");
    say("ada", "/tend admin supervisor @ryan @sam");
    say("ada", "/tend admin supervisor @cy @sam");
  }
  // bo asks ryan and ryan says yes.
  void pair_bo_and_ryan() {
    say("bo", "/buddy @ryan");
    deliver();
    auto asked = received("ryan", "would like to be your buddy");
    REQUIRE(asked.size() == 1);
    CHECK_THAT(press("ryan", asked.back().message.buttons.at(0)).text,
               Contains("You and bo are buddies now"));
  }
  std::vector<testing::RecordingPlatform::Delivered> prompts_to(const std::string& who) {
    return received(who, "How is your buddy");
  }
};

// Every message `who` was ever sent: none names a score or carries any of the notes.
void never_a_score_or_note(Team& t, const std::string& who, const std::vector<std::string>& notes) {
  static const std::regex score(R"([1-5]/5|scored|score [1-5])");
  for (const auto& d : t.received(who)) {
    INFO("to @" << who << " at " << london_text(d.at) << ": " << d.message.text);
    CHECK_FALSE(std::regex_search(d.message.text, score));
    for (const auto& note : notes) CHECK_THAT(d.message.text, !Contains(note));
  }
}

}  // namespace

TEST_CASE("a pairing needs both: a request alone pairs no one, and prompts start only after the yes") {
  Team t;
  CHECK_THAT(t.say("bo", "/buddy @ryan").text, Contains("I've asked ryan") && Contains("once they say yes"));
  CHECK_THAT(t.say("bo", "/buddy").text, Contains("Waiting for ryan to say yes"));
  CHECK_THAT(t.say("bo", "/buddy @ryan").text, Contains("a request is waiting"));
  t.advance(weeks(3));
  CHECK(t.prompts_to("bo").empty());
  CHECK(t.prompts_to("ryan").empty());
  // ryan can answer from /buddy too, and only ryan can: bo's own press of ryan's button is refused.
  auto view = t.say("ryan", "/buddy");
  REQUIRE(view.buttons.size() == 2);
  CHECK_THAT(t.press("cy", view.buttons[0]).text, Contains("not for you"));
  CHECK_THAT(t.press("bo", view.buttons[0]).text, Contains("You've said yes already"));
  CHECK_THAT(t.press("ryan", view.buttons[0]).text, Contains("You and bo are buddies now"));
  t.deliver();
  CHECK(t.received("bo", "*ryan* said yes: you are buddies now").size() == 1);
  CHECK_THAT(t.say("bo", "/buddy").text,
             Contains("*Your buddy: ryan*") && Contains("You share with ryan: your breaks no, your calls for "
                                                        "support no"));
}

TEST_CASE("buddies are asked in turn, each every buddy.cadence, never both on the same day") {
  Team t;
  t.pair_bo_and_ryan();
  t.advance(weeks(8));
  const auto to_bo = t.prompts_to("bo"), to_ryan = t.prompts_to("ryan");
  REQUIRE(to_bo.size() == 4);
  REQUIRE(to_ryan.size() == 4);
  CHECK(london_text(to_bo[0].at) == "Wed 10 Jun 10:00");
  CHECK(london_text(to_ryan[0].at) == "Wed 17 Jun 10:00");
  CHECK(to_bo[1].at - to_bo[0].at == weeks(2));
  CHECK_THAT(to_bo[0].message.text, Contains("How is your buddy *ryan* doing? A message from you can make "
                                             "their day."));
  CHECK_THAT(to_ryan[0].message.text, Contains("*bo*"));
  for (const auto& b : to_bo)
    for (const auto& r : to_ryan) CHECK(london_text(b.at).substr(0, 10) != london_text(r.at).substr(0, 10));
}

TEST_CASE("no is told kindly; an admin's suggestion still needs both; one buddy at a time unless buddy.max") {
  Team t;
  SECTION("ryan says no") {
    t.say("bo", "/buddy @ryan");
    t.deliver();
    auto asked = t.received("ryan", "would like to be your buddy");
    REQUIRE(asked.size() == 1);
    CHECK_THAT(t.press("ryan", asked[0].message.buttons.at(1)).text, Contains("I've let bo know, kindly"));
    t.deliver();
    auto told = t.received("bo", "can't be your buddy right now");
    REQUIRE(told.size() == 1);
    CHECK_THAT(told[0].message.text, Contains("it says nothing about you"));
    CHECK_THAT(t.say("bo", "/buddy").text, Contains("You don't have a buddy yet"));
    CHECK_THAT(t.press("ryan", asked[0].message.buttons.at(0)).text, Contains("no longer open"));
  }
  SECTION("ada suggests bo and ryan: one yes is not enough") {
    CHECK_THAT(t.say("ada", "/tend admin buddy @bo @ryan").text, Contains("only if both say yes"));
    CHECK_THAT(t.say("bo", "/tend admin buddy @bo @ryan").text, Contains("not something a volunteer can do"));
    t.deliver();
    auto to_bo = t.received("bo", "ada suggests that you and *ryan* become buddies");
    auto to_ryan = t.received("ryan", "ada suggests that you and *bo* become buddies");
    REQUIRE(to_bo.size() == 1);
    REQUIRE(to_ryan.size() == 1);
    CHECK_THAT(t.press("bo", to_bo[0].message.buttons.at(0)).text, Contains("once ryan says yes too"));
    CHECK(t.say("bo", "/buddy").text.find("Your buddy") == std::string::npos);
    CHECK_THAT(t.press("ryan", to_ryan[0].message.buttons.at(0)).text,
               Contains("You and bo are buddies now"));
    CHECK_THAT(t.say("bo", "/buddy").text, Contains("*Your buddy: ryan*"));
  }
  SECTION("bo has a buddy: a second needs buddy.max 2, and staff are never buddies") {
    t.pair_bo_and_ryan();
    CHECK_THAT(t.say("bo", "/buddy @cy").text,
               Contains("You have a buddy already (ryan)") && Contains("buddy.max"));
    CHECK_THAT(t.say("cy", "/buddy @bo").text, Contains("bo can't take on another buddy right now"));
    CHECK_THAT(t.say("cy", "/buddy @kim").text, Contains("kim is staff"));
    CHECK_THAT(t.say("cy", "/buddy @cy").text, Contains("someone else"));
    t.say("ada", "/tend admin set @bo buddy.max 2");
    CHECK_THAT(t.say("cy", "/buddy @bo").text, Contains("I've asked bo"));
  }
  SECTION("staff and admins do not use /buddy themselves") {
    CHECK_THAT(t.say("sam", "/buddy @bo").text, Contains("not something a staff can do"));
  }
}

TEST_CASE("either can end it: the other is told kindly and the prompts stop") {
  Team t;
  t.pair_bo_and_ryan();
  t.advance(weeks(2));
  REQUIRE_FALSE(t.prompts_to("bo").empty());
  CHECK_THAT(t.say("ryan", "/buddy end").text, Contains("has ended, and I've let them know, kindly"));
  t.deliver();
  auto told = t.received("bo", "has ended your buddy pairing");
  REQUIRE(told.size() == 1);
  CHECK_THAT(told[0].message.text,
             Contains("Thank you for looking out for each other") && Contains("not about anything you did"));
  const auto prompts = t.prompts_to("bo").size() + t.prompts_to("ryan").size();
  t.advance(weeks(6));
  CHECK(t.prompts_to("bo").size() + t.prompts_to("ryan").size() == prompts);
  CHECK(storage::Jobs(t.db).by_key("buddy:1:prompt") == std::nullopt);
  CHECK_THAT(t.say("bo", "/buddy end").text, Contains("You don't have a buddy"));
}

TEST_CASE(
    "a buddy hears of a break or a call for support only when it was shared, and never a score or note") {
  Team t;
  t.pair_bo_and_ryan();
  SECTION("nothing is shared until ryan says so") {
    CHECK_THAT(t.say("ryan", "/checkin 1 support rock bottom today").text, !Contains("your buddy"));
    t.clock.advance(hours(1));
    CHECK_THAT(t.say("ryan", "/break until 2026-06-10 family trouble").text, !Contains("your buddy"));
    t.advance(days(1));
    CHECK(t.received("sam", "asked for support").size() == 1);
    CHECK(t.received("bo", "ryan").size() == 1);  // only "ryan said yes"
  }
  SECTION("ryan shares both: bo hears that it happened, never how ryan scored or what ryan wrote") {
    CHECK_THAT(t.say("ryan", "/buddy share support on").text,
               Contains("bo hears when you ask for support") && Contains("never a score or a note"));
    CHECK_THAT(t.say("ryan", "/buddy share breaks on").text, Contains("bo hears when you take a break"));
    CHECK_THAT(t.say("ryan", "/buddy").text,
               Contains("You share with bo: your breaks yes, your calls for support yes"));
    CHECK_THAT(t.say("bo", "/buddy").text,
               Contains("ryan shares with you: their breaks yes, their calls for support yes"));
    CHECK_THAT(
        t.say("ryan", "/checkin 2 support rock bottom today").text,
        Contains("bo (your buddy) hears that you asked for support, as you chose: not your score or your "
                 "note."));
    CHECK_THAT(t.say("ryan", "/checkin 1 private sleeping badly").text, !Contains("your buddy"));
    t.deliver();
    auto support = t.received("bo", "asked for support");
    REQUIRE(support.size() == 1);
    CHECK(support[0].message.text ==
          "*ryan* asked for support just now; sam knows. A kind word from you may help.");
    t.clock.advance(hours(1));
    CHECK_THAT(t.say("ryan", "/break until 2026-06-10 family trouble").text,
               Contains("bo (your buddy) has been told, as you chose, and nothing more."));
    t.say("ryan", "/debrief 1 awful group private the group hurt");
    t.deliver();
    auto away = t.received("bo", "taking a break");
    REQUIRE(away.size() == 1);
    CHECK_THAT(away[0].message.text, Contains("*ryan* is taking a break from Tend until Wed 10 Jun 2026") &&
                                         Contains("chose to let you know"));
    t.advance(weeks(4));
    never_a_score_or_note(t, "bo",
                          {"rock bottom", "sleeping badly", "family trouble", "awful group", "hurt"});
    SECTION("and stops sharing") {
      t.say("ryan", "/buddy share support off");
      t.say("ryan", "/checkin 3 support again");
      t.advance(days(1));
      CHECK(t.received("bo", "asked for support").size() == 1);
    }
  }
}

TEST_CASE("a volunteer on a break gets no buddy prompts, and their buddy is not prompted about them") {
  Team t;
  t.pair_bo_and_ryan();
  t.say("bo", "/break until 2026-07-01");
  const auto began = t.clock.now();
  t.advance(days(27) + hours(23));  // to Wednesday 1 July 09:00: the break ended at midnight
  CHECK(t.prompts_to("bo").empty());
  CHECK(t.prompts_to("ryan").empty());
  // Nothing tells ryan that bo was away: bo did not share their breaks.
  for (const auto& d : t.received("ryan", "*bo*")) CHECK(d.at <= began);
  t.advance(weeks(3));
  // The turns start again from the break's end: ryan a week after it, bo a fortnight after.
  const auto to_ryan = t.prompts_to("ryan"), to_bo = t.prompts_to("bo");
  REQUIRE_FALSE(to_ryan.empty());
  REQUIRE_FALSE(to_bo.empty());
  CHECK(london_text(to_ryan[0].at) == "Wed 8 Jul 10:00");
  CHECK(london_text(to_bo[0].at) == "Wed 15 Jul 10:00");
}

TEST_CASE("a buddy prompt queued before its subject's break began is dropped, not given back") {
  Team t;
  t.say("ada", "/tend admin set checkin.time 21:00");
  t.pair_bo_and_ryan();
  t.advance(days(7) + hours(11) + minutes(30));  // Wednesday 10 June, 21:30: bo's turn waits for 08:00
  REQUIRE(t.to_containing("bo", "How is your buddy").size() == 1);
  t.say("ryan", "/break until 2026-06-20");
  t.advance(days(12));
  CHECK(t.prompts_to("bo").empty());
  CHECK(t.to_containing("bo", "How is your buddy").empty());
  // Given back, it would have told bo of a break ryan did not share.
  CHECK(t.received("bo", "on a break").empty());
}

TEST_CASE("a buddy's note waits for their hours and says when it happened") {
  Team t;
  t.pair_bo_and_ryan();
  t.say("ryan", "/buddy share support on");
  t.clock.set(london(2026, 6, 6, 22, 29));  // Saturday night
  t.say("ryan", "/checkin 3 support");
  t.advance(days(3));
  auto note = t.received("bo", "asked for support");
  REQUIRE(note.size() == 1);
  CHECK(london_text(note[0].at) == "Mon 8 Jun 08:00");
  CHECK_THAT(note[0].message.text, Contains("asked for support on Sat 6 Jun 22:29, 33 hours ago"));
}

TEST_CASE("/tend help and the permission table know the buddy and debrief commands") {
  Team t;
  CHECK_THAT(t.say("bo", "/tend help").text,
             Contains("/buddy [@volunteer]") && Contains("/buddy share breaks|support on|off") &&
                 Contains("/debrief [1-5] [note…]") && !Contains("admin buddy"));
  CHECK_THAT(t.say("ada", "/tend help").text,
             Contains("/tend admin buddy @volunteer @volunteer") && !Contains("/buddy share"));
  CHECK_THAT(t.say("sam", "/debrief 3").text, Contains("not something a staff can do"));
}
