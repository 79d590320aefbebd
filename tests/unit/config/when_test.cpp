// The dates and times people type for `<when>` and `<date>`, read in the typing person's zone:
// every accepted form, every refusal, two zones, and the days around a DST change.
#include <catch2/catch.hpp>

#include "config/parse.hpp"

using namespace tend;
using namespace tend::config;
using namespace std::chrono;
using Catch::Contains;

namespace {

struct Typed {
  const date::time_zone* zone;
  Instant now;
  YearlessDate yearless = YearlessDate::next;

  // The local date and time the text means ("2026-11-25 15:00"); days without a time at noon.
  std::string operator()(std::string_view text) const {
    const auto when = parse_when_prefix(text, zone, now, yearless);
    return date::format("%F %H:%M", date::make_zoned(zone, to_instant(when.when, zone, now, hours(12))));
  }
  std::string rest(std::string_view text) const {
    return std::string(parse_when_prefix(text, zone, now, yearless).rest);
  }
  Instant instant(std::string_view text) const {
    return to_instant(parse_when_prefix(text, zone, now, yearless).when, zone, now, hours(12));
  }
};

Instant local(const char* zone_name, int y, int mo, int d, int h, int mi) {
  return local_to_instant(date::local_days{date::year{y} / mo / d} + hours{h} + minutes{mi},
                          date::locate_zone(zone_name));
}

std::string utc(Instant t) {
  return date::format("%F %H:%M", t);
}

// Tuesday 24 November 2026, 15:00 in London; the same instant is Wednesday 02:00 in Sydney.
const Instant kNow = local("Europe/London", 2026, 11, 24, 15, 0);

}  // namespace

TEST_CASE("days by name, in London") {
  const Typed london{date::locate_zone("Europe/London"), kNow};
  CHECK(london.instant("now") == kNow);
  CHECK(london("today") == "2026-11-24 12:00");
  CHECK(london("Tomorrow") == "2026-11-25 12:00");
  CHECK(london("yesterday") == "2026-11-23 12:00");
}

TEST_CASE("weekdays: the next one, today included; next is after today; last is before today") {
  const Typed london{date::locate_zone("Europe/London"), kNow};  // a Tuesday
  CHECK(london("tue") == "2026-11-24 12:00");
  CHECK(london("Tuesday") == "2026-11-24 12:00");
  CHECK(london("this tue") == "2026-11-24 12:00");
  CHECK(london("next tue") == "2026-12-01 12:00");
  CHECK(london("last tue") == "2026-11-17 12:00");
  CHECK(london("fri") == "2026-11-27 12:00");
  CHECK(london("next Friday") == "2026-11-27 12:00");
  CHECK(london("last fri") == "2026-11-20 12:00");
  CHECK(london("mon") == "2026-11-30 12:00");
  CHECK(london("last mon") == "2026-11-23 12:00");
}

TEST_CASE("days counted from today: in 3 days, 3 days ago, and weeks") {
  const Typed london{date::locate_zone("Europe/London"), kNow};
  CHECK(london("in 3 days") == "2026-11-27 12:00");
  CHECK(london("in 1 day") == "2026-11-25 12:00");
  CHECK(london("in 2 weeks") == "2026-12-08 12:00");
  CHECK(london("in a week") == "2026-12-01 12:00");
  CHECK(london("3 days ago") == "2026-11-21 12:00");
  CHECK(london("2 weeks ago") == "2026-11-10 12:00");
  CHECK(london("a week ago") == "2026-11-17 12:00");
}

TEST_CASE("dates with the month as a word, with and without a year, and ISO dates") {
  const Typed london{date::locate_zone("Europe/London"), kNow};
  for (auto text : {"3 Dec", "Dec 3", "3 December", "December 3", "3rd Dec", "dec 3,", "3 Dec 2026",
                    "Dec 3, 2026", "2026-12-03"})
    CHECK(london(text) == "2026-12-03 12:00");
  CHECK(london("3 Dec 2025") == "2025-12-03 12:00");
  CHECK(london("21st sept 2027") == "2027-09-21 12:00");
}

