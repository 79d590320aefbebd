// /supervision: staff offer slots, volunteers book them, reminders reach both sides, and a
// supervision gap never lapses silently.
#include "storage/supervision.hpp"
#include "commands/families.hpp"
#include "commands/format.hpp"
#include "commands/nudges.hpp"
#include "commands/text.hpp"
#include "config/parse.hpp"
#include "storage/jobs.hpp"
#include "storage/time.hpp"

namespace tend::commands {
namespace {

constexpr int kMaxWeeks = 52;
constexpr int kShownSlots = 10;

int64_t parse_number(std::string_view text) {
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || value > 1'000'000'000) return -1;
    value = value * 10 + (c - '0');
  }
  return text.empty() ? -1 : value;
}

std::string booking_key(int64_t id) {
  return "booking:" + std::to_string(id) + ":";
}

std::string slot_text(Services& s, const storage::Slot& slot, const storage::Person& reader) {
  return config::format_local(slot.starts_at, s.zone_of(reader)) + " (" + std::to_string(slot.minutes) +
         " min)";
}

storage::Person person(Services& s, int64_t id) {
  auto p = storage::People(s.db).by_id(id);
  if (!p) throw UserError("That person is no longer in Tend.");
  return *p;
}

void schedule_gap_check(Services& s, const storage::Person& volunteer, Instant from) {
  s.schedule(
      {storage::JobKind::supervision_gap, from + s.settings_for(volunteer).duration("supervision.max_gap"),
       storage::PersonJob{volunteer.id}, "gap:" + std::to_string(volunteer.id), volunteer.id},
      /*replace_existing=*/true);
}

}  // namespace

std::optional<std::string> next_supervision(Context& ctx) {
  storage::Supervision sup(ctx.db);
  const auto upcoming = ctx.caller.is_staff() ? sup.upcoming_for_staff(ctx.caller.id, ctx.now())
                                              : sup.upcoming_for_volunteer(ctx.caller.id, ctx.now());
  if (upcoming.empty()) return std::nullopt;
  const auto& next = upcoming.front();
  const auto other = ctx.caller.is_staff() ? next.volunteer_id : next.slot.staff_id;
  return slot_text(ctx, next.slot, ctx.caller) + " with " + person(ctx, other).display_name;
}

