#pragma once
// Each command family registers its subcommands and buttons in the one Registry.
#include <optional>
#include <string>

#include "commands/registry.hpp"
#include "storage/roles.hpp"

namespace tend::commands {

void add_checkin(Registry& registry);
void add_story(Registry& registry);
void add_break(Registry& registry);
void add_nudges(Registry& registry);
void add_supervision(Registry& registry);
void add_boundaries(Registry& registry);
void add_privacy(Registry& registry);
void add_tend(Registry& registry);
void add_buddy(Registry& registry);
void add_debrief(Registry& registry);

// A volunteer's recurring prompt, overdue watch, supervision-gap watch and boundary reminders;
// idempotent.
void start_routines(Services& services, const storage::Person& person);
void start_supervision_watch(Services& services, const storage::Person& volunteer);
void start_boundary_reminders(Services& services, const storage::Person& volunteer);
// Sends a role's boundaries to someone just given it, and restarts their reminders.
void send_boundaries_now(Services& services, const storage::Person& person, const storage::Role& role);
// The next check-in prompt for a volunteer after `after`, at checkin.time in their zone.
Instant next_prompt_after(Services& services, const storage::Person& person, Instant after);
// Someone's zone changed from `old_zone`: their next check-in prompt keeps its day and comes at
// checkin.time in the new zone.
void keep_prompt_local(Services& services, const storage::Person& person, const date::time_zone* old_zone);
// Said once, in the first reply to someone whose zone Tend does not know: which zone it uses for
// them and how to set theirs. Records that it was said.
std::optional<std::string> default_zone_note(Context& ctx);
// A break has ended: what was held about the volunteer goes out, one message per recipient, and
// their routines start again from now.
void give_back_held(Services& services, const storage::Person& volunteer);
// Buddies who were told they may hear of it (`/buddy share`) hear that `volunteer` took a break,
// or asked for support (`who_knows`: "sam knows"); never a score or a note. Returns the names of
// those told ("ryan"), empty when nobody was.
std::string tell_buddies_of_break(Services& services, const storage::Person& volunteer,
                                  std::optional<Instant> until);
std::string tell_buddies_of_support(Services& services, const storage::Person& volunteer,
                                    const std::string& who_knows);
// Someone leaves Tend: their pairings end and each buddy is told.
void end_buddies_of(Services& services, const storage::Person& leaving);
// When a buddy prompt held for a break takes its next turn.
Instant next_buddy_turn(Services& services, const storage::Job& job, Instant after);
Reply tend_admin_buddy(Context& ctx, std::string_view args);
// The volunteer's debriefs since their last supervision, as the supervisor's agenda (dates, scores,
// answers, notes unless private); empty when there are none. The read is audited for `reader`.
std::string debrief_agenda(Services& services, const storage::Person& volunteer,
                           const storage::Person& reader);
// "debriefs since the last supervision: 3, 1 flagged ⚑" for the team view (audited), or nullopt.
std::optional<std::string> debriefs_at_a_glance(Context& ctx, const storage::Person& volunteer);
// Daily upkeep (note retention, the bounded window of handled delivery ids); idempotent.
void schedule_housekeeping(Services& services);
Reply tend_mydata(Context& ctx, std::string_view args);
Reply tend_forget(Context& ctx, std::string_view args);
// The caller's next supervision ("Thu 4 Jun 14:00 (45 min) with sam"), if one is booked.
std::optional<std::string> next_supervision(Context& ctx);
// A person's home screen (Slack's App Home): their next supervision, last check-in and the
// commands their role may use.
Reply home(Context& ctx);

// Every family Tend ships, in the order /tend help lists them.
inline void add_all(Registry& registry) {
  add_checkin(registry);
  add_debrief(registry);
  add_story(registry);
  add_break(registry);
  add_buddy(registry);
  add_nudges(registry);
  add_supervision(registry);
  add_boundaries(registry);
  add_privacy(registry);
  add_tend(registry);
}

}  // namespace tend::commands
