// /break: a volunteer pauses everything Tend sends to or about them; their supervisor is told.
// A break changes the person, never their jobs: the delivery policy holds what falls due while
// it lasts, and when it ends (by date or /break end) what was held is given back here, as one
// message per recipient, and the routines start again from the break's end.
#include <map>

#include "commands/families.hpp"
#include "commands/format.hpp"
#include "commands/nudges.hpp"
#include "commands/text.hpp"
#include "config/parse.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"
#include "storage/time.hpp"

namespace tend::commands {
namespace {

std::string break_end_key(int64_t person_id) {
  return "break-end:" + std::to_string(person_id);
}

std::optional<storage::Person> supervisor_of(Services& s, const storage::Person& volunteer) {
  return volunteer.supervisor_id ? storage::People(s.db).by_id(*volunteer.supervisor_id) : std::nullopt;
}

void tell_supervisor(Services& s, const storage::Person& volunteer, const std::string& text) {
  if (auto supervisor = supervisor_of(s, volunteer))
    s.send(*supervisor, Message{text, {}, {}},
           "break:" + std::to_string(volunteer.id) + ":" + std::to_string(storage::unix_seconds(s.now())),
           {config::MessageKind::notice, volunteer.id, std::nullopt});
}

// What the supervisor is told is being held, from the jobs about the volunteer.
std::string what_is_held(Services& s, const storage::Person& volunteer) {
  int followups = 0, reminders = 0;
  for (const auto& job : storage::Jobs(s.db).about(volunteer.id)) {
    if (job.kind == storage::JobKind::story_followup) ++followups;
    if (job.kind == storage::JobKind::nudge_repeat) ++reminders;
  }
  std::string text = "While it lasts Tend holds everything to or about them: check-in prompts";
  if (followups > 0)
    text += ", " + std::to_string(followups) + " story follow-up" + (followups == 1 ? "" : "s") + " to you";
  if (reminders > 0)
    text += ", " + std::to_string(reminders) + " snoozed reminder" + (reminders == 1 ? "" : "s");
  return text +
         ", gentle messages, escalations, the overdue and supervision-gap watch and boundary reminders. "
         "When it ends you get what was held in one message. One exception: if the break outlasts a story's "
         "follow-ups, you get them together at the last one.";
}

Reply take_break(Context& ctx, std::string_view args) {
  std::optional<Instant> until;
  std::string note(args);
  const auto* zone = ctx.zone_of(ctx.caller);
  if (auto [word, rest] = split_word(args); lower(word) == "until") {
    try {
      auto when = config::parse_when_prefix(rest, zone, ctx.now());
      until = config::to_instant(when.when, zone, ctx.now(), std::chrono::minutes(0));
      note = std::string(trim(when.rest));
    } catch (const config::ParseError& e) {
      throw UserError(std::string("Until when? ") + e.what() + ". For example `" + ctx.slash("break") +
                      " until next mon` or `" + ctx.slash("break") + " until 3 Dec`.");
    }
    if (*until <= ctx.now()) throw UserError("That date has passed; pick a day in the future.");
  }
  if (utf8_length(note) > 300) throw UserError("Please keep the note to 300 characters.");
  storage::People(ctx.db).set_break(ctx.caller.id, until.value_or(storage::Person::kOpenEndedBreak), note);
  storage::Jobs jobs(ctx.db);
  if (until)
    ctx.schedule({storage::JobKind::break_ends, *until, storage::PersonJob{ctx.caller.id},
                  break_end_key(ctx.caller.id), ctx.caller.id},
                 /*replace_existing=*/true);
  else
    jobs.remove_by_key_prefix(break_end_key(ctx.caller.id));
  ctx.audit("break.start", ctx.caller.id, until ? config::format_local(*until, zone) : "open-ended");
  const auto until_text = until ? " until " + config::format_local(*until, zone) : std::string();
  tell_supervisor(ctx, ctx.caller,
                  "*" + ctx.caller.display_name + "* is taking a break" + until_text + ". " +
                      what_is_held(ctx, ctx.caller) + (note.empty() ? "" : "\n> " + note));
  const auto buddies = tell_buddies_of_break(ctx, ctx.caller, until);
  return Reply{
      "Your break has started" + until_text +
          ". I won't send you anything, and nobody is nudged about you, until it ends" +
          (until ? "" : " (type `" + ctx.slash("break") + " end` when you're back)") +
          ". What falls due meanwhile is held, not dropped, and comes as one message when it ends. One "
          "exception: if your break outlasts the follow-ups of a story you shared, your supervisor still "
          "gets those, once, at the last one. " +
          (ctx.caller.supervisor_id ? "Your supervisor has been told." : "") +
          (buddies.empty() ? ""
                           : " " + buddies + " (your buddy) has been told, as you chose, and nothing more.") +
          " Take care.",
      {},
      {}};
}

// The next time a routine runs, counted from the break's end.
std::optional<Instant> resumed_at(Services& s, const storage::Person& person, const storage::Job& job) {
  const auto settings = s.settings_for(person);
  switch (job.kind) {
    case storage::JobKind::checkin_prompt:
      return next_prompt_after(s, person, s.now());
    case storage::JobKind::checkin_overdue:
      return s.now() + settings.duration("checkin.overdue_after");
    case storage::JobKind::boundaries_reminder:
      return s.now() + settings.duration("boundaries.reminder_every");
    case storage::JobKind::supervision_gap:
      return s.now() + settings.duration("supervision.max_gap");
    case storage::JobKind::buddy_prompt:
      return next_buddy_turn(s, job, s.now());
    case storage::JobKind::nudge_escalate:
      // The owner hears again now; the coordinators only if that goes unanswered.
      return s.now() + s.global_settings().duration("nudge.escalate_after");
    default:
      return std::nullopt;
  }
}

bool is_nudge_message(const Message& m) {
  for (const auto& b : m.buttons)
    if (b.action_id == "nudge.done") return true;
  return false;
}

// One message to one recipient for what was held about `volunteer`.
void give_back_to(Services& s, const storage::Person& volunteer, const std::optional<storage::Person>& to,
                  std::vector<Services::Gathered> items, bool is_supervisor) {
  const bool to_volunteer = to && to->id == volunteer.id;
  if (items.size() == 1 && !is_supervisor && !to_volunteer) {
    auto& item = items.front();
    if (!item.nudge_reason.empty() && item.message.buttons.empty())
      nudge_staff_about(
          s, volunteer,
          {item.nudge_reason, item.message.text, item.key, item.about.kind, item.about.about_at, to});
    else if (to)
      s.send(*to, item.message, item.key, item.about);
    else
      s.send_to_coordinators(item.message, item.key, item.about);
    return;
  }
  const auto* zone = to ? s.zone_of(*to) : s.global_settings().zone("timezone.default");
  std::string text = to_volunteer    ? "Welcome back, " + volunteer.display_name + "."
                     : is_supervisor ? "*" + volunteer.display_name + "* is back from their break."
                                     : "";
  if (!items.empty())
    text +=
        std::string(text.empty() ? "" : " ") +
        (to_volunteer ? "While you were on a break, Tend held these for you:"
                      : "While *" + volunteer.display_name + "* was on a break, Tend held these for you:");
  std::string reasons;
  std::vector<Button> buttons;
  config::MessageKind kind = config::MessageKind::notice;
  std::optional<Instant> moment;
  for (auto& item : items) {
    auto body = item.message.text;
    if (item.about.about_at) body = with_moment(body, *item.about.about_at, s.now(), zone);
    text += "\n\n• " + body;
    if (kind == config::MessageKind::notice) kind = item.about.kind;
    if (!moment) moment = item.about.about_at;
    if (!item.nudge_reason.empty() || is_nudge_message(item.message)) {
      reasons +=
          (reasons.empty() ? "" : "; ") +
          (item.nudge_reason.empty() ? std::string("a reminder held during the break") : item.nudge_reason);
      // The older nudge is replaced by the one below: its repeat and escalation go with it.
      for (const auto& b : item.message.buttons)
        if (b.action_id == "nudge.done") storage::Jobs(s.db).remove_by_key_prefix("nudge:" + b.value + ":");
      continue;
    }
    for (const auto& b : item.message.buttons)
      if (std::find(buttons.begin(), buttons.end(), b) == buttons.end()) buttons.push_back(b);
  }
  const auto key = "break-held:" + std::to_string(volunteer.id) + ":" +
                   (to ? std::to_string(to->id) : "coordinators") + ":" +
                   std::to_string(storage::unix_seconds(s.now()));
  if (!reasons.empty()) {
    nudge_staff_about(s, volunteer,
                      {"held while " + volunteer.display_name + " was on a break: " + reasons, text, key,
                       kind, std::nullopt, to});
    return;
  }
  const storage::OutboxAbout about{kind, volunteer.id, std::nullopt};
  if (to)
    s.send(*to, Message{text, buttons, {}}, key, about);
  else
    s.send_to_coordinators(Message{text, buttons, {}}, key, about);
}

}  // namespace

void give_back_held(Services& s, const storage::Person& volunteer) {
  s.start_gathering(volunteer.id);
  storage::Jobs jobs(s.db);
  for (const auto& job : jobs.about(volunteer.id)) {
    // Silence during a break is not silence to worry about: the overdue watch starts again from
    // its end whether or not it fell due meanwhile.
    if (!job.held && job.kind != storage::JobKind::checkin_overdue) continue;
    if (auto at = resumed_at(s, volunteer, job)) {
      jobs.release(job.id, *at);
      continue;
    }
    const auto* spec = job.known_kind ? s.registry.job(job.kind) : nullptr;
    if (!spec || commands::decide_due_job(s, *spec, job).verdict == config::Verdict::drop) {
      jobs.remove(job.id);
      continue;
    }
    const auto outcome = spec->handler(s, job);
    if (outcome.run_again_at)
      jobs.release(job.id, std::max(*outcome.run_again_at, s.now()));
    else
      jobs.remove(job.id);
  }
  storage::Outbox outbox(s.db);
  storage::People people(s.db);
  for (const auto& row : outbox.held_about(volunteer.id)) {
    std::optional<storage::Person> to;
    if (row.recipient.person_id) to = people.by_id(*row.recipient.person_id);
    if (row.recipient.kind == storage::OutboxRecipient::Kind::person && !to) continue;
    outbox.set_aside(row.id, "merged", "given back after the break");
    s.gather({to, row.message, row.about, row.idempotency_key, {}});
  }
  s.jobs_changed();
  auto gathered = s.stop_gathering();

  // One message per recipient, in the order they were held; the supervisor always hears it ended.
  const auto supervisor = supervisor_of(s, volunteer);
  std::vector<std::optional<int64_t>> order;
  std::map<std::optional<int64_t>, std::vector<Services::Gathered>> by_recipient;
  std::map<std::optional<int64_t>, std::optional<storage::Person>> recipient;
  if (supervisor) {
    order.push_back(supervisor->id);
    by_recipient[supervisor->id];
    recipient[supervisor->id] = supervisor;
  }
  for (auto& item : gathered) {
    const auto id = item.to ? std::optional<int64_t>(item.to->id) : std::nullopt;
    if (!by_recipient.contains(id)) order.push_back(id);
    recipient[id] = item.to;
    by_recipient[id].push_back(std::move(item));
  }
  for (const auto& id : order)
    give_back_to(s, volunteer, recipient[id], std::move(by_recipient[id]),
                 supervisor && id == supervisor->id);
}

namespace {

Reply end_break(Context& ctx, std::string_view) {
  if (!ctx.caller.on_break(ctx.now())) return Reply{"You're not on a break.", {}, {}};
  storage::People(ctx.db).set_break(ctx.caller.id, std::nullopt, "");
  storage::Jobs(ctx.db).remove_by_key_prefix(break_end_key(ctx.caller.id));
  ctx.audit("break.end", ctx.caller.id, "");
  auto back = *storage::People(ctx.db).by_id(ctx.caller.id);
  give_back_held(ctx, back);
  return Reply{"Welcome back, " + ctx.caller.display_name +
                   ". Prompts and follow-ups start again; anything held for you comes as one message.",
               {},
               {}};
}

JobOutcome break_ends(Services& s, const storage::Job& job) {
  auto person = storage::People(s.db).by_id(job.as<storage::PersonJob>().person);
  // A break extended or ended by hand since has its own job, or none.
  if (!person || person->on_break(s.now()) || !person->on_break_until) return JobOutcome::done();
  storage::People(s.db).set_break(person->id, std::nullopt, "");
  s.audit(std::nullopt, "break.end", person->id, "by date");
  person->on_break_until.reset();
  give_back_held(s, *person);
  return JobOutcome::done();
}

}  // namespace

void add_break(Registry& registry) {
  registry.add(Family{
      "break",
      "pause everything Tend sends to or about you",
      {
          {"", "[until <date>] [note]",
           "take a break: nothing is sent to or about you until it ends (held, not dropped); your supervisor "
           "is told",
           anyone, take_break},
          {"end", "", "end your break; what was held comes as one message", anyone, end_break},
      }});
  registry.add(JobSpec{storage::JobKind::break_ends, break_ends});
}

}  // namespace tend::commands
