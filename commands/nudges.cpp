#include "commands/nudges.hpp"

#include <set>

#include "storage/time.hpp"

#include "commands/families.hpp"
#include "commands/format.hpp"
#include "config/parse.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"
#include "storage/stories.hpp"

namespace tend::commands {
namespace {

// Buttons that fit one message on every platform, however many staff there are.
constexpr int kHandOverChoices = 10;

std::string escalation_key(int64_t nudge_id) {
  return "nudge:" + std::to_string(nudge_id) + ":escalate";
}

int64_t parse_id(std::string_view text) {
  try {
    return std::stoll(std::string(text));
  } catch (const std::exception&) {
    return 0;
  }
}

struct OpenNudge {
  storage::Nudge nudge;
  storage::Person volunteer;
};

OpenNudge load(Context& ctx, std::string_view value) {
  auto nudge = storage::Nudges(ctx.db).by_id(parse_id(value));
  if (!nudge) throw UserError("That reminder no longer exists.");
  auto volunteer = storage::People(ctx.db).by_id(nudge->volunteer_id);
  if (!volunteer) throw UserError("That reminder is about someone who is no longer in Tend.");
  return {*nudge, *volunteer};
}

Reply done(Context& ctx, const ActionInput& input) {
  auto [nudge, volunteer] = load(ctx, input.value);
  if (nudge.status == "done") {
    auto by = nudge.done_by ? storage::People(ctx.db).by_id(*nudge.done_by) : std::nullopt;
    return Reply{"Already done" + (by ? " by " + by->display_name : std::string()) + ". Thank you.", {}, {}};
  }
  storage::Nudges(ctx.db).mark_done(nudge.id, ctx.caller.id, ctx.now());

  storage::Jobs(ctx.db).remove_by_key_prefix("nudge:" + std::to_string(nudge.id) + ":");
  ctx.audit("nudge.done", volunteer.id, nudge.reason);
  return Reply{"Thank you for checking in with " + volunteer.display_name + ". I've noted it; it shows in `" +
                   ctx.slash("checkin") + " team`.",
               {},
               {}};
}

Reply snooze(Context& ctx, const ActionInput& input) {
  auto [nudge, volunteer] = load(ctx, input.value);
  if (nudge.status == "done") return Reply{"That one is already done. Thank you.", {}, {}};
  const auto later = ctx.now() + std::chrono::days(1);
  ctx.schedule({storage::JobKind::nudge_repeat, later, storage::NudgeJob{nudge.id},
                "nudge:" + std::to_string(nudge.id) + ":repeat", volunteer.id},
               /*replace_existing=*/true);
  ctx.schedule({storage::JobKind::nudge_escalate, later + ctx.settings().duration("nudge.escalate_after"),
                storage::NudgeJob{nudge.id}, escalation_key(nudge.id), volunteer.id},
               /*replace_existing=*/true);
  return Reply{"Okay, I'll remind you about " + volunteer.display_name + " again tomorrow.", {}, {}};
}

Reply hand_over(Context& ctx, const ActionInput& input) {
  auto [nudge, volunteer] = load(ctx, input.value);
  Reply r{"Who should reach out to " + volunteer.display_name + " instead?", {}, {}};
  // The volunteer's supervisor first, then admins and staff by name.
  storage::People people(ctx.db);
  std::vector<storage::Person> choices;
  if (volunteer.supervisor_id)
    if (auto supervisor = people.by_id(*volunteer.supervisor_id)) choices.push_back(*supervisor);
  for (auto kind : {storage::Kind::admin, storage::Kind::staff})
    for (auto& p : people.of_kind(kind, kHandOverChoices + 2, 0)) choices.push_back(std::move(p));
  std::set<int64_t> offered{ctx.caller.id};
  bool more = false;
  for (const auto& p : choices) {
    if (!p.is_staff() || !offered.insert(p.id).second) continue;
    if (r.buttons.size() == kHandOverChoices) {
      more = true;
      break;
    }
    r.buttons.push_back(
        {p.display_name, "nudge.hand_over_to", std::to_string(nudge.id) + ":" + std::to_string(p.id)});
  }
  if (more)
    r.text += " (The first " + std::to_string(kHandOverChoices) +
              ": their supervisor, then admins and staff by name.)";
  if (r.buttons.empty()) r.text = "There is no other staff member in Tend to hand this over to.";
  return r;
}

Reply hand_over_to(Context& ctx, const ActionInput& input) {
  const auto colon = input.value.find(':');
  if (colon == std::string::npos) throw UserError("That button is out of date.");
  auto [nudge, volunteer] = load(ctx, std::string_view(input.value).substr(0, colon));
  auto to = storage::People(ctx.db).by_id(parse_id(std::string_view(input.value).substr(colon + 1)));
  if (!to || !to->is_staff()) throw UserError("That person can't take this over; pick a staff member.");
  storage::Nudges(ctx.db).set_owner(nudge.id, to->id);
  ctx.send(*to,
           Message{ctx.caller.display_name + " handed over to you: " + nudge.reason +
                       ". Please reach out to *" + volunteer.display_name + "*.",
                   nudge_buttons(nudge.id),
                   {}},
           "nudge:" + std::to_string(nudge.id) + ":handover:" + std::to_string(to->id) + ":" +
               std::to_string(storage::unix_seconds(ctx.now())),
           {config::MessageKind::notice, volunteer.id, std::nullopt});
  ctx.audit("nudge.hand_over", volunteer.id, nudge.reason, ctx.caller.display_name, to->display_name);
  return Reply{"Handed over to " + to->display_name + ". They own it now.", {}, {}};
}

std::optional<storage::Person> owner_of(Services& services, const storage::Nudge& nudge) {
  return nudge.owner_id ? storage::People(services.db).by_id(*nudge.owner_id) : std::nullopt;
}

JobOutcome repeat(Services& services, const storage::Job& job) {
  auto nudge = storage::Nudges(services.db).by_id(job.as<storage::NudgeJob>().nudge);
  if (!nudge || nudge->status == "done") return JobOutcome::done();
  auto volunteer = storage::People(services.db).by_id(nudge->volunteer_id);
  auto owner = owner_of(services, *nudge);
  if (!volunteer || !owner) return JobOutcome::done();
  const Message message{
      "A reminder: " + nudge->reason + ". Please reach out to *" + volunteer->display_name + "*.",
      nudge_buttons(nudge->id),
      {}};
  const auto key = job.key + ":" + std::to_string(storage::unix_seconds(job.due_at));
  if (services.gathering(volunteer->id)) {
    services.gather(
        {owner, message, {config::MessageKind::nudge_repeat, volunteer->id, job.due_at}, key, nudge->reason});
    return JobOutcome::done();
  }
  services.send(*owner, message, key, {config::MessageKind::nudge_repeat, volunteer->id, job.due_at});
  return JobOutcome::done();
}

// Every escalation about this volunteer that has fallen due goes out as one message.
JobOutcome escalate(Services& services, const storage::Job& job) {
  auto first = storage::Nudges(services.db).by_id(job.as<storage::NudgeJob>().nudge);
  if (!first) return JobOutcome::done();
  auto volunteer = storage::People(services.db).by_id(first->volunteer_id);
  if (!volunteer) return JobOutcome::done();
  std::vector<storage::Nudge> open;
  if (first->status == "open") open.push_back(*first);
  storage::Jobs jobs(services.db);
  for (const auto& other : jobs.due_about(volunteer->id, storage::JobKind::nudge_escalate, services.now())) {
    if (other.id == job.id) continue;
    jobs.remove(other.id);
    auto nudge = storage::Nudges(services.db).by_id(other.as<storage::NudgeJob>().nudge);
    if (nudge && nudge->status == "open") open.push_back(*nudge);
  }
  if (open.empty()) return JobOutcome::done();
  std::string text;
  if (open.size() == 1) {
    auto owner = owner_of(services, open.front());
    text = "Nobody has answered this reminder for " + elapsed(open.front().created_at, services.now()) +
           ": " + open.front().reason + ". " + (owner ? owner->display_name + " was asked. " : std::string());
  } else {
    text = "Nobody has answered these reminders about *" + volunteer->display_name + "*:";
    for (const auto& n : open) {
      auto owner = owner_of(services, n);
      text += "\n• " + n.reason + " (for " + elapsed(n.created_at, services.now()) +
              (owner ? "; " + owner->display_name + " was asked" : std::string()) + ")";
    }
    text += "\n";
  }
  for (const auto& n : open) storage::Nudges(services.db).mark_escalated(n.id);
  const Message message{text + "Could someone reach out to *" + volunteer->display_name + "*?",
                        nudge_buttons(open.front().id),
                        {}};
  const storage::OutboxAbout about{config::MessageKind::escalation, volunteer->id, job.due_at};
  if (services.gathering(volunteer->id))
    services.gather({std::nullopt, message, about, job.key, open.front().reason});
  else
    services.send_to_coordinators(message, job.key, about);
  return JobOutcome::done();
}

}  // namespace

std::vector<Button> nudge_buttons(int64_t nudge_id) {
  const auto id = std::to_string(nudge_id);
  return {{"Done, I've checked in", "nudge.done", id},
          {"Snooze 1 day", "nudge.snooze", id},
          {"Hand over", "nudge.hand_over", id}};
}

void nudge_staff_about(Services& services, const storage::Person& volunteer, const NudgeRequest& request) {
  if (storage::Outbox(services.db).exists(request.key)) return;
  auto owner = request.owner;
  if (!owner && volunteer.supervisor_id) owner = storage::People(services.db).by_id(*volunteer.supervisor_id);
  const storage::OutboxAbout about{request.kind, volunteer.id, request.moment};
  if (services.gathering(volunteer.id)) {
    services.gather({owner, Message{request.text, {}, {}}, about, request.key, request.reason});
    return;
  }
  const auto id =
      storage::Nudges(services.db)
          .add(volunteer.id, owner ? std::optional(owner->id) : std::nullopt, request.reason, services.now());
  const Message message{request.text, nudge_buttons(id), {}};
  Instant delivered_at = services.now();
  if (owner)
    delivered_at = services.send(*owner, message, request.key, about);
  else
    services.send_to_coordinators(message, request.key, about);
  const auto escalate_after = services.global_settings().duration("nudge.escalate_after");
  services.schedule({storage::JobKind::nudge_escalate, delivered_at + escalate_after, storage::NudgeJob{id},
                     escalation_key(id), volunteer.id});
}

void add_nudges(Registry& registry) {
  registry.add(ActionSpec{"nudge.done", staff_and_admins, done});
  registry.add(ActionSpec{"nudge.snooze", staff_and_admins, snooze});
  registry.add(ActionSpec{"nudge.hand_over", staff_and_admins, hand_over});
  registry.add(ActionSpec{"nudge.hand_over_to", staff_and_admins, hand_over_to});
  registry.add(JobSpec{storage::JobKind::nudge_repeat, repeat, config::MessageKind::nudge_repeat});
  registry.add(JobSpec{storage::JobKind::nudge_escalate, escalate, config::MessageKind::escalation});
}

}  // namespace tend::commands
