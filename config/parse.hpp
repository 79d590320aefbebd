#pragma once
// Parsers of what people and admins type: durations, times of day, quiet hours, working days,
// zones and dates. Each throws ParseError with a sentence saying what was expected.
#include <date/tz.h>

#include <bitset>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"

namespace tend::config {

struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "90m", "3d", "1w", "1d12h": units s m h d w; positive; at most ten years.
std::chrono::seconds parse_duration(std::string_view text);
// "1d,3d,7d": one to twenty durations.
std::vector<std::chrono::seconds> parse_duration_list(std::string_view text);
// The canonical form: 5400s -> "1h30m", 259200s -> "3d".
std::string format_duration(std::chrono::seconds d);

// "HH:MM" or "H:MM", 00:00-23:59, as minutes after midnight.
std::chrono::minutes parse_time_of_day(std::string_view text);
std::string format_time_of_day(std::chrono::minutes t);

struct QuietHours {
  std::chrono::minutes start, end;  // local; the window [start, end) may wrap midnight
};
// "20:00-08:00", or "none" (no quiet hours: nullopt).
std::optional<QuietHours> parse_quiet_hours(std::string_view text);

// Indexed by date::weekday::c_encoding(): 0 = Sunday.
using WorkingDays = std::bitset<7>;
// "mon-fri", "mon-sun", "tue-thu", "mon,wed,fri"; three-letter or full names.
WorkingDays parse_working_days(std::string_view text);
std::string format_working_days(WorkingDays days);

// An IANA zone name: "Europe/London".
const date::time_zone* parse_zone(std::string_view text);

// When people type `<when>` or `<date>`, in their own zone:
//   now, today, yesterday, tomorrow;
//   a weekday: `tue` is the next one (today included), `next tue` the first after today,
//   `last tue` the latest before today, `this tue` the same as `tue`;
//   `in 3 days`, `in 2 weeks`, `in a week`; `3 days ago`, `2 weeks ago`, `a week ago`;
//   `3 Dec`, `3rd December`, `Dec 3`, `December 3`, each with an optional year (`3 Dec 2026`);
//   `2026-12-03`;
//   or only a time, which means today;
// each optionally followed by a time: `14:00`, `9:30`, `15.30`, `3pm`, `3:30pm`, `3 pm`, `noon`,
// `midnight`, optionally after `at`. Numeric dates such as 3/12 are refused as ambiguous.
// A day counted in days or weeks keeps the local time as typed across a DST change.
struct When {
  date::local_days day;
  std::optional<std::chrono::minutes> time;
  bool is_now = false;
};
struct WhenPrefix {
  When when;
  std::string_view rest;  // what followed the date and time, trimmed
};
// Which year a date typed without one (`3 Dec`) falls in: the next such day, today included (for
// what can only lie ahead: a break's end, a supervision slot), or the nearest, looking back or
// ahead (for what may have happened or be planned: a story).
enum class YearlessDate { next, nearest };
WhenPrefix parse_when_prefix(std::string_view text, const date::time_zone* zone, Instant now,
                             YearlessDate yearless = YearlessDate::next);
// A local time that does not exist (the spring-forward gap) moves to the first minute after it;
// an ambiguous one (fall-back) takes the earlier.
Instant to_instant(const When& when, const date::time_zone* zone, Instant now,
                   std::chrono::minutes default_time);
Instant local_to_instant(date::local_seconds local, const date::time_zone* zone);

// "Tue 24 Nov 14:00" and "Tue 24 Nov 2026" in the zone.
std::string format_local(Instant t, const date::time_zone* zone);
std::string format_local_date(Instant t, const date::time_zone* zone);

}  // namespace tend::config
