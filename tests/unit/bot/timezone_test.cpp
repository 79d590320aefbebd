// People's own time zones: `/tend timezone` on every platform (Discord gives none), what Tend
// does with a zone once it has one, and the one line that says it uses the default until then.
#include <date/tz.h>

#include <catch2/catch.hpp>

#include "storage/audit.hpp"
#include "storage/jobs.hpp"
#include "test_workspace.hpp"

using namespace tend;
using namespace std::chrono;
using Catch::Contains;

namespace {

std::string local(Instant t, const char* zone) {
  return config::format_local(t, date::locate_zone(zone));
}

// As on a chat platform: the first reply to someone without a zone says which one Tend uses.
void on_a_chat_platform(testing::TestWorkspace& w) {
  RouterOptions options{"console", {"ada"}, w.file_settings()};
  options.tell_default_zone = true;
  w.router = std::make_unique<Router>(w.db, w.clock, w.registry, options);
}

}  // namespace

TEST_CASE("a person sets their own zone; abbreviations are refused with the zones they may mean") {
  testing::TestWorkspace w;
  CHECK_THAT(w.say("bo", "/tend timezone").text, Contains("Your time zone is *Europe/London*") &&
                                                     Contains("the workspace default") &&
                                                     Contains("/tend timezone <zone>"));

  const auto est = w.say("bo", "/tend timezone EST").text;
  CHECK_THAT(est, Contains("abbreviation") && Contains("America/New_York"));
  CHECK(w.person("bo").zone.empty());
  CHECK_THAT(w.say("bo", "/tend timezone CET").text, Contains("Europe/Paris"));
  CHECK_THAT(w.say("bo", "/tend timezone Japan").text, Contains("old alias") && Contains("Europe/Paris"));
  CHECK_THAT(w.say("bo", "/tend timezone UTC+2").text, Contains("offset"));
  CHECK_THAT(w.say("bo", "/tend timezone Mars/Olympus").text, Contains("not a time zone Tend knows"));

  // Any case; the tz database's own spelling is kept. 10:00 in London is 05:00 in New York.
  CHECK_THAT(w.say("bo", "/tend timezone america/new_york").text,
             Contains("Your time zone is now *America/New_York*") && Contains("it is 05:00 there now") &&
                 Contains("was Europe/London (the default)"));
  CHECK(w.person("bo").zone == "America/New_York");
  CHECK(w.person("bo").zone_chosen);
  CHECK_THAT(w.say("bo", "/tend me").text, Contains("Time zone: America/New_York") && !Contains("default"));
  CHECK_THAT(w.say("bo", "/tend timezone UTC").text, Contains("now *UTC*"));
}

TEST_CASE("admins set someone else's zone, audited; others may not") {
  testing::TestWorkspace w;
  w.set_up_team();
  CHECK_THAT(w.say("bo", "/tend admin timezone @sam Asia/Kolkata").text,
             Contains("not something a volunteer"));
  CHECK(w.person("sam").zone.empty());
  CHECK_THAT(w.say("ada", "/tend admin timezone @sam Asia/Kolkata").text,
             Contains("sam's time zone is now *Asia/Kolkata*"));
  CHECK(w.person("sam").zone == "Asia/Kolkata");
  CHECK_THAT(w.say("ada", "/tend admin audit").text, Contains("person.zone") && Contains("Asia/Kolkata"));
  CHECK_THAT(w.say("ada", "/tend admin timezone @sam").text, Contains("Usage"));
  // The workspace default takes the same names.
  CHECK_THAT(w.say("ada", "/tend admin set timezone.default PST").text,
             Contains("America/Los_Angeles") && Contains("abbreviation"));
}

TEST_CASE("a chosen zone is kept when the platform's profile says another") {
  testing::TestWorkspace w;
  w.say("bo", "/tend timezone Europe/Berlin");
  storage::People(w.db).set_profile(w.person("bo").id, "Bo", "America/Chicago");
  CHECK(w.person("bo").zone == "Europe/Berlin");
  CHECK(w.person("bo").display_name == "Bo");
}

TEST_CASE("with a zone, prompts come at checkin.time there and nudges wait for working hours there") {
  testing::TestWorkspace w;  // Wed 3 Jun 2026 10:00 in London
  w.set_up_team();
  const auto prompt_key = "prompt:" + std::to_string(w.person("bo").id);
  const auto before = storage::Jobs(w.db).by_key(prompt_key)->due_at;
  CHECK(local(before, "Europe/London").substr(local(before, "Europe/London").size() - 5) == "10:00");

  // bo moves to New York: the next prompt keeps its day and comes at 10:00 there.
  w.say("bo", "/tend timezone America/New_York");
  const auto after = storage::Jobs(w.db).by_key(prompt_key)->due_at;
  CHECK(local(after, "America/New_York") == local(before, "Europe/London"));
  CHECK(after - before == hours(5));

  // sam works from Sydney: an alert about bo at 10:00 London (19:00 in Sydney) goes at once; one
  // at 12:00 London (21:00 in Sydney, inside sam's quiet hours) waits for 08:00 there.
  w.say("ada", "/tend admin timezone @sam Australia/Sydney");
  w.say("bo", "/checkin 1 first");
  w.deliver();
  CHECK(w.received("sam", "first").size() == 1);
  w.clock.advance(hours(2));
  w.say("bo", "/checkin 1 second");
  w.deliver();
  CHECK(w.received("sam", "second").empty());
  w.advance(hours(12));
  const auto second = w.received("sam", "second");
  REQUIRE(second.size() == 1);
  CHECK(local(second.front().at, "Australia/Sydney") == "Thu 4 Jun 08:00");
}

TEST_CASE("on a chat platform, the first reply to someone without a zone says which Tend uses, once") {
  testing::TestWorkspace w;
  on_a_chat_platform(w);
  const auto first = w.say("bo", "/checkin 4").text;
  CHECK_THAT(first, Contains("Checked in") && Contains("uses Europe/London") &&
                        Contains("/tend timezone America/New_York"));
  CHECK_THAT(w.say("bo", "/checkin 3").text, !Contains("time zone"));

  // Someone who sets their zone first is never told.
  CHECK_THAT(w.say("cy", "/tend timezone Europe/Paris").text,
             Contains("now *Europe/Paris*") && !Contains("doesn't know your time zone"));
  CHECK_THAT(w.say("cy", "/checkin 4").text, !Contains("time zone"));

  // A refusal keeps nothing, the note included: it comes with the next reply that counts.
  CHECK_THAT(w.say("di", "/tend timezone EST").text, !Contains("doesn't know your time zone"));
  CHECK_THAT(w.say("di", "/tend help").text, Contains("doesn't know your time zone"));
}