TEST_CASE("a date without a year: the next one ahead, or the nearest for what may be past") {
  Typed ahead{date::locate_zone("Europe/London"), kNow, YearlessDate::next};
  Typed nearest{date::locate_zone("Europe/London"), kNow, YearlessDate::nearest};
  CHECK(ahead("24 Nov") == "2026-11-24 12:00");  // today counts
  CHECK(ahead("20 Nov") == "2027-11-20 12:00");
  CHECK(nearest("20 Nov") == "2026-11-20 12:00");
  CHECK(ahead("3 Feb") == "2027-02-03 12:00");
  CHECK(nearest("3 Feb") == "2027-02-03 12:00");  // 71 days ahead is nearer than 294 back
  CHECK(nearest("1 Jun") == "2026-06-01 12:00");  // 176 days back is nearer than 189 ahead
  CHECK(ahead("29 Feb") == "2028-02-29 12:00");
}

TEST_CASE("times of day after the day, in every form") {
  const Typed london{date::locate_zone("Europe/London"), kNow};
  CHECK(london("tomorrow 14:00") == "2026-11-25 14:00");
  CHECK(london("tomorrow 9:30") == "2026-11-25 09:30");
  CHECK(london("tomorrow 15.30") == "2026-11-25 15:30");
  CHECK(london("tomorrow 3pm") == "2026-11-25 15:00");
  CHECK(london("tomorrow 3:30pm") == "2026-11-25 15:30");
  CHECK(london("tomorrow 3 PM") == "2026-11-25 15:00");
  CHECK(london("tomorrow 11am") == "2026-11-25 11:00");
  CHECK(london("tomorrow 12am") == "2026-11-25 00:00");
  CHECK(london("tomorrow 12pm") == "2026-11-25 12:00");
  CHECK(london("tomorrow noon") == "2026-11-25 12:00");
  CHECK(london("tomorrow midnight") == "2026-11-25 00:00");
  CHECK(london("tomorrow at 3pm") == "2026-11-25 15:00");
  CHECK(london("next fri 3pm") == "2026-11-27 15:00");
  CHECK(london("in 3 days 9:15") == "2026-11-27 09:15");
  CHECK(london("3 days ago 10am") == "2026-11-21 10:00");
  CHECK(london("Dec 3 2026 15.30") == "2026-12-03 15:30");
  CHECK(london("2026-12-03 09:15") == "2026-12-03 09:15");
  // Only a time: today.
  CHECK(london("4pm") == "2026-11-24 16:00");
  CHECK(london("17:45") == "2026-11-24 17:45");
}

TEST_CASE("what follows the date and time is left as the text, numbers included") {
  const Typed london{date::locate_zone("Europe/London"), kNow};
  CHECK(london.rest("tomorrow 14:00 funders' lunch") == "funders' lunch");
  CHECK(london.rest("next fri 3pm  talk at the library") == "talk at the library");
  CHECK(london.rest("tomorrow 3 talks") == "3 talks");
  CHECK(london("tomorrow 3 talks") == "2026-11-25 12:00");
  CHECK(london.rest("tomorrow at the town hall") == "at the town hall");
  CHECK(london.rest("tomorrow 2.5 hour workshop") == "2.5 hour workshop");
  CHECK(london.rest("tue 14:00 45 weekly 4") == "45 weekly 4");
  CHECK(london.rest("3 Dec 2 panels") == "2 panels");
  CHECK(london.rest("now") == "");
}

