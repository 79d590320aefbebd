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

namespace {

// What people type instead of a zone name, and the zones they most likely mean. An abbreviation
// names no place: EST is UTC-5 all year (never New York's summer time), CST is Chicago or Shanghai.
struct Abbreviation {
  std::string_view name;
  std::string_view zones;
};
constexpr Abbreviation kAbbreviations[] = {
    {"est", "America/New_York, America/Toronto"},
    {"edt", "America/New_York, America/Toronto"},
    {"et", "America/New_York, America/Toronto"},
    {"cst", "America/Chicago, America/Mexico_City or Asia/Shanghai"},
    {"cdt", "America/Chicago, America/Winnipeg"},
    {"ct", "America/Chicago, America/Winnipeg"},
    {"mst", "America/Denver, America/Edmonton or America/Phoenix (no summer time)"},
    {"mdt", "America/Denver, America/Edmonton"},
    {"mt", "America/Denver, America/Edmonton"},
    {"pst", "America/Los_Angeles, America/Vancouver"},
    {"pdt", "America/Los_Angeles, America/Vancouver"},
    {"pt", "America/Los_Angeles, America/Vancouver"},
    {"akst", "America/Anchorage"},
    {"hst", "Pacific/Honolulu"},
    {"ast", "America/Halifax or America/Puerto_Rico"},
    {"nst", "America/St_Johns"},
    {"gmt", "Europe/London (with British summer time) or UTC"},
    {"bst", "Europe/London"},
    {"uk", "Europe/London"},
    {"ist", "Europe/Dublin or Asia/Kolkata"},
    {"wet", "Europe/Lisbon"},
    {"cet", "Europe/Paris, Europe/Berlin, Europe/Amsterdam"},
    {"cest", "Europe/Paris, Europe/Berlin, Europe/Amsterdam"},
    {"eet", "Europe/Athens, Europe/Helsinki, Europe/Kyiv"},
    {"msk", "Europe/Moscow"},
    {"sast", "Africa/Johannesburg"},
    {"wat", "Africa/Lagos"},
    {"eat", "Africa/Nairobi"},
    {"jst", "Asia/Tokyo"},
    {"kst", "Asia/Seoul"},
    {"hkt", "Asia/Hong_Kong"},
    {"sgt", "Asia/Singapore"},
    {"aest", "Australia/Sydney, Australia/Melbourne or Australia/Brisbane"},
    {"aedt", "Australia/Sydney, Australia/Melbourne"},
    {"acst", "Australia/Adelaide or Australia/Darwin"},
    {"awst", "Australia/Perth"},
    {"nzst", "Pacific/Auckland"},
    {"nzdt", "Pacific/Auckland"},
    {"brt", "America/Sao_Paulo"},
};
constexpr std::string_view kExampleZones =
    "Europe/London, Europe/Paris, America/New_York, America/Chicago, America/Denver, America/Los_Angeles, "
    "Asia/Kolkata, Australia/Sydney";

// The tz database's own spelling of `name`, matched without regard to case, or empty.
std::string canonical_zone_name(const std::string& name) {
  const auto wanted = lower(name);
  for (const auto& zone : date::get_tzdb().zones)
    if (lower(zone.name()) == wanted) return std::string(zone.name());
  return {};
}

}  // namespace

