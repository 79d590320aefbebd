#include "config/parse.hpp"

#include "base/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace tend::config {
namespace {

using namespace std::chrono;

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

constexpr std::array<std::string_view, 7> kShortDays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};

std::optional<unsigned> weekday_index(std::string_view word) {
  const auto w = lower(word);
  for (unsigned i = 0; i < 7; ++i)
    if (w == kShortDays[i] || w == kLongDays[i]) return i;
  return std::nullopt;
}

constexpr const char* kDurationExpected = "expected a duration like 90m, 3d or 1w (units s m h d w)";
constexpr seconds kLongestDuration = days(3653);

}  // namespace

seconds parse_duration(std::string_view text) {
  const auto t = lower(trim(text));
  if (t.empty()) throw ParseError(kDurationExpected);
  seconds total{0};
  std::size_t i = 0;
  while (i < t.size()) {
    std::size_t j = i;
    while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
    if (j == i || j == t.size() || j - i > 9) throw ParseError(kDurationExpected);
    const long long n = std::stoll(t.substr(i, j - i));
    seconds unit;
    switch (t[j]) {
      case 's':
        unit = seconds(1);
        break;
      case 'm':
        unit = minutes(1);
        break;
      case 'h':
        unit = hours(1);
        break;
      case 'd':
        unit = days(1);
        break;
      case 'w':
        unit = weeks(1);
        break;
      default:
        throw ParseError(kDurationExpected);
    }
    if (n > kLongestDuration / unit) throw ParseError("expected a duration of at most ten years");
    total += n * unit;
    if (total > kLongestDuration) throw ParseError("expected a duration of at most ten years");
    i = j + 1;
  }
  if (total <= seconds(0)) throw ParseError("expected a duration longer than zero, like 90m, 3d or 1w");
  return total;
}

std::vector<seconds> parse_duration_list(std::string_view text) {
  std::vector<seconds> out;
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    const auto item = trim(rest.substr(0, comma));
    try {
      out.push_back(parse_duration(item));
    } catch (const ParseError&) {
      throw ParseError("expected a comma-separated list of durations like 1d,3d,7d");
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (out.size() > 20) throw ParseError("expected at most 20 durations");
  return out;
}

std::string format_duration(seconds d) {
  if (d <= seconds(0)) return "0s";
  std::string out;
  auto take = [&](seconds unit, char suffix) {
    if (d >= unit) {
      out += std::to_string(d / unit) + suffix;
      d %= unit;
    }
  };
  // Whole weeks read as weeks only when nothing smaller follows ("2w", but "10d" not "1w3d").
  if (d % weeks(1) == seconds(0)) take(weeks(1), 'w');
  take(days(1), 'd');
  take(hours(1), 'h');
  take(minutes(1), 'm');
  take(seconds(1), 's');
  return out;
}

minutes parse_time_of_day(std::string_view text) {
  const auto t = trim(text);
  const auto colon = t.find(':');
  const char* expected = "expected a time of day HH:MM like 09:30";
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || t.size() - colon - 1 != 2)
    throw ParseError(expected);
  auto h = parse_int(t.substr(0, colon));
  auto m = parse_int(t.substr(colon + 1));
  if (!h || !m || *h < 0 || *h > 23 || *m < 0 || *m > 59) throw ParseError(expected);
  return hours(*h) + minutes(*m);
}

std::string format_time_of_day(minutes t) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(t.count() / 60),
                static_cast<int>(t.count() % 60));
  return buf;
}

std::optional<QuietHours> parse_quiet_hours(std::string_view text) {
  const auto t = trim(text);
  if (lower(t) == "none") return std::nullopt;
  const char* expected = "expected quiet hours HH:MM-HH:MM like 20:00-08:00, or none";
  const auto dash = t.find('-');
  if (dash == std::string_view::npos) throw ParseError(expected);
  try {
    QuietHours q{parse_time_of_day(t.substr(0, dash)), parse_time_of_day(t.substr(dash + 1))};
    if (q.start == q.end) throw ParseError(expected);
    return q;
  } catch (const ParseError&) {
    throw ParseError(expected);
  }
}