TEST_CASE("unreadable or ambiguous dates are refused with the accepted forms and an example") {
  const Typed london{date::locate_zone("Europe/London"), kNow};
  for (auto text : {"", "someday", "next week", "last month", "in 3 fortnights", "3 talks", "2.5"})
    CHECK_THROWS_WITH(london(text), Contains("3 days ago") && Contains("3 Dec") && Contains("for example"));
  CHECK_THROWS_WITH(london("3/12"), Contains("two ways") && Contains("3 Dec"));
  CHECK_THROWS_WITH(london("12/03/2026 talk"), Contains("two ways"));
  CHECK_THROWS_WITH(london("2026-02-30"), Contains("not a date on the calendar"));
  CHECK_THROWS_WITH(london("2026-13-01"), Contains("not a date on the calendar"));
  CHECK_THROWS_WITH(london("30 Feb"), Contains("not a date on the calendar"));
  CHECK_THROWS_WITH(london("31 Feb 2026"), Contains("not a date on the calendar"));
  CHECK_THROWS_WITH(london("tomorrow 25:00"), Contains("not a time of day"));
  CHECK_THROWS_WITH(london("tomorrow 13pm"), Contains("not a time of day"));
  CHECK_THROWS_WITH(london("tomorrow 9:5"), Contains("not a time of day"));
  CHECK_THROWS_WITH(london("tomorrow 10:75"), Contains("not a time of day"));
  CHECK_THROWS_WITH(london("in 600 weeks"), Contains("ten years"));
  CHECK_THROWS_WITH(london("3 Dec 1066"), Contains("not a year from 2000 to 2100"));
  CHECK_THROWS_WITH(london("0000-12-03"), Contains("not a year from 2000 to 2100"));
}

TEST_CASE("the day is the typing person's: the same instant is already Wednesday in Sydney") {
  const Typed sydney{date::locate_zone("Australia/Sydney"), kNow};
  CHECK(sydney("today") == "2026-11-25 12:00");
  CHECK(sydney("tomorrow 3pm") == "2026-11-26 15:00");
  CHECK(sydney("tue") == "2026-12-01 12:00");
  CHECK(sydney("last tue") == "2026-11-24 12:00");
  CHECK(sydney("in 3 days") == "2026-11-28 12:00");
  CHECK(sydney("3 Dec 9am") == "2026-12-03 09:00");
  CHECK(utc(sydney.instant("3 Dec 9am")) == "2026-12-02 22:00");  // AEDT, UTC+11
  CHECK_THROWS_WITH(sydney("3/12"), Contains("two ways"));
}

TEST_CASE("across a DST change the local time stays as typed") {
  SECTION("London falls back on Sunday 25 October 2026") {
    const Typed london{date::locate_zone("Europe/London"), local("Europe/London", 2026, 10, 23, 10, 0)};
    CHECK(london("in 3 days 10:00") == "2026-10-26 10:00");
    CHECK(utc(london.instant("in 3 days 10:00")) == "2026-10-26 10:00");  // GMT
    CHECK(utc(london.instant("tomorrow 10:00")) == "2026-10-24 09:00");   // still BST
    CHECK(london("next mon 9am") == "2026-10-26 09:00");
    // 01:30 on the night happens twice: the first (BST).
    CHECK(utc(london.instant("sun 1:30am")) == "2026-10-25 00:30");
  }
  SECTION("Sydney springs forward on Sunday 4 October 2026") {
    const Typed sydney{date::locate_zone("Australia/Sydney"), local("Australia/Sydney", 2026, 10, 2, 9, 0)};
    CHECK(sydney("in 3 days 9am") == "2026-10-05 09:00");
    CHECK(utc(sydney.instant("in 3 days 9am")) == "2026-10-04 22:00");  // AEDT, UTC+11
    CHECK(utc(sydney.instant("tomorrow 9am")) == "2026-10-02 23:00");   // AEST, UTC+10
    // 02:30 does not exist that night: the first minute after the gap.
    CHECK(sydney("sun 2:30am") == "2026-10-04 03:00");
  }
  SECTION("counting back over London's spring change keeps the time too") {
    const Typed london{date::locate_zone("Europe/London"), local("Europe/London", 2026, 3, 31, 18, 0)};
    CHECK(london("3 days ago 18:00") == "2026-03-28 18:00");
    CHECK(utc(london.instant("3 days ago 18:00")) == "2026-03-28 18:00");  // GMT then
    CHECK(utc(london.instant("today 18:00")) == "2026-03-31 17:00");       // BST now
  }
}
