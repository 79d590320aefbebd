#include "commands/format.hpp"

#include "config/delivery_policy.hpp"

namespace tend::commands {

std::string elapsed(Instant then, Instant now) {
  using namespace std::chrono;
  const auto d = now - then;
  auto plural = [](long n, const char* unit) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s"); };
  if (d < minutes(2)) return "a moment";
  if (d < hours(2)) return plural(duration_cast<minutes>(d).count(), "minute");
  if (d < hours(24)) return plural(duration_cast<hours>(d).count(), "hour");
  return plural(duration_cast<days>(d).count(), "day");
}

std::string spoken(std::chrono::seconds d) {
  using namespace std::chrono;
  auto plural = [](long n, const char* unit) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s"); };
  if (d % days(1) == seconds(0) && d > hours(48)) return plural(d / days(1), "day");
  if (d % hours(1) == seconds(0)) return plural(d / hours(1), "hour");
  if (d % minutes(1) == seconds(0)) return plural(d / minutes(1), "minute");
  return plural(d.count(), "second");
}

std::string ago(Instant then, Instant now) {
  auto e = elapsed(then, now);
  return e == "a moment" ? "just now" : e + " ago";
}

std::string moment_text(Instant then, Instant now, const date::time_zone* zone) {
  using namespace std::chrono;
  const auto late = now - then;
  if (late < config::kStaleAfter) return "just now";
  // Hours up to two days read truer than "1 day" for something that happened last night.
  const auto hours_late = duration_cast<hours>(late).count();
  const auto how_long = late < hours(2)    ? std::to_string(duration_cast<minutes>(late).count()) + " minutes"
                        : late < hours(48) ? std::to_string(hours_late) + " hours"
                                           : std::to_string(duration_cast<days>(late).count()) + " days";
  return "on " + config::format_local(then, zone) + ", " + how_long + " ago";
}

std::string with_moment(std::string text, Instant then, Instant now, const date::time_zone* zone) {
  if (auto at = text.find(kMomentMark); at != std::string::npos)
    text.replace(at, kMomentMark.size(), moment_text(then, now, zone));
  return text;
}

std::string sparkline(const std::vector<std::optional<int>>& scores) {
  static const char* bars[] = {"▁", "▂", "▄", "▆", "█"};
  std::string out;
  for (const auto& s : scores) out += s && *s >= 1 && *s <= 5 ? bars[*s - 1] : "·";
  return out;
}

std::string score_text(const std::optional<int>& score) {
  return score ? std::to_string(*score) + "/5" : "no score";
}

std::vector<Button> score_buttons(std::string_view action_id, std::string_view one, std::string_view five) {
  std::vector<Button> out;
  for (int i = 1; i <= 5; ++i)
    out.push_back({std::to_string(i) + (i == 1   ? " · " + std::string(one)
                                        : i == 5 ? " · " + std::string(five)
                                                 : ""),
                   std::string(action_id), std::to_string(i)});
  return out;
}

}  // namespace tend::commands