WorkingDays parse_working_days(std::string_view text) {
  const char* expected = "expected working days like mon-fri, mon-sun or mon,wed,fri";
  WorkingDays days;
  std::string_view rest = trim(text);
  if (rest.empty()) throw ParseError(expected);
  while (true) {
    const auto comma = rest.find(',');
    const auto item = trim(rest.substr(0, comma));
    const auto dash = item.find('-');
    if (dash == std::string_view::npos) {
      auto d = weekday_index(item);
      if (!d) throw ParseError(expected);
      days.set(*d);
    } else {
      auto from = weekday_index(trim(item.substr(0, dash)));
      auto to = weekday_index(trim(item.substr(dash + 1)));
      if (!from || !to) throw ParseError(expected);
      // Ranges run Monday-first, as people say them: fri-mon is Friday to Monday.
      for (unsigned d = *from;; d = (d + 1) % 7) {
        days.set(d);
        if (d == *to) break;
      }
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (days.none()) throw ParseError(expected);
  return days;
}

std::string format_working_days(WorkingDays days) {
  if (days.all()) return "mon-sun";
  // Monday-first order; contiguous runs become ranges.
  static constexpr unsigned order[] = {1, 2, 3, 4, 5, 6, 0};
  std::string out;
  for (unsigned i = 0; i < 7;) {
    if (!days.test(order[i])) {
      ++i;
      continue;
    }
    unsigned j = i;
    while (j + 1 < 7 && days.test(order[j + 1])) ++j;
    if (!out.empty()) out += ",";
    out += kShortDays[order[i]];
    if (j > i + 1)
      out += "-" + std::string(kShortDays[order[j]]);
    else if (j == i + 1)
      out += "," + std::string(kShortDays[order[j]]);
    i = j + 1;
  }
  return out;
}

const date::time_zone* parse_zone(std::string_view text) {
  const auto t = std::string(trim(text));
  try {
    if (t.empty()) throw std::runtime_error("empty");
    return date::locate_zone(t);
  } catch (const std::exception&) {
    throw ParseError("expected an IANA time zone like Europe/London");
  }
}

Instant local_to_instant(date::local_seconds local, const date::time_zone* zone) {
  const auto info = zone->get_info(local);
  const auto with_first_offset = Instant{local.time_since_epoch() - info.first.offset};
  switch (info.result) {
    case date::local_info::unique:
      return with_first_offset;
    case date::local_info::ambiguous:
      return with_first_offset;  // the earlier instant
    case date::local_info::nonexistent:
      // The gap's end: the first moment that exists after the requested local time.
      return date::floor<seconds>(info.second.begin);
  }
  return with_first_offset;
}

WhenPrefix parse_when_prefix(std::string_view text, const date::time_zone* zone, Instant now) {
  const char* expected =
      "expected now, today, yesterday, tomorrow, a weekday or a date YYYY-MM-DD, optionally with HH:MM";
  auto t = trim(text);
  const auto end = t.find_first_of(" \t\n");
  const auto word = lower(t.substr(0, end));
  auto rest = end == std::string_view::npos ? std::string_view{} : trim(t.substr(end));
  const auto today = date::floor<date::days>(zone->to_local(now));
  When when{today, std::nullopt, false};
  if (word == "now") {
    when.is_now = true;
    return {when, rest};
  } else if (word == "today") {
  } else if (word == "yesterday") {
    when.day = today - date::days{1};
  } else if (word == "tomorrow") {
    when.day = today + date::days{1};
  } else if (auto wd = weekday_index(word)) {
    const auto current = date::weekday{today}.c_encoding();
    when.day = today + date::days{(*wd + 7 - current) % 7};
  } else if (word.size() == 10 && word[4] == '-' && word[7] == '-') {
    auto y = parse_int(std::string_view(word).substr(0, 4));
    auto m = parse_int(std::string_view(word).substr(5, 2));
    auto d = parse_int(std::string_view(word).substr(8, 2));
    if (!y || !m || !d) throw ParseError(expected);
    const date::year_month_day ymd{date::year{*y}, date::month{static_cast<unsigned>(*m)},
                                   date::day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) throw ParseError(word + " is not a date on the calendar");
    when.day = date::local_days{ymd};
  } else {
    throw ParseError(expected);
  }
  // An optional HH:MM right after the day.
  const auto next_end = rest.find_first_of(" \t\n");
  const auto next = rest.substr(0, next_end);
  if (!next.empty() && next.find(':') != std::string_view::npos &&
      std::isdigit(static_cast<unsigned char>(next.front()))) {
    when.time = parse_time_of_day(next);
    rest = next_end == std::string_view::npos ? std::string_view{} : trim(rest.substr(next_end));
  }
  return {when, rest};
}

Instant to_instant(const When& when, const date::time_zone* zone, Instant now, minutes default_time) {
  if (when.is_now) return now;
  return local_to_instant(date::local_seconds{when.day} + when.time.value_or(default_time), zone);
}

std::string format_local(Instant t, const date::time_zone* zone) {
  const auto local = zone->to_local(t);
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const auto tod = date::make_time(local - day);
  char buf[32];
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr const char* names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  std::snprintf(buf, sizeof buf, "%s %u %s %02d:%02d", names[date::weekday{day}.c_encoding()],
                static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()));
  return buf;
}

std::string format_local_date(Instant t, const date::time_zone* zone) {
  const auto day = date::floor<date::days>(zone->to_local(t));
  const date::year_month_day ymd{day};
  return format_local(t, zone).substr(0, format_local(t, zone).size() - 6) + " " +
         std::to_string(static_cast<int>(ymd.year()));
}

}  // namespace tend::config
