#include "storage/job_payloads.hpp"

#include <array>
#include <utility>

namespace tend::storage {
namespace {

constexpr std::array<std::pair<JobKind, std::string_view>, 15> kNames{{
    {JobKind::checkin_prompt, "checkin.prompt"},
    {JobKind::checkin_overdue, "checkin.overdue"},
    {JobKind::story_followup, "story.followup"},
    {JobKind::story_volunteer, "story.volunteer"},
    {JobKind::story_prepare, "story.prepare"},
    {JobKind::story_reminder, "story.reminder"},
    {JobKind::nudge_repeat, "nudge.repeat"},
    {JobKind::nudge_escalate, "nudge.escalate"},
    {JobKind::supervision_reminder, "supervision.reminder"},
    {JobKind::supervision_gap, "supervision.gap"},
    {JobKind::boundaries_reminder, "boundaries.reminder"},
    {JobKind::break_ends, "break.ends"},
    {JobKind::privacy_retention, "privacy.retention"},
    {JobKind::buddy_prompt, "buddy.prompt"},
    {JobKind::debrief_followup, "debrief.followup"},
}};

}  // namespace

std::string_view to_string(JobKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "unknown";
}

std::optional<JobKind> parse_job_kind(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

nlohmann::json payload_json(const JobPayload& payload) {
  struct Visitor {
    nlohmann::json operator()(const NoPayload&) const { return nlohmann::json::object(); }
    nlohmann::json operator()(const PersonJob& p) const { return {{"person", p.person}}; }
    nlohmann::json operator()(const StoryJob& p) const {
      return {{"story", p.story}, {"offset", p.offset.count()}};
    }
    nlohmann::json operator()(const NudgeJob& p) const { return {{"nudge", p.nudge}}; }
    nlohmann::json operator()(const BookingJob& p) const {
      return {{"booking", p.booking}, {"offset", p.offset.count()}};
    }
    nlohmann::json operator()(const BuddyJob& p) const { return {{"pair", p.pair}, {"to", p.to}}; }
    nlohmann::json operator()(const DebriefJob& p) const {
      return {{"debrief", p.debrief}, {"offset", p.offset.count()}};
    }
  };
  return std::visit(Visitor{}, payload);
}

JobPayload payload_from_json(JobKind kind, const nlohmann::json& json) {
  switch (kind) {
    case JobKind::checkin_prompt:
    case JobKind::checkin_overdue:
    case JobKind::supervision_gap:
    case JobKind::boundaries_reminder:
    case JobKind::break_ends:
      return PersonJob{json.at("person").get<int64_t>()};
    case JobKind::story_followup:
    case JobKind::story_volunteer:
    case JobKind::story_prepare:
    case JobKind::story_reminder:
      return StoryJob{json.at("story").get<int64_t>(),
                      std::chrono::seconds{json.value("offset", int64_t{0})}};
    case JobKind::nudge_repeat:
    case JobKind::nudge_escalate:
      return NudgeJob{json.at("nudge").get<int64_t>()};
    case JobKind::supervision_reminder:
      return BookingJob{json.at("booking").get<int64_t>(),
                        std::chrono::seconds{json.value("offset", int64_t{0})}};
    case JobKind::privacy_retention:
      return NoPayload{};
    case JobKind::buddy_prompt:
      return BuddyJob{json.at("pair").get<int64_t>(), json.at("to").get<int64_t>()};
    case JobKind::debrief_followup:
      return DebriefJob{json.at("debrief").get<int64_t>(),
                        std::chrono::seconds{json.value("offset", int64_t{0})}};
  }
  return NoPayload{};
}

}  // namespace tend::storage