const date::time_zone* parse_zone(std::string_view text) {
  const auto typed = std::string(trim(text));
  const auto refuse = [&](const std::string& why) -> ParseError {
    return ParseError("\"" + typed + "\" " + why + ". Use the name of a place, an IANA time zone like " +
                      std::string(kExampleZones) +
                      " (the full list: en.wikipedia.org/wiki/List_of_tz_database_time_zones)");
  };
  if (typed.empty()) throw refuse("is empty");
  const auto name = canonical_zone_name(typed);
  const auto lowered = lower(typed);
  for (const auto& abbreviation : kAbbreviations)
    if (lowered == abbreviation.name)
      throw ParseError(
          "\"" + typed +
          "\" is an abbreviation, and it names no place (summer time differs from place to place). "
          "Did you mean " +
          std::string(abbreviation.zones) + "? Give the IANA name of the place, like " +
          std::string(abbreviation.zones.substr(0, abbreviation.zones.find_first_of(", "))) + ".");
  // Names without an area are abbreviations or old aliases ("EST5EDT", "Japan"), except UTC.
  if (!name.empty() && (name.find('/') != std::string::npos || name == "UTC")) return date::locate_zone(name);
  if (!name.empty()) throw refuse("is an abbreviation or an old alias, not the name of a place");
  if (typed.find_first_of("+-") != std::string::npos && typed.find('/') == std::string::npos)
    throw refuse("is an offset from UTC, which changes with summer time where people live");
  throw refuse("is not a time zone Tend knows");
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

namespace {

constexpr const char* kWhenExpected =
    "I read dates like today, tomorrow, yesterday, fri, next fri, last tue, in 3 days, 3 days ago, "
    "3 Dec, Dec 3 or 2026-12-03, each with an optional time like 14:00, 3pm, 3:30pm or 15.30 "
    "(for example: next fri 3pm)";

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kLongMonths = {"january",   "february", "march",    "april",
                                                          "may",       "june",     "july",     "august",
                                                          "september", "october",  "november", "december"};
constexpr int kLongestRelativeDays = 3653;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::optional<unsigned> month_index(std::string_view word) {
  auto w = lower(word);
  if (!w.empty() && (w.back() == '.' || w.back() == ',')) w.pop_back();
  if (w == "sept") return 9;
  for (unsigned i = 0; i < 12; ++i)
    if (w == kMonths[i] || w == kLongMonths[i]) return i + 1;
  return std::nullopt;
}

// "3", "3rd", "21st", "3,": a day of the month, 1-31.
std::optional<unsigned> day_of_month(std::string_view word) {
  auto w = lower(word);
  if (!w.empty() && w.back() == ',') w.pop_back();
  if (w.size() > 2 && (w.ends_with("st") || w.ends_with("nd") || w.ends_with("rd") || w.ends_with("th")))
    w.resize(w.size() - 2);
  if (!all_digits(w) || w.size() > 2) return std::nullopt;
  const auto d = parse_int(w);
  if (!d || *d < 1 || *d > 31) return std::nullopt;
  return static_cast<unsigned>(*d);
}

std::optional<int> year_of(std::string_view word) {
  if (word.size() != 4 || !all_digits(word)) return std::nullopt;
  return parse_int(word);
}

// The words of the text, each a view into it, and how far they have been read.
class Words {
 public:
  explicit Words(std::string_view text) : text_(text), words_(words(text)) {}
  bool done() const { return next_ >= words_.size(); }
  std::string_view peek(std::size_t ahead = 0) const {
    return next_ + ahead < words_.size() ? words_[next_ + ahead] : std::string_view{};
  }
  std::string lower_peek(std::size_t ahead = 0) const { return lower(peek(ahead)); }
  void take(std::size_t n = 1) { next_ += n; }
  std::string_view rest() const {
    if (done()) return {};
    return trim(text_.substr(static_cast<std::size_t>(words_[next_].data() - text_.data())));
  }

 private:
  std::string_view text_;
  std::vector<std::string_view> words_;
  std::size_t next_ = 0;
};

// A time of day at the front of `w`, taken when there is one: "14:00", "9:30", "15.30", "3pm",
// "3:30pm", "3 pm", "noon", "midnight". Something that looks like a time but is none ("25:00",
// "13pm") is refused rather than left as text.
std::optional<minutes> take_time(Words& w) {
  const auto word = w.lower_peek();
  if (word == "noon") {
    w.take();
    return hours(12);
  }
  if (word == "midnight") {
    w.take();
    return minutes(0);
  }
  std::string_view t = word;
  std::optional<bool> pm;
  std::size_t used = 1;
  if (t.ends_with("am") || t.ends_with("pm")) {
    pm = t.ends_with("pm");
    t.remove_suffix(2);
  } else if (const auto next = w.lower_peek(1); all_digits(t) && (next == "am" || next == "pm")) {
    pm = next == "pm";
    used = 2;
  }
  const auto sep = t.find_first_of(":.");
  const auto hour_text = t.substr(0, sep);
  const auto minute_text = sep == std::string_view::npos ? std::string_view{} : t.substr(sep + 1);
  if (!all_digits(hour_text) || hour_text.size() > 2) return std::nullopt;
  if (sep == std::string_view::npos) {
    if (!pm) return std::nullopt;  // a bare number is text ("3 talks"), not a time
  } else if (!all_digits(minute_text) || minute_text.size() != 2) {
    if (t[sep] == '.' && !pm) return std::nullopt;  // "2.5 hours" is text
    throw ParseError(std::string(w.peek()) + " is not a time of day; " + kWhenExpected);
  }
  const int h = *parse_int(hour_text);
  const int m = minute_text.empty() ? 0 : *parse_int(minute_text);
  const bool valid = pm ? (h >= 1 && h <= 12) : (h <= 23);
  if (!valid || m > 59) throw ParseError(std::string(w.peek()) + " is not a time of day; " + kWhenExpected);
  w.take(used);
  if (!pm) return hours(h) + minutes(m);
  return hours(h % 12 + (*pm ? 12 : 0)) + minutes(m);
}

// "3", "a", "an": how many days or weeks, with the unit's length in days.
std::optional<int> count_of(std::string_view word) {
  const auto w = lower(word);
  if (w == "a" || w == "an") return 1;
  if (!all_digits(w) || w.size() > 4) return std::nullopt;
  return parse_int(w);
}

std::optional<int> days_per(std::string_view unit) {
  const auto u = lower(unit);
  if (u == "day" || u == "days") return 1;
  if (u == "week" || u == "weeks") return 7;
  return std::nullopt;
}

date::local_days shifted(date::local_days today, int count, int unit_days, int sign) {
  const long long total = static_cast<long long>(count) * unit_days;
  if (total > kLongestRelativeDays)
    throw ParseError("that is more than ten years away; " + std::string(kWhenExpected));
  return today + date::days{sign * total};
}

date::local_days on_calendar(int y, unsigned m, unsigned d, std::string_view typed) {
  // Tend keeps no history from before it existed, nor plans for after its users.
  if (y < 2000 || y > 2100) throw ParseError(std::string(typed) + " is not a year from 2000 to 2100");
  const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) throw ParseError(std::string(typed) + " is not a date on the calendar");
  return date::local_days{ymd};
}

// A day and month without a year, as `yearless` reads it.
date::local_days without_year(unsigned m, unsigned d, date::local_days today, YearlessDate yearless,
                              std::string_view typed) {
  const int this_year = static_cast<int>(date::year_month_day{today}.year());
  std::optional<date::local_days> best;
  // 29 Feb may be years away; every other day is in this year or the next or the last.
  for (int y = this_year - 4; y <= this_year + 4; ++y) {
    const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
    if (!ymd.ok()) continue;
    const date::local_days day{ymd};
    if (yearless == YearlessDate::next) {
      if (day >= today && (!best || day < *best)) best = day;
    } else if (!best || std::chrono::abs(day - today) < std::chrono::abs(*best - today)) {
      best = day;
    }
  }
  if (!best) throw ParseError(std::string(typed) + " is not a date on the calendar");
  return *best;
}

}  // namespace

