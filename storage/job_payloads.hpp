#pragma once
// Every kind of job Tend schedules, and the typed payload each carries. The names below are what
// the jobs table stores; the JSON of each payload is written and read here and nowhere else.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace tend::storage {

enum class JobKind {
  checkin_prompt,        // PersonJob: the volunteer's recurring "how are you?"
  checkin_overdue,       // PersonJob: nudge the supervisor after checkin.overdue_after of silence
  story_followup,        // StoryJob: nudge the supervisor `offset` after a story
  story_volunteer,       // StoryJob: the gentle message to the volunteer
  story_prepare,         // StoryJob: the preparation note before a future story
  story_reminder,        // StoryJob: the day-before reminder
  nudge_repeat,          // NudgeJob: a snoozed nudge comes back
  nudge_escalate,        // NudgeJob: an unanswered nudge goes to the coordinators
  supervision_reminder,  // BookingJob: both sides, `offset` before a booking
  supervision_gap,       // PersonJob: no supervision for supervision.max_gap
  boundaries_reminder,   // PersonJob: the role's boundaries again
  break_ends,            // PersonJob: a dated break is over: give back what it held
  privacy_retention,     // NoPayload: daily upkeep
  buddy_prompt,          // BuddyJob: "how is your buddy?", to each of a pair in turn
  debrief_followup,      // DebriefJob: nudge the supervisor `offset` after a debrief that needed it
};

// "story.followup"; parse_job_kind is its inverse (nullopt for a name this version doesn't know).
std::string_view to_string(JobKind kind);
std::optional<JobKind> parse_job_kind(std::string_view name);

struct NoPayload {
  bool operator==(const NoPayload&) const = default;
};
struct PersonJob {
  int64_t person = 0;
  bool operator==(const PersonJob&) const = default;
};
struct StoryJob {
  int64_t story = 0;
  std::chrono::seconds offset{0};  // after the story (follow-ups); 0 for prepare and reminder
  bool operator==(const StoryJob&) const = default;
};
struct NudgeJob {
  int64_t nudge = 0;
  bool operator==(const NudgeJob&) const = default;
};
struct BookingJob {
  int64_t booking = 0;
  std::chrono::seconds offset{0};  // before the booking starts
  bool operator==(const BookingJob&) const = default;
};
struct BuddyJob {
  int64_t pair = 0;
  int64_t to = 0;  // whose turn it is to be asked about the other
  bool operator==(const BuddyJob&) const = default;
};
struct DebriefJob {
  int64_t debrief = 0;
  std::chrono::seconds offset{0};  // after the debrief
  bool operator==(const DebriefJob&) const = default;
};
using JobPayload = std::variant<NoPayload, PersonJob, StoryJob, NudgeJob, BookingJob, BuddyJob, DebriefJob>;

nlohmann::json payload_json(const JobPayload& payload);
// Throws nlohmann::json::exception when the stored JSON does not fit the kind.
JobPayload payload_from_json(JobKind kind, const nlohmann::json& json);

}  // namespace tend::storage
