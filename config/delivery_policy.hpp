#pragma once
// The one delivery policy: whether, when and how a message Tend sends on its own goes out. It is
// asked when a job falls due, when its message is queued, and again just before the outbox
// sends it, so a rule never depends on a job's time having been rewritten. Pure: no storage, no
// I/O; the callers gather the facts.
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "config/delivery_window.hpp"
#include "config/parse.hpp"

namespace tend::config {

enum class MessageKind {
  notice,                // what follows directly from someone's action now (a booking, a hand-over,
                         // a break starting or ending): never held
  urgent_alert,          // a check-in at or below checkin.escalate_at, or a call for support
  on_call_alert,         // the same alert to the person on call: at once, whatever their hours
  prompt,                // "how are you doing?"
  overdue,               // nobody has heard from a volunteer for checkin.overdue_after
  story_followup,        // to the supervisor, days after a story
  story_followups_held,  // the break's one exception: a story's held follow-ups, together, at its last
  story_volunteer,       // the gentle message to the volunteer after their story
  story_prepare,         // the preparation note before a future story
  story_reminder,        // the day-before reminder
  nudge_repeat,          // a snoozed nudge comes back
  escalation,            // an unanswered nudge, to the coordinators
  supervision_reminder,  // before a booked supervision
  supervision_gap,       // no supervision for supervision.max_gap
  boundaries_reminder,   // the role's boundaries again
  buddy_prompt,          // "how is your buddy doing?", to one of a pair about the other
  buddy_note,            // the buddy took a break or asked for support, and chose to share it
  debrief_followup,      // to the supervisor, days after a debrief that needed attention
};
std::string_view to_string(MessageKind kind);
MessageKind parse_message_kind(std::string_view name);  // unknown names read as notice

// The recipient's own hours, in their zone.
struct Window {
  const date::time_zone* zone = nullptr;
  std::optional<QuietHours> quiet;
  WorkingDays days;
};

struct DeliveryFacts {
  MessageKind kind = MessageKind::notice;
  Instant now{};
  std::optional<Window> window;                  // the recipient's; nullopt: a channel, or not known yet
  std::optional<Instant> subject_break_until;    // the subject's break, when one is running at `now`
  std::optional<Instant> recipient_break_until;  // the recipient's own break, when one is running at `now`
  std::optional<Instant> event_at;               // what a preparation note or day-before reminder is for
  bool last_of_story = false;                    // the last follow-up of a story: the break's one exception
  bool someone_on_call = false;                  // for an urgent alert: support.on_call names someone now
};

enum class Verdict {
  send,        // now
  wait,        // until `at`: the recipient's quiet hours or a day off
  hold,        // until the subject's break ends (`at`, or never for an open-ended one)
  drop,        // its purpose has passed
  to_on_call,  // an urgent alert inside the recipient's quiet hours: the person on call, at once
};
struct Decision {
  Verdict verdict = Verdict::send;
  Instant at{};
  std::string reason;
};

Decision decide(const DeliveryFacts& facts);

// Whether a message is no use once its event (`about_at`) has begun: a preparation note, a
// day-before reminder, a reminder of a supervision.
bool ends_with_its_event(MessageKind kind);

// Whether a message is held by its subject's break (everything but notices, urgent alerts and a
// buddy's note, which is about the break or the call for support itself).
bool held_by_break(MessageKind kind);

// A message to one buddy about the other: never held, since given back after a break it would tell
// the buddy of a break they were not told of; dropped instead.
bool is_buddy_message(MessageKind kind);

// A message about a moment delivered later than this names the moment instead of "just now".
inline constexpr std::chrono::minutes kStaleAfter{5};

// support.on_call: one staff member for every day, or a weekly rota; names without the @.
struct OnCall {
  std::array<std::string, 7> by_weekday;  // indexed by date::weekday::c_encoding(); empty: nobody
};
// "none", "@x" or "mon=@a,tue=@b,…"; throws ParseError.
OnCall parse_on_call(std::string_view text);
std::string format_on_call(const OnCall& on_call);
// Who is on call at `now` (the weekday in `zone`); empty when nobody.
std::string on_call_at(const OnCall& on_call, Instant now, const date::time_zone* zone);

}  // namespace tend::config