WhenPrefix parse_when_prefix(std::string_view text, const date::time_zone* zone, Instant now,
                             YearlessDate yearless) {
  Words w(trim(text));
  const auto today = date::floor<date::days>(zone->to_local(now));
  When when{today, std::nullopt, false};
  const auto first = w.lower_peek();
  const auto typed = std::string(w.peek());
  if (first.empty()) throw ParseError(kWhenExpected);
  if (first == "now") {
    w.take();
    when.is_now = true;
    return {when, w.rest()};
  }
  if (first == "today") {
    w.take();
  } else if (first == "tomorrow") {
    w.take();
    when.day = today + date::days{1};
  } else if (first == "yesterday") {
    w.take();
    when.day = today - date::days{1};
  } else if ((first == "next" || first == "last" || first == "this") && weekday_index(w.peek(1))) {
    const unsigned wanted = *weekday_index(w.peek(1));
    const unsigned current = date::weekday{today}.c_encoding();
    const unsigned ahead = (wanted + 7 - current) % 7;
    if (first == "next")
      when.day = today + date::days{ahead == 0 ? 7 : ahead};
    else if (first == "last")
      when.day = today - date::days{(current + 7 - wanted) % 7 == 0 ? 7 : (current + 7 - wanted) % 7};
    else
      when.day = today + date::days{ahead};
    w.take(2);
  } else if (first == "next" || first == "last" || first == "this") {
    throw ParseError("\"" + typed + " " + std::string(w.peek(1)) + "\" is not a day I can read; " +
                     kWhenExpected);
  } else if (auto wd = weekday_index(first)) {
    w.take();
    const unsigned current = date::weekday{today}.c_encoding();
    when.day = today + date::days{(*wd + 7 - current) % 7};
  } else if (first == "in" && count_of(w.peek(1)) && days_per(w.peek(2))) {
    when.day = shifted(today, *count_of(w.peek(1)), *days_per(w.peek(2)), +1);
    w.take(3);
  } else if (count_of(first) && days_per(w.peek(1)) && w.lower_peek(2) == "ago") {
    when.day = shifted(today, *count_of(first), *days_per(w.peek(1)), -1);
    w.take(3);
  } else if (first.size() == 10 && first[4] == '-' && first[7] == '-') {
    auto y = parse_int(std::string_view(first).substr(0, 4));
    auto m = parse_int(std::string_view(first).substr(5, 2));
    auto d = parse_int(std::string_view(first).substr(8, 2));
    if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31)
      throw ParseError(first + " is not a date on the calendar");
    when.day = on_calendar(*y, static_cast<unsigned>(*m), static_cast<unsigned>(*d), first);
    w.take();
  } else if (auto d = day_of_month(first); d && month_index(w.peek(1))) {
    const auto m = *month_index(w.peek(1));
    const auto shown = typed + " " + std::string(w.peek(1));
    if (auto y = year_of(w.peek(2))) {
      when.day = on_calendar(*y, m, *d, shown + " " + std::string(w.peek(2)));
      w.take(3);
    } else {
      when.day = without_year(m, *d, today, yearless, shown);
      w.take(2);
    }
  } else if (auto m = month_index(first); m && day_of_month(w.peek(1))) {
    const auto d = *day_of_month(w.peek(1));
    const auto shown = typed + " " + std::string(w.peek(1));
    if (auto y = year_of(w.peek(2))) {
      when.day = on_calendar(*y, *m, d, shown + " " + std::string(w.peek(2)));
      w.take(3);
    } else {
      when.day = without_year(*m, d, today, yearless, shown);
      w.take(2);
    }
  } else if (first.find('/') != std::string::npos &&
             std::isdigit(static_cast<unsigned char>(first.front()))) {
    throw ParseError(typed + " could be read two ways (3/12 is 3 December in Britain, March 12 in the US); " +
                     "write the month as a word, like 3 Dec or Dec 3, or as 2026-12-03");
  } else if (auto t = take_time(w)) {
    // Only a time: today.
    when.time = t;
    return {when, w.rest()};
  } else {
    throw ParseError(kWhenExpected);
  }
  // An optional time right after the day, perhaps after "at".
  if (w.lower_peek() == "at") {
    Words after = w;
    after.take();
    if (auto t = take_time(after)) {
      when.time = t;
      return {when, after.rest()};
    }
    return {when, w.rest()};
  }
  when.time = take_time(w);
  return {when, w.rest()};
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
