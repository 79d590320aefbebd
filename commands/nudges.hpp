#pragma once
// A nudge asks a staff member to reach out to a volunteer. It carries the buttons Done, Snooze
// 1 day and Hand over, and goes to the coordinators if nobody answers in nudge.escalate_after.
#include <string>

#include "commands/context.hpp"

namespace tend::commands {

// Creates the nudge, sends it to the volunteer's supervisor (the coordinators when there is
// none) and schedules its escalation. `key` makes a second call for the same slot a no-op.
void nudge_staff_about(Services& services, const storage::Person& volunteer, const std::string& reason,
                       const std::string& text, const std::string& key);

// The three buttons every nudge to staff carries.
std::vector<Button> nudge_buttons(int64_t nudge_id);

}  // namespace tend::commands
