#include "config/settings.hpp"

#include <algorithm>
#include <cctype>

#include "base/text.hpp"

namespace tend::config {
namespace {

using T = SettingType;

const std::vector<SettingSpec> kSpecs = {
    {"checkin.escalate_at", T::score, "2", "A check-in at or below this score tells the supervisor at once.",
     "a score from 1 to 5"},
    {"checkin.cadence", T::duration, "7d", "How often volunteers are asked how they are.",
     "a duration like 3d or 1w"},
    {"checkin.time", T::time_of_day, "10:00", "The local time of day check-in prompts are sent.",
     "a time of day HH:MM like 09:30"},
    {"checkin.overdue_after", T::duration, "14d",
     "After this long without a check-in, the supervisor is asked to reach out.",
     "a duration like 10d or 2w"},
    {"story.followups", T::duration_list, "1d,3d,7d",
     "After a volunteer shares their story, their supervisor is asked to check in this long after.",
     "a comma-separated list of durations like 1d,3d,7d"},
    {"story.volunteer_followup", T::duration, "2d",
     "This long after sharing their story, the volunteer gets a gentle message themselves.",
     "a duration like 2d"},
    {"nudge.escalate_after", T::duration, "2d",
     "A reminder to staff left unanswered this long goes to the coordinators.", "a duration like 1d or 48h"},
    {"nudge.quiet_hours", T::quiet_hours, "20:00-08:00",
     "Tend sends nothing in these local hours; messages wait until they end.",
     "quiet hours HH:MM-HH:MM like 20:00-08:00, or none"},
    {"nudge.working_days", T::working_days, "mon-fri", "Tend sends messages only on these days.",
     "working days like mon-fri, mon-sun or mon,wed,fri"},
    {"supervision.reminders", T::duration_list, "24h,1h",
     "Both sides are reminded this long before a supervision.",
     "a comma-separated list of durations like 24h,1h"},
    {"supervision.max_gap", T::duration, "6w",
     "If a volunteer's last supervision is older than this, both they and their supervisor are nudged.",
     "a duration like 4w or 6w"},
    {"boundaries.reminder_every", T::duration, "30d",
     "How often volunteers are reminded of their role's boundaries.", "a duration like 30d or 4w"},
    {"timezone.default", T::zone, "Europe/London",
     "The time zone of people whose own zone Tend doesn't know.", "an IANA time zone like Europe/London"},
    {"coordinator.channel", T::channel, "none",
     "Where escalations go (a private staff channel); none sends them to every admin by direct message.",
     "a channel id like C0123ABC, or none"},
    {"outbox.pace", T::duration_or_none, "1s",
     "The shortest gap between two messages to the same channel; none sends without pacing (for a "
     "workspace of your own or the emulator: Slack allows about one a second per channel).",
     "a duration like 1s, or none"},
    {"outbox.max_attempts", T::count, "8",
     "After this many failed tries a message is set aside and admins are told.",
     "a whole number from 1 to 100"},
    {"support.on_call", T::on_call, "none",
     "Who sees an urgent alert (a low check-in, or a call for support) that falls inside the supervisor's "
     "quiet hours: at once, inside their own quiet hours too. One staff member, or a weekly rota.",
     "a staff member like @sam, a weekly rota like mon=@sam,tue=@kim (days mon to sun), or none"},
    {"support.out_of_hours", T::text, "none",
     "Your organisation's own out-of-hours text (a crisis line, a duty phone), shown to a volunteer whose "
     "urgent alert waits for working hours or goes to the person on call.",
     "one line of text up to 300 characters, or none"},
    {"buddy.max", T::count, "1", "How many buddies a volunteer may have at once.",
     "a whole number from 1 to 100"},
    {"buddy.cadence", T::duration, "2w",
     "How often each buddy is asked how the other is doing; the two take turns, half this apart, so they "
     "are never asked on the same day.",
     "a duration like 1w or 2w"},
    {"debrief.escalate_at", T::score, "2",
     "A debrief at or below this score tells the supervisor at once, as does \"it stirred up my own "
     "experience\" or \"I'd like to talk\".",
     "a score from 1 to 5"},
    {"debrief.followups", T::duration_list, "1d",
     "After a debrief that told the supervisor, they are asked to check in this long after it.",
     "a comma-separated list of durations like 1d or 1d,3d"},
    {"privacy.note_retention", T::duration_or_none, "none",
     "Check-in, debrief and supervision notes older than this are deleted, daily; none keeps them.",
     "a duration like 365d, or none"},
};

int parse_bounded(std::string_view text, int low, int high) {
  const auto t = std::string(trim(text));
  if (t.empty() || t.size() > 3 ||
      !std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); }))
    throw ParseError("not a number");
  const int v = std::stoi(t);
  if (v < low || v > high) throw ParseError("out of range");
  return v;
}

