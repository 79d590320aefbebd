#include "config/delivery_window.hpp"

namespace tend::config {
namespace {

using namespace std::chrono;

bool in_quiet(minutes time_of_day, const QuietHours& q) {
  if (q.start < q.end) return time_of_day >= q.start && time_of_day < q.end;
  return time_of_day >= q.start || time_of_day < q.end;  // wraps midnight
}

}  // namespace

Instant next_allowed(Instant t, const date::time_zone* zone, std::optional<QuietHours> quiet,
                     WorkingDays days) {
  if (days.none()) return t;
  Instant candidate = t;
  // Each step jumps to a boundary (end of quiet hours, start of the next day), so this ends
  // within a couple of weeks of candidates, never minute by minute.
  for (int step = 0; step < 64; ++step) {
    const auto local = zone->to_local(candidate);
    const auto day = date::floor<date::days>(local);
    const auto tod = floor<minutes>(local - day);
    if (!days.test(date::weekday{day}.c_encoding())) {
      candidate = local_to_instant(date::local_seconds{day + date::days{1}}, zone);
      continue;
    }
    if (quiet && in_quiet(tod, *quiet)) {
      // The end of this quiet window, today or tomorrow morning when it wraps midnight.
      auto end_day = day;
      if (quiet->start > quiet->end && tod >= quiet->start) end_day += date::days{1};
      const auto end = local_to_instant(date::local_seconds{end_day} + quiet->end, zone);
      candidate = end > candidate ? end : candidate + minutes(1);
      continue;
    }
    return candidate;
  }
  return candidate;
}

Instant add_local(Instant t, seconds offset, const date::time_zone* zone) {
  if (offset % days(1) != seconds(0)) return t + offset;
  return local_to_instant(zone->to_local(t) + offset, zone);
}

Instant next_local_time(Instant after, const date::time_zone* zone, minutes time_of_day) {
  const auto today = date::floor<date::days>(zone->to_local(after));
  for (int d = 0; d < 3; ++d) {
    const auto at = local_to_instant(date::local_seconds{today + date::days{d}} + time_of_day, zone);
    if (at > after) return at;
  }
  return local_to_instant(date::local_seconds{today + date::days{3}} + time_of_day, zone);
}

}  // namespace tend::config