namespace {

Reply overview(Context& ctx, std::string_view) {
  storage::Supervision sup(ctx.db);
  std::string text;
  Reply reply;
  if (ctx.caller.is_staff()) {
    auto mine = sup.upcoming_for_staff(ctx.caller.id, ctx.now());
    text += "*Your upcoming supervision*\n";
    for (const auto& b : mine)
      text += "• #" + std::to_string(b.id) + " " + slot_text(ctx, b.slot, ctx.caller) + " with " +
              person(ctx, b.volunteer_id).display_name + "\n";
    if (mine.empty()) text += "None booked.\n";
    auto open = sup.open_slots(ctx.caller.id, ctx.now(), kShownSlots);
    text += "*Your open slots*: " + std::to_string(open.size()) + (open.size() == kShownSlots ? "+" : "") +
            ". Offer more with `" + ctx.slash("supervision") + " offer <date> <time> [minutes] [weekly N]`.";
    return Reply{text, {}, {}};
  }
  auto mine = sup.upcoming_for_volunteer(ctx.caller.id, ctx.now());
  text += "*Your supervision*\n";
  for (const auto& b : mine)
    text += "• #" + std::to_string(b.id) + " " + slot_text(ctx, b.slot, ctx.caller) + " with " +
            person(ctx, b.slot.staff_id).display_name + "\n";
  if (mine.empty()) text += "Nothing booked.\n";
  if (auto last = sup.last_done(ctx.caller.id)) text += "Last supervision: " + ago(*last, ctx.now()) + ".\n";
  if (!ctx.caller.supervisor_id) {
    text += "You don't have a supervisor in Tend yet; a coordinator can set one up.";
    return Reply{text, {}, {}};
  }
  auto supervisor = person(ctx, *ctx.caller.supervisor_id);
  auto open = sup.open_slots(supervisor.id, ctx.now(), kShownSlots);
  if (open.empty()) {
    text += supervisor.display_name + " has no open slots right now.";
  } else {
    text += "*Open slots with " + supervisor.display_name + "* (press one, or `" + ctx.slash("supervision") +
            " book <slot>`)\n";
    for (const auto& slot : open) {
      text += "• slot " + std::to_string(slot.id) + ": " + slot_text(ctx, slot, ctx.caller) + "\n";
      reply.buttons.push_back({config::format_local(slot.starts_at, ctx.zone_of(ctx.caller)),
                               "supervision.book", std::to_string(slot.id)});
    }
  }
  reply.text = text;
  return reply;
}

Reply offer(Context& ctx, std::string_view args) {
  const auto* zone = ctx.zone_of(ctx.caller);
  const std::string usage = "`" + ctx.slash("supervision") +
                            " offer <date> <time> [minutes] [weekly N]`, for example `" +
                            ctx.slash("supervision") + " offer tue 14:00 45 weekly 4`";
  config::WhenPrefix when;
  try {
    when = config::parse_when_prefix(args, zone, ctx.now());
  } catch (const config::ParseError& e) {
    throw UserError(std::string(e.what()) + ". Usage: " + usage + ".");
  }
  if (!when.when.time)
    throw UserError("Please give a start time, such as 14:00 or 2pm. Usage: " + usage + ".");
  auto rest = words(when.rest);
  int minutes = 60, weeks = 1;
  std::size_t i = 0;
  if (i < rest.size() && parse_number(rest[i]) >= 0) minutes = static_cast<int>(parse_number(rest[i++]));
  if (i + 1 < rest.size() && lower(rest[i]) == "weekly") {
    weeks = static_cast<int>(parse_number(rest[i + 1]));
    i += 2;
  }
  if (i != rest.size())
    throw UserError("I didn't understand \"" + std::string(rest[i]) + "\". Usage: " + usage + ".");
  if (minutes < 15 || minutes > 240) throw UserError("A slot lasts 15 to 240 minutes.");
  if (weeks < 1 || weeks > kMaxWeeks) throw UserError("weekly N takes N from 1 to 52.");
  const auto first = config::to_instant(when.when, zone, ctx.now(), std::chrono::minutes(0));
  if (first <= ctx.now())
    throw UserError(config::format_local(first, zone) + " is in the past; offer a future time.");
  storage::Supervision sup(ctx.db);
  std::string made;
  for (int w = 0; w < weeks; ++w) {
    // Each week at the same local time, so a DST change does not move the slot by an hour.
    config::When week = when.when;
    week.day += date::days{7 * w};
    const auto start = config::to_instant(week, zone, ctx.now(), std::chrono::minutes(0));
    const auto end = start + std::chrono::minutes(minutes);
    if (auto clash = sup.overlapping(ctx.caller.id, start, end); !clash.empty())
      throw UserError("That overlaps your slot " + std::to_string(clash.front().id) + " at " +
                      slot_text(ctx, clash.front(), ctx.caller) + "; nothing was offered.");
    const auto id = sup.offer(ctx.caller.id, start, minutes, ctx.now());
    made += "\n• slot " + std::to_string(id) + ": " + config::format_local(start, zone);
  }
  ctx.audit("supervision.offer", std::nullopt, std::to_string(weeks) + " slot(s)");
  return Reply{
      "Offered " + std::to_string(weeks) + " slot(s) of " + std::to_string(minutes) + " minutes:" + made,
      {},
      {}};
}

Reply book_slot(Context& ctx, int64_t slot_id) {
  storage::Supervision sup(ctx.db);
  auto slot = sup.slot(slot_id);
  if (!slot || slot->withdrawn)
    throw UserError("There is no slot " + std::to_string(slot_id) + ". `" + ctx.slash("supervision") +
                    "` shows the open ones.");
  if (slot->starts_at <= ctx.now()) throw UserError("That slot has already started; pick a later one.");
  if (ctx.caller.supervisor_id != slot->staff_id)
    throw UserError("That slot belongs to someone who isn't your supervisor. `" + ctx.slash("supervision") +
                    "` shows your supervisor's open slots.");
  int64_t id = 0;
  try {
    id = sup.book(slot_id, ctx.caller.id, ctx.now());
  } catch (const storage::SlotTaken&) {
    throw UserError("Sorry, someone has just booked that slot. `" + ctx.slash("supervision") +
                    "` shows the ones still open.");
  }
  auto staff = person(ctx, slot->staff_id);
  for (auto offset : ctx.settings().durations("supervision.reminders")) {
    const auto at = slot->starts_at - offset;
    if (at > ctx.now())
      ctx.schedule({storage::JobKind::supervision_reminder, at, storage::BookingJob{id, offset},
                    booking_key(id) + "reminder:" + std::to_string(offset.count()), ctx.caller.id});
  }
  ctx.send(staff,
           Message{ctx.caller.display_name + " booked supervision with you: " + slot_text(ctx, *slot, staff) +
                       " (booking #" + std::to_string(id) + ").",
                   {},
                   {}},
           booking_key(id) + "booked", {config::MessageKind::notice, ctx.caller.id, std::nullopt});
  ctx.audit("supervision.book", ctx.caller.id, "#" + std::to_string(id));
  return Reply{"Booked: " + slot_text(ctx, *slot, ctx.caller) + " with " + staff.display_name +
                   " (booking #" + std::to_string(id) + "). I'll remind you both beforehand.",
               {},
               {}};
}

Reply book(Context& ctx, std::string_view args) {
  const auto id = parse_number(trim(args));
  if (id <= 0)
    throw UserError("Usage: `" + ctx.slash("supervision") + " book <slot>`, with a slot number from `" +
                    ctx.slash("supervision") + "`.");
  return book_slot(ctx, id);
}

Reply book_button(Context& ctx, const ActionInput& input) {
  return book_slot(ctx, parse_number(input.value));
}

storage::Booking load_booking(Context& ctx, std::string_view args, const std::string& usage) {
  const auto id = parse_number(trim(split_word(args).word));
  if (id <= 0) throw UserError("Usage: `" + usage + "`.");
  auto b = storage::Supervision(ctx.db).booking(id);
  if (!b) throw UserError("There is no booking #" + std::to_string(id) + ".");
  return *b;
}

Reply cancel(Context& ctx, std::string_view args) {
  auto b = load_booking(ctx, args, ctx.slash("supervision") + " cancel <booking>");
  const bool mine = b.volunteer_id == ctx.caller.id || b.slot.staff_id == ctx.caller.id;
  if (!mine && ctx.caller.kind != storage::Kind::admin)
    throw UserError("Booking #" + std::to_string(b.id) + " isn't yours to cancel.");
  if (b.status != "booked")
    throw UserError("Booking #" + std::to_string(b.id) + " is already " + b.status + ".");
  storage::Supervision(ctx.db).cancel(b.id);
  storage::Jobs(ctx.db).remove_by_key_prefix(booking_key(b.id) + "reminder:");
  auto volunteer = person(ctx, b.volunteer_id);
  auto staff = person(ctx, b.slot.staff_id);
  for (const auto& other : {volunteer, staff})
    if (other.id != ctx.caller.id)
      ctx.send(
          other,
          Message{ctx.caller.display_name + " cancelled supervision on " + slot_text(ctx, b.slot, other) +
                      (other.id == volunteer.id ? "." : "; the slot is open again."),
                  {},
                  {}},
          booking_key(b.id) + "cancelled:" + std::to_string(other.id),
          {config::MessageKind::notice, volunteer.id, std::nullopt});
  ctx.audit("supervision.cancel", volunteer.id, "#" + std::to_string(b.id));
  return Reply{"Cancelled booking #" + std::to_string(b.id) + " (" + slot_text(ctx, b.slot, ctx.caller) +
                   "); the other side has been told and the slot is open again.",
               {},
               {}};
}

Reply done(Context& ctx, std::string_view args) {
  auto b = load_booking(ctx, args, ctx.slash("supervision") + " done <booking> [private note]");
  if (b.slot.staff_id != ctx.caller.id && ctx.caller.kind != storage::Kind::admin)
    throw UserError("Only the supervisor of booking #" + std::to_string(b.id) + " can record it as done.");
  if (b.status != "booked") throw UserError("Booking #" + std::to_string(b.id) + " is " + b.status + ".");
  const auto note = std::string(split_word(args).rest);
  if (utf8_length(note) > 2000) throw UserError("Please keep the note to 2,000 characters.");
  storage::Supervision(ctx.db).done(b.id, ctx.now(), note);
  storage::Jobs(ctx.db).remove_by_key_prefix(booking_key(b.id) + "reminder:");
  auto volunteer = person(ctx, b.volunteer_id);
  schedule_gap_check(ctx, volunteer, ctx.now());
  ctx.audit("supervision.done", volunteer.id, "#" + std::to_string(b.id));
  return Reply{"Recorded supervision with " + volunteer.display_name + " as done" +
                   (note.empty() ? "." : "; your note is private to staff."),
               {},
               {}};
}

JobOutcome reminder(Services& s, const storage::Job& job) {
  auto b = storage::Supervision(s.db).booking(job.as<storage::BookingJob>().booking);
  if (!b || b.value().status != "booked") return JobOutcome::done();
  auto volunteer = storage::People(s.db).by_id(b->volunteer_id);
  auto staff = storage::People(s.db).by_id(b->slot.staff_id);
  if (!volunteer || !staff) return JobOutcome::done();
  const auto in = spoken(job.as<storage::BookingJob>().offset);
  const storage::OutboxAbout about{config::MessageKind::supervision_reminder, volunteer->id,
                                   b->slot.starts_at};
  s.send(*volunteer,
         Message{"Reminder: supervision with " + staff->display_name + " in " + in + ", " +
                     slot_text(s, b->slot, *volunteer) + ".",
                 {},
                 {}},
         job.key + ":volunteer", about);
  s.send(*staff,
         Message{"Reminder: supervision with " + volunteer->display_name + " in " + in + ", " +
                     slot_text(s, b->slot, *staff) + "." + debrief_agenda(s, *volunteer, *staff),
                 {},
                 {}},
         job.key + ":staff", about);
  return JobOutcome::done();
}

// A reminder for a supervision that has started is no use any more.
void booking_facts(Services& s, const storage::Job& job, config::DeliveryFacts& facts) {
  if (auto b = storage::Supervision(s.db).booking(job.as<storage::BookingJob>().booking))
    facts.event_at = b->slot.starts_at;
}

JobOutcome gap(Services& s, const storage::Job& job) {
  auto volunteer = storage::People(s.db).by_id(job.as<storage::PersonJob>().person);
  if (!volunteer || volunteer->kind != storage::Kind::volunteer) return JobOutcome::done();
  const auto max_gap = s.settings_for(*volunteer).duration("supervision.max_gap");
  storage::Supervision sup(s.db);
  const auto last = sup.last_done(volunteer->id).value_or(volunteer->created_at);
  if (s.now() - last < max_gap) return JobOutcome::again_at(last + max_gap);
  if (!sup.upcoming_for_volunteer(volunteer->id, s.now()).empty())
    return JobOutcome::again_at(s.now() + max_gap / 2);
  const auto since = elapsed(last, s.now());
  const auto slot_key = job.key + ":" + std::to_string(storage::unix_seconds(job.due_at));
  s.send(*volunteer,
         Message{"It's been " + since + " since your last supervision. Type `" + s.slash("supervision") +
                     "` to see open slots and book one; it's there for you.",
                 {},
                 {}},
         slot_key + ":volunteer", {config::MessageKind::supervision_gap, volunteer->id, job.due_at});
  nudge_staff_about(s, *volunteer,
                    {volunteer->display_name + " has had no supervision for " + since,
                     "*" + volunteer->display_name + "* has had no supervision for " + since +
                         ". Please offer a slot (`" + s.slash("supervision") + " offer`) or reach out.",
                     slot_key, config::MessageKind::supervision_gap, job.due_at, std::nullopt});
  return JobOutcome::again_at(s.now() + max_gap);
}

}  // namespace

void start_supervision_watch(Services& s, const storage::Person& volunteer) {
  schedule_gap_check(s, volunteer, s.now());
}

void add_supervision(Registry& registry) {
  registry.add(Family{
      "supervision",
      "book time with your supervisor",
      {
          {"", "", "your bookings and your supervisor's open slots", anyone, overview},
          {"offer", "<date> <time> [minutes] [weekly N]", "publish bookable slots", staff_and_admins, offer},
          {"book", "<slot>", "book one of your supervisor's slots", volunteers, book},
          {"cancel", "<booking>", "cancel a booking; the other side is told", anyone, cancel},
          {"done", "<booking> [private note]", "record that a supervision happened", staff_and_admins, done},
      }});
  registry.add(ActionSpec{"supervision.book", volunteers, book_button});
  registry.add(JobSpec{storage::JobKind::supervision_reminder, reminder,
                       config::MessageKind::supervision_reminder, booking_facts});
  registry.add(JobSpec{storage::JobKind::supervision_gap, gap, config::MessageKind::supervision_gap});
}

}  // namespace tend::commands
