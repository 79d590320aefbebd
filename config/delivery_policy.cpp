#include "config/delivery_policy.hpp"

#include <utility>

#include "base/text.hpp"

namespace tend::config {
namespace {

constexpr std::array<std::pair<MessageKind, std::string_view>, 18> kNames{{
    {MessageKind::notice, "notice"},
    {MessageKind::urgent_alert, "urgent_alert"},
    {MessageKind::on_call_alert, "on_call_alert"},
    {MessageKind::prompt, "prompt"},
    {MessageKind::overdue, "overdue"},
    {MessageKind::story_followup, "story_followup"},
    {MessageKind::story_followups_held, "story_followups_held"},
    {MessageKind::story_volunteer, "story_volunteer"},
    {MessageKind::story_prepare, "story_prepare"},
    {MessageKind::story_reminder, "story_reminder"},
    {MessageKind::nudge_repeat, "nudge_repeat"},
    {MessageKind::escalation, "escalation"},
    {MessageKind::supervision_reminder, "supervision_reminder"},
    {MessageKind::supervision_gap, "supervision_gap"},
    {MessageKind::boundaries_reminder, "boundaries_reminder"},
    {MessageKind::buddy_prompt, "buddy_prompt"},
    {MessageKind::buddy_note, "buddy_note"},
    {MessageKind::debrief_followup, "debrief_followup"},
}};

constexpr std::array<std::string_view, 7> kDays{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::string person_name(std::string_view token) {
  auto t = std::string(trim(token));
  if (!t.empty() && t.front() == '@') t.erase(0, 1);
  if (t.empty() || t.size() > 80 || t.find_first_of(" \t,=@") != std::string::npos)
    throw ParseError("not a person");
  return t;
}

}  // namespace

std::string_view to_string(MessageKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "notice";
}

MessageKind parse_message_kind(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return MessageKind::notice;
}

bool ends_with_its_event(MessageKind kind) {
  return kind == MessageKind::story_prepare || kind == MessageKind::story_reminder ||
         kind == MessageKind::supervision_reminder;
}

bool held_by_break(MessageKind kind) {
  return kind != MessageKind::notice && kind != MessageKind::urgent_alert &&
         kind != MessageKind::on_call_alert && kind != MessageKind::story_followups_held &&
         kind != MessageKind::buddy_note;
}

bool is_buddy_message(MessageKind kind) {
  return kind == MessageKind::buddy_prompt || kind == MessageKind::buddy_note;
}

Decision decide(const DeliveryFacts& f) {
  if (f.kind == MessageKind::on_call_alert) return {Verdict::send, f.now, "on call: at once"};
  const auto allowed =
      f.window ? next_allowed(f.now, f.window->zone, f.window->quiet, f.window->days) : f.now;
  if (f.kind == MessageKind::urgent_alert) {
    // Someone asked for help: a break never holds it, and quiet hours only decide who sees it.
    if (allowed <= f.now) return {Verdict::send, f.now, "urgent"};
    if (f.someone_on_call) return {Verdict::to_on_call, f.now, "urgent, inside the recipient's quiet hours"};
    return {Verdict::wait, allowed, "urgent, but nobody is on call; the recipient's hours start then"};
  }
  if (is_buddy_message(f.kind)) {
    // A volunteer on a break is not asked to look out for anyone; and a buddy is not prompted
    // about someone on a break. Held and given back later, either would be stale, and the second
    // would tell of a break the buddy was not told of.
    if (f.recipient_break_until && *f.recipient_break_until > f.now)
      return {Verdict::drop, f.now, "the buddy it is for is on a break"};
    if (f.kind == MessageKind::buddy_prompt && f.subject_break_until && *f.subject_break_until > f.now)
      return {Verdict::drop, f.now, "the buddy it asks about is on a break"};
  }
  if (ends_with_its_event(f.kind) && f.event_at && std::max(allowed, f.now) >= *f.event_at)
    return {Verdict::drop, f.now, "its event will have passed before it could be read"};
  if (f.subject_break_until && *f.subject_break_until > f.now && held_by_break(f.kind)) {
    if (!(f.kind == MessageKind::story_followup && f.last_of_story))
      return {Verdict::hold, *f.subject_break_until, "the person it is about is on a break"};
    // The documented exception: a break that outlasts a story's follow-ups does not keep the
    // supervisor from hearing about them at the last one.
  }
  if (allowed > f.now) return {Verdict::wait, allowed, "outside the recipient's hours"};
  return {Verdict::send, f.now, "within the recipient's hours"};
}

OnCall parse_on_call(std::string_view text) {
  OnCall out;
  const auto t = trim(text);
  if (lower(t) == "none") return out;
  if (t.find('=') == std::string_view::npos) {
    out.by_weekday.fill(person_name(t));
    return out;
  }
  for (std::string_view rest = t; !rest.empty();) {
    const auto comma = rest.find(',');
    const auto part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) throw ParseError("not a rota entry");
    const auto day = lower(trim(part.substr(0, eq)));
    bool found = false;
    for (std::size_t d = 0; d < kDays.size(); ++d)
      if (day == kDays[d]) {
        if (!out.by_weekday[d].empty()) throw ParseError("a day given twice");
        out.by_weekday[d] = person_name(part.substr(eq + 1));
        found = true;
      }
    if (!found) throw ParseError("not a day");
  }
  return out;
}

std::string format_on_call(const OnCall& on_call) {
  const auto& first = on_call.by_weekday[0];
  bool same = true;
  for (const auto& name : on_call.by_weekday) same = same && name == first;
  if (same) return first.empty() ? "none" : "@" + first;
  std::string out;
  for (std::size_t i = 1; i <= 7; ++i) {  // mon first, as people write a week
    const auto d = i % 7;
    if (on_call.by_weekday[d].empty()) continue;
    out += (out.empty() ? "" : ",") + std::string(kDays[d]) + "=@" + on_call.by_weekday[d];
  }
  return out;
}

std::string on_call_at(const OnCall& on_call, Instant now, const date::time_zone* zone) {
  const auto day = date::floor<date::days>(zone->to_local(now));
  return on_call.by_weekday[date::weekday{day}.c_encoding()];
}

}  // namespace tend::config
