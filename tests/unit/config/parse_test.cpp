#include <catch2/catch.hpp>

#include "config/delivery_window.hpp"
#include "config/parse.hpp"

using namespace tend;
using namespace tend::config;
using namespace std::chrono;
using Catch::Contains;

namespace {

const date::time_zone* zone(const char* name) {
  return date::locate_zone(name);
}

Instant at(const char* zone_name, int y, int mo, int d, int h, int mi) {
  return local_to_instant(date::local_days{date::year{y} / mo / d} + hours{h} + minutes{mi}, zone(zone_name));
}

std::string shown(Instant t, const char* zone_name) {
  return format_local(t, zone(zone_name));
}

}  // namespace

TEST_CASE("durations as admins type them") {
  CHECK(parse_duration("90m") == minutes(90));
  CHECK(parse_duration(" 3D ") == days(3));
  CHECK(parse_duration("1w") == weeks(1));
  CHECK(parse_duration("1d12h") == hours(36));
  for (auto bad : {"", "0", "0d", "-1d", "3x", "d", "1.5h", "99999999999d", "11000d"})
    CHECK_THROWS_AS(parse_duration(bad), ParseError);
  CHECK_THROWS_WITH(parse_duration("soon"), Contains("like 90m, 3d or 1w"));
  CHECK(format_duration(minutes(90)) == "1h30m");
  CHECK(format_duration(days(3)) == "3d");
  CHECK(format_duration(weeks(2)) == "2w");
  CHECK(format_duration(days(10)) == "10d");
}

TEST_CASE("duration lists round-trip") {
  auto list = parse_duration_list("1d, 3d,7d");
  REQUIRE(list.size() == 3);
  CHECK(list[2] == days(7));
  CHECK_THROWS_AS(parse_duration_list("1d,,3d"), ParseError);
  CHECK_THROWS_AS(parse_duration_list(""), ParseError);
}

TEST_CASE("times of day, quiet hours and working days") {
  CHECK(parse_time_of_day("09:30") == hours(9) + minutes(30));
  CHECK(parse_time_of_day("9:05") == hours(9) + minutes(5));
  for (auto bad : {"24:00", "12:60", "noon", "12", "12:5", "-1:00"})
    CHECK_THROWS_AS(parse_time_of_day(bad), ParseError);
  auto q = parse_quiet_hours("20:00-08:00");
  REQUIRE(q);
  CHECK(q->start == hours(20));
  CHECK_FALSE(parse_quiet_hours("none"));
  CHECK_THROWS_AS(parse_quiet_hours("08:00-08:00"), ParseError);
  CHECK(parse_working_days("mon-fri").count() == 5);
  CHECK(parse_working_days("mon-sun").all());
  CHECK(format_working_days(parse_working_days("MON,wed,Friday")) == "mon,wed,fri");
  CHECK(format_working_days(parse_working_days("tue-thu")) == "tue-thu");
  CHECK(format_working_days(parse_working_days("mon,tue,thu-sat")) == "mon,tue,thu-sat");
  CHECK_THROWS_AS(parse_working_days("weekdays"), ParseError);
}

TEST_CASE("zones are IANA names") {
  CHECK(parse_zone("America/New_York")->name() == "America/New_York");
  CHECK_THROWS_WITH(parse_zone("Mars/Olympus"), Contains("IANA time zone"));
  CHECK(parse_zone(" europe/london ")->name() == "Europe/London");
  CHECK(parse_zone("UTC")->name() == "UTC");
  CHECK(parse_zone("US/Eastern")->name() == "US/Eastern");
}

TEST_CASE("abbreviations, aliases and offsets are refused with the zones they may mean") {
  CHECK_THROWS_WITH(parse_zone("EST"), Contains("abbreviation") && Contains("America/New_York"));
  CHECK_THROWS_WITH(parse_zone("cst"), Contains("America/Chicago") && Contains("Asia/Shanghai"));
  CHECK_THROWS_WITH(parse_zone("GMT"), Contains("Europe/London") && Contains("UTC"));
  CHECK_THROWS_WITH(parse_zone("EST5EDT"), Contains("not the name of a place"));
  CHECK_THROWS_WITH(parse_zone("Japan"), Contains("old alias") && Contains("Asia/Kolkata"));
  CHECK_THROWS_WITH(parse_zone("+02:00"), Contains("offset"));
  CHECK_THROWS_WITH(parse_zone(""), Contains("Europe/London"));
}

TEST_CASE("dates and times as people type them, in their own zone") {
  // Tuesday 24 November 2026, 15:00 in London.
  const auto now = at("Europe/London", 2026, 11, 24, 15, 0);
  const auto* london = zone("Europe/London");
  auto when = [&](const char* text) { return parse_when_prefix(text, london, now); };
  CHECK(to_instant(when("now").when, london, now, hours(12)) == now);
  CHECK(shown(to_instant(when("tomorrow 14:00 talk").when, london, now, hours(12)), "Europe/London") ==
        "Wed 25 Nov 14:00");
  CHECK(when("tomorrow 14:00 funders' lunch").rest == "funders' lunch");
  CHECK(shown(to_instant(when("yesterday").when, london, now, hours(9)), "Europe/London") ==
        "Mon 23 Nov 09:00");
  // A weekday is the next one, today included.
  CHECK(shown(to_instant(when("tue 18:00").when, london, now, hours(12)), "Europe/London") ==
        "Tue 24 Nov 18:00");
  CHECK(shown(to_instant(when("mon").when, london, now, hours(12)), "Europe/London") == "Mon 30 Nov 12:00");
  CHECK(shown(to_instant(when("2026-12-03 09:15 panel").when, london, now, hours(12)), "Europe/London") ==
        "Thu 3 Dec 09:15");
  CHECK_THROWS_WITH(when("2026-02-30"), Contains("not a date"));
  CHECK_THROWS_AS(when("someday"), ParseError);
  CHECK_THROWS_AS(when("tomorrow 25:00"), ParseError);
}

