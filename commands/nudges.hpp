#pragma once
// A nudge asks a staff member to reach out to a volunteer. It carries the buttons Done, Snooze
// 1 day and Hand over, and goes to the coordinators if nobody answers in nudge.escalate_after.
#include <optional>
#include <string>

#include "commands/context.hpp"

namespace tend::commands {

struct NudgeRequest {
  std::string reason;  // shown again in reminders and escalations
  std::string text;    // the message
  std::string key;     // a second request with the same key is a no-op
  config::MessageKind kind = config::MessageKind::story_followup;
  std::optional<Instant> moment;         // the moment the text speaks of, if it marks one
  std::optional<storage::Person> owner;  // default: the volunteer's supervisor, else the coordinators
};

// Creates the nudge, sends it to its owner (the coordinators when there is none) and schedules
// its escalation. While a break's held messages are given back, it is gathered instead.
void nudge_staff_about(Services& services, const storage::Person& volunteer, const NudgeRequest& request);

// The three buttons every nudge to staff carries.
std::vector<Button> nudge_buttons(int64_t nudge_id);

}  // namespace tend::commands
