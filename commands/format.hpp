#pragma once
// How times, scores and trends are shown to people.
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"

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
// One bar per score, oldest first: ▁▂▄▆█ for 1..5, · for a check-in without a score.
std::string sparkline(const std::vector<std::optional<int>>& scores_oldest_first);
std::string score_text(const std::optional<int>& score);

}  // namespace tend::commands
