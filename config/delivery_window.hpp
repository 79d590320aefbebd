#pragma once
// The recipient's own time: Tend never sends inside their quiet hours or off their working days,
// reckoned in their IANA zone, so daylight-saving changes fall where they should.
#include <optional>

#include "config/parse.hpp"

namespace tend::config {

// The earliest instant >= t (to the minute) on one of the recipient's working days and outside
// their quiet hours.
Instant next_allowed(Instant t, const date::time_zone* zone, std::optional<QuietHours> quiet,
                     WorkingDays days);

// The next instant strictly after `after` at which the local clock shows `time_of_day` (a time in
// the spring-forward gap moves to the first minute after the gap; an ambiguous one takes the
// earlier).
Instant next_local_time(Instant after, const date::time_zone* zone, std::chrono::minutes time_of_day);

// t + offset, where whole days are calendar days in the zone: "3 days after 16:00" is 16:00
// three days later, even across a daylight-saving change. Other offsets are exact durations.
Instant add_local(Instant t, std::chrono::seconds offset, const date::time_zone* zone);

}  // namespace tend::config
