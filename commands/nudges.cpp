#include "commands/nudges.hpp"
#include "storage/time.hpp"

#include "commands/families.hpp"
#include "commands/format.hpp"
#include "config/parse.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"
#include "storage/stories.hpp"

namespace tend::commands {
namespace {

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
  ctx.schedule("nudge.repeat", later, {{"nudge", nudge.id}}, "nudge:" + std::to_string(nudge.id) + ":repeat",
               /*replace_existing=*/true);
  ctx.schedule("nudge.escalate", later + ctx.settings().duration("nudge.escalate_after"),
               {{"nudge", nudge.id}}, escalation_key(nudge.id), /*replace_existing=*/true);
  return Reply{"Okay, I'll remind you about " + volunteer.display_name + " again tomorrow.", {}, {}};
}

Reply hand_over(Context& ctx, const ActionInput& input) {
  auto [nudge, volunteer] = load(ctx, input.value);
  Reply r{"Who should reach out to " + volunteer.display_name + " instead?", {}, {}};
  for (auto kind : {storage::Kind::staff, storage::Kind::admin})
    for (const auto& p : storage::People(ctx.db).of_kind(kind))
      if (p.id != ctx.caller.id)
        r.buttons.push_back(
            {p.display_name, "nudge.hand_over_to", std::to_string(nudge.id) + ":" + std::to_string(p.id)});
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
               std::to_string(storage::unix_seconds(ctx.now())));
  ctx.audit("nudge.hand_over", volunteer.id, nudge.reason, ctx.caller.display_name, to->display_name);
  return Reply{"Handed over to " + to->display_name + ". They own it now.", {}, {}};
}

std::optional<storage::Person> owner_of(Services& services, const storage::Nudge& nudge) {
  return nudge.owner_id ? storage::People(services.db).by_id(*nudge.owner_id) : std::nullopt;
}

JobOutcome repeat(Services& services, const storage::Job& job) {
  auto nudge = storage::Nudges(services.db).by_id(job.payload.value("nudge", int64_t{0}));
  if (!nudge || nudge->status == "done") return JobOutcome::done();
  auto volunteer = storage::People(services.db).by_id(nudge->volunteer_id);
  auto owner = owner_of(services, *nudge);
  if (!volunteer || !owner) return JobOutcome::done();
  services.send(
      *owner,
      Message{"A reminder: " + nudge->reason + ". Please reach out to *" + volunteer->display_name + "*.",
              nudge_buttons(nudge->id),
              {}},
      job.key + ":" + std::to_string(storage::unix_seconds(job.due_at)));
  return JobOutcome::done();
}

JobOutcome escalate(Services& services, const storage::Job& job) {
  auto nudge = storage::Nudges(services.db).by_id(job.payload.value("nudge", int64_t{0}));
  if (!nudge || nudge->status != "open") return JobOutcome::done();
  auto volunteer = storage::People(services.db).by_id(nudge->volunteer_id);
  if (!volunteer) return JobOutcome::done();
  auto owner = owner_of(services, *nudge);
  storage::Nudges(services.db).mark_escalated(nudge->id);
  services.send_to_coordinators(
      Message{"Nobody has answered this reminder for " + elapsed(nudge->created_at, services.now()) + ": " +
                  nudge->reason + ". " + (owner ? owner->display_name + " was asked. " : std::string()) +
                  "Could someone reach out to *" + volunteer->display_name + "*?",
              nudge_buttons(nudge->id),
              {}},
      job.key);
  return JobOutcome::done();
}

}  // namespace

std::vector<Button> nudge_buttons(int64_t nudge_id) {
  const auto id = std::to_string(nudge_id);
  return {{"Done, I've checked in", "nudge.done", id},
          {"Snooze 1 day", "nudge.snooze", id},
          {"Hand over", "nudge.hand_over", id}};
}

void nudge_staff_about(Services& services, const storage::Person& volunteer, const std::string& reason,
                       const std::string& text, const std::string& key) {
  if (storage::Outbox(services.db).exists(key)) return;
  std::optional<storage::Person> supervisor;
  if (volunteer.supervisor_id) supervisor = storage::People(services.db).by_id(*volunteer.supervisor_id);
  const auto id = storage::Nudges(services.db)
                      .add(volunteer.id, supervisor ? std::optional(supervisor->id) : std::nullopt, reason,
                           services.now());
  const Message message{text, nudge_buttons(id), {}};
  Instant delivered_at = services.now();
  if (supervisor)
    delivered_at = services.send(*supervisor, message, key);
  else
    services.send_to_coordinators(message, key);
  const auto escalate_after = services.global_settings().duration("nudge.escalate_after");
  services.schedule("nudge.escalate", delivered_at + escalate_after, {{"nudge", id}}, escalation_key(id));
}

void add_nudges(Registry& registry) {
  registry.add(ActionSpec{"nudge.done", staff_and_admins, done});
  registry.add(ActionSpec{"nudge.snooze", staff_and_admins, snooze});
  registry.add(ActionSpec{"nudge.hand_over", staff_and_admins, hand_over});
  registry.add(ActionSpec{"nudge.hand_over_to", staff_and_admins, hand_over_to});
  registry.add(JobSpec{"nudge.repeat", repeat});
  registry.add(JobSpec{"nudge.escalate", escalate});
}

}  // namespace tend::commands
