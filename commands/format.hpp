#pragma once
// How times, scores and trends are shown to people.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "base/message.hpp"

namespace date {
class time_zone;
}

namespace tend::commands {

// "a moment", "3 hours", "2 days"
std::string elapsed(Instant then, Instant now);
// "24 hours", "1 hour", "3 days", "30 minutes": a duration as people say it.
std::string spoken(std::chrono::seconds d);
// "just now", "3 hours ago", "2 days ago"
std::string ago(Instant then, Instant now);
// Stands in a message's text for the moment it speaks of. The outbox sender puts the moment in
// when the message goes, so the words are true at delivery, however late that is.
inline constexpr std::string_view kMomentMark = "\x1fmoment\x1f";
// "just now" within a few minutes; later "on Sat 28 Nov 22:29, 34 hours ago" in the reader's zone.
std::string moment_text(Instant then, Instant now, const date::time_zone* zone);
// The text with its moment mark (if any) replaced.
std::string with_moment(std::string text, Instant then, Instant now, const date::time_zone* zone);

// One bar per score, oldest first: ▁▂▄▆█ for 1..5, · for a check-in without a score.
std::string sparkline(const std::vector<std::optional<int>>& scores_oldest_first);
std::string score_text(const std::optional<int>& score);
// Five buttons, 1 to 5, the ends named: "1 · struggling" … "5 · great"; each presses `action_id`
// with its number.
std::vector<Button> score_buttons(std::string_view action_id, std::string_view one, std::string_view five);

}  // namespace tend::commands