TEST_CASE("a local time in the spring-forward gap moves after it; an ambiguous one takes the earlier") {
  const auto* london = zone("Europe/London");
  // 29 March 2026: 01:00 GMT jumps to 02:00 BST; 01:30 does not exist.
  const auto gap = local_to_instant(date::local_days{date::year{2026} / 3 / 29} + minutes(90), london);
  CHECK(shown(gap, "Europe/London") == "Sun 29 Mar 02:00");
  // 25 October 2026: 01:30 happens twice; the first is BST (00:30 UTC).
  const auto twice = local_to_instant(date::local_days{date::year{2026} / 10 / 25} + minutes(90), london);
  CHECK(date::format("%H:%M", twice) == "00:30");
}

TEST_CASE("the delivery window: quiet hours and working days in the recipient's zone") {
  const auto* london = zone("Europe/London");
  const auto quiet = parse_quiet_hours("20:00-08:00");
  const auto weekdays = parse_working_days("mon-fri");
  SECTION("inside working hours nothing moves") {
    const auto t = at("Europe/London", 2026, 11, 24, 15, 0);
    CHECK(next_allowed(t, london, quiet, weekdays) == t);
  }
  SECTION("an evening message waits for the morning") {
    CHECK(shown(next_allowed(at("Europe/London", 2026, 11, 24, 21, 30), london, quiet, weekdays),
                "Europe/London") == "Wed 25 Nov 08:00");
  }
  SECTION("Friday evening waits for Monday morning") {
    CHECK(shown(next_allowed(at("Europe/London", 2026, 11, 27, 22, 0), london, quiet, weekdays),
                "Europe/London") == "Mon 30 Nov 08:00");
  }
  SECTION("no quiet hours, every day: at once") {
    const auto t = at("Europe/London", 2026, 11, 28, 3, 0);
    CHECK(next_allowed(t, london, std::nullopt, parse_working_days("mon-sun")) == t);
  }
  SECTION("the recipient's own zone decides") {
    // 14:00 in London is 09:00 in New York: allowed there; 02:00 London is 21:00 New York: not.
    const auto* ny = zone("America/New_York");
    const auto afternoon = at("Europe/London", 2026, 11, 24, 14, 0);
    CHECK(next_allowed(afternoon, ny, quiet, weekdays) == afternoon);
    CHECK(shown(next_allowed(at("Europe/London", 2026, 11, 25, 2, 0), ny, quiet, weekdays),
                "America/New_York") == "Wed 25 Nov 08:00");
  }
}

TEST_CASE("the delivery window is right across DST, both zones, both directions") {
  const auto quiet = parse_quiet_hours("20:00-08:00");
  const auto every_day = parse_working_days("mon-sun");
  // Spring forward: London 29 March 2026, New York 8 March 2026. Quiet hours end at 08:00 local,
  // which is 07:00 UTC in London after the change and 12:00 UTC in New York.
  auto london_spring =
      next_allowed(at("Europe/London", 2026, 3, 28, 23, 0), zone("Europe/London"), quiet, every_day);
  CHECK(date::format("%F %H:%M", london_spring) == "2026-03-29 07:00");
  auto ny_spring =
      next_allowed(at("America/New_York", 2026, 3, 7, 23, 0), zone("America/New_York"), quiet, every_day);
  CHECK(date::format("%F %H:%M", ny_spring) == "2026-03-08 12:00");
  // Fall back: London 25 October 2026 (08:00 GMT = 08:00 UTC), New York 1 November 2026 (13:00 UTC).
  auto london_fall =
      next_allowed(at("Europe/London", 2026, 10, 24, 23, 0), zone("Europe/London"), quiet, every_day);
  CHECK(date::format("%F %H:%M", london_fall) == "2026-10-25 08:00");
  auto ny_fall =
      next_allowed(at("America/New_York", 2026, 10, 31, 23, 0), zone("America/New_York"), quiet, every_day);
  CHECK(date::format("%F %H:%M", ny_fall) == "2026-11-01 13:00");
}

TEST_CASE("the next local time of day across DST") {
  const auto* ny = zone("America/New_York");
  // Daily at 10:00 New York time over the spring-forward night: 15:00 UTC, then 14:00 UTC.
  auto first = next_local_time(at("America/New_York", 2026, 3, 7, 9, 0), ny, hours(10));
  auto second = next_local_time(first, ny, hours(10));
  CHECK(date::format("%F %H:%M", first) == "2026-03-07 15:00");
  CHECK(date::format("%F %H:%M", second) == "2026-03-08 14:00");
  // 02:30 does not exist on 8 March: the first minute after the gap.
  auto gap = next_local_time(at("America/New_York", 2026, 3, 8, 0, 0), ny, hours(2) + minutes(30));
  CHECK(shown(gap, "America/New_York") == "Sun 8 Mar 03:00");
}