// Durations keep the units the admin chose ("24h" stays "24h"), without spaces or capitals.
std::string compact(std::string_view value) {
  std::string out;
  for (char c : value)
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Parses as the type says and returns the canonical text.
std::string canonical(const SettingSpec& spec, std::string_view value) {
  switch (spec.type) {
    case T::duration:
      parse_duration(value);
      return compact(value);
    case T::duration_or_none:
      if (lower(trim(value)) == "none") return "none";
      parse_duration(value);
      return compact(value);
    case T::duration_list:
      parse_duration_list(value);
      return compact(value);
    case T::time_of_day:
      return format_time_of_day(parse_time_of_day(value));
    case T::quiet_hours: {
      auto q = parse_quiet_hours(value);
      return q ? format_time_of_day(q->start) + "-" + format_time_of_day(q->end) : "none";
    }
    case T::working_days:
      return format_working_days(parse_working_days(value));
    case T::zone:
      return std::string(parse_zone(value)->name());
    case T::score:
      return std::to_string(parse_bounded(value, 1, 5));
    case T::count:
      return std::to_string(parse_bounded(value, 1, 100));
    case T::channel: {
      const auto t = std::string(trim(value));
      if (lower(t) == "none") return "none";
      if (t.empty() || t.size() > 80 ||
          std::any_of(t.begin(), t.end(), [](unsigned char c) { return std::isspace(c); }))
        throw ParseError("not a channel");
      return t;
    }
    case T::on_call:
      return format_on_call(parse_on_call(value));
    case T::text: {
      const auto t = std::string(trim(value));
      if (lower(t) == "none") return "none";
      if (t.empty() || utf8_length(t) > 300 || t.find('\n') != std::string::npos)
        throw ParseError("not one line");
      return t;
    }
  }
  throw ParseError("unknown type");
}

}  // namespace

const std::vector<SettingSpec>& setting_specs() {
  return kSpecs;
}

const SettingSpec* find_setting(std::string_view key) {
  auto it = std::find_if(kSpecs.begin(), kSpecs.end(), [&](const SettingSpec& s) { return s.key == key; });
  return it == kSpecs.end() ? nullptr : &*it;
}

std::string normalize_setting(std::string_view key, std::string_view value) {
  const auto* spec = find_setting(key);
  if (!spec) {
    std::string known;
    for (const auto& s : kSpecs) known += (known.empty() ? "" : ", ") + std::string(s.key);
    throw SettingError("unknown setting \"" + std::string(key) + "\"; known settings: " + known);
  }
  try {
    return canonical(*spec, value);
  } catch (const ParseError& e) {
    // A zone's refusal names the zones that were probably meant.
    if (spec->type == T::zone) throw SettingError(std::string(key) + ": " + e.what());
    throw SettingError(std::string(key) + ": \"" + std::string(value) + "\" is not valid; expected " +
                       std::string(spec->expected));
  }
}

std::string Settings::raw(std::string_view key) const {
  if (auto it = values_->find(key); it != values_->end()) return it->second;
  const auto* spec = find_setting(key);
  if (!spec) throw std::out_of_range("no setting " + std::string(key));
  return std::string(spec->default_value);
}

std::chrono::seconds Settings::duration(std::string_view key) const {
  return parse_duration(raw(key));
}
std::vector<std::chrono::seconds> Settings::durations(std::string_view key) const {
  return parse_duration_list(raw(key));
}
std::optional<std::chrono::seconds> Settings::optional_duration(std::string_view key) const {
  const auto v = raw(key);
  if (v == "none") return std::nullopt;
  return parse_duration(v);
}
std::chrono::minutes Settings::time_of_day(std::string_view key) const {
  return parse_time_of_day(raw(key));
}
std::optional<QuietHours> Settings::quiet_hours(std::string_view key) const {
  return parse_quiet_hours(raw(key));
}
WorkingDays Settings::working_days(std::string_view key) const {
  return parse_working_days(raw(key));
}
const date::time_zone* Settings::zone(std::string_view key) const {
  // Checked when it was set; a name an older version accepted (an abbreviation) still reads.
  return date::locate_zone(raw(key));
}
int Settings::integer(std::string_view key) const {
  return std::stoi(raw(key));
}
OnCall Settings::on_call(std::string_view key) const {
  return parse_on_call(raw(key));
}
std::optional<std::string> Settings::text(std::string_view key) const {
  const auto v = raw(key);
  if (v == "none") return std::nullopt;
  return v;
}
std::optional<std::string> Settings::channel(std::string_view key) const {
  const auto v = raw(key);
  if (v == "none") return std::nullopt;
  return v;
}

}  // namespace tend::config
