// What Tend holds about a person: all of it on request (/tend mydata), gone on request after a
// confirmation (/tend forget), and notes removed once older than privacy.note_retention.
#include <nlohmann/json.hpp>

#include "commands/families.hpp"
#include "storage/audit.hpp"
#include "storage/buddies.hpp"
#include "storage/checkins.hpp"
#include "storage/debriefs.hpp"
#include "storage/inbound.hpp"
#include "storage/settings_store.hpp"
#include "storage/stories.hpp"
#include "storage/supervision.hpp"
#include "storage/time.hpp"

namespace tend::commands {
namespace {

std::string iso(Instant t) {
  return date::format("%FT%TZ", t);
}

nlohmann::json export_of(Services& s, const storage::Person& p) {
  nlohmann::json out;
  out["person"] = {
      {"platform", p.platform}, {"platform_user_id", p.platform_user_id}, {"display_name", p.display_name},
      {"zone", p.zone},         {"kind", std::string(to_string(p.kind))}, {"created_at", iso(p.created_at)}};
  if (p.supervisor_id)
    if (auto sup = storage::People(s.db).by_id(*p.supervisor_id))
      out["person"]["supervisor"] = sup->display_name;
  if (p.on_break_until) out["person"]["on_break_until"] = iso(*p.on_break_until);
  out["checkins"] = nlohmann::json::array();
  for (const auto& c : storage::Checkins(s.db).latest(p.id, 1'000'000))
    out["checkins"].push_back({{"at", iso(c.at)},
                               {"score", c.score ? nlohmann::json(*c.score) : nlohmann::json()},
                               {"note", c.note},
                               {"private", c.is_private},
                               {"asked_for_support", c.asked_for_support}});
  out["stories"] = nlohmann::json::array();
  for (const auto& st : storage::Stories(s.db).of_volunteer(p.id, 1'000'000))
    out["stories"].push_back({{"at", iso(st.at)}, {"what", st.what}});
  out["supervision"] = nlohmann::json::array();
  for (const auto& b : storage::Supervision(s.db).all_for_volunteer(p.id))
    out["supervision"].push_back(
        {{"starts_at", iso(b.slot.starts_at)}, {"minutes", b.slot.minutes}, {"status", b.status}});
  out["debriefs"] = nlohmann::json::array();
  for (const auto& d : storage::Debriefs(s.db).latest(p.id, 1'000'000))
    out["debriefs"].push_back(
        {{"at", iso(d.at)},
         {"score", d.score},
         {"stirred_up", d.stirred ? nlohmann::json(*d.stirred) : nlohmann::json()},
         {"would_like_to_talk", d.talk ? nlohmann::json(*d.talk) : nlohmann::json()},
         {"note", d.note},
         {"private", d.is_private},
         {"supervisor_told_at", d.escalated_at ? nlohmann::json(iso(*d.escalated_at)) : nlohmann::json()}});
  out["buddies"] = nlohmann::json::array();
  for (const auto& b : storage::Buddies(s.db).all_of(p.id)) {
    auto other = storage::People(s.db).by_id(b.other(p.id));
    out["buddies"].push_back({{"buddy", other ? other->display_name : ""},
                              {"status", b.status},
                              {"since", b.started_at ? nlohmann::json(iso(*b.started_at)) : nlohmann::json()},
                              {"until", b.ended_at ? nlohmann::json(iso(*b.ended_at)) : nlohmann::json()},
                              {"you_share_breaks", b.shares(p.id, storage::Shared::breaks)},
                              {"you_share_support", b.shares(p.id, storage::Shared::support)}});
  }
  out["settings"] = storage::SettingsStore(s.db).values(p.id);
  return out;
}

Reply my_data(Context& ctx, std::string_view) {
  const auto data = export_of(ctx, ctx.caller).dump(2);
  ctx.send(
      ctx.caller, Message{"Everything Tend holds about you, as JSON:\n```\n" + data + "\n```", {}, {}},
      "mydata:" + std::to_string(ctx.caller.id) + ":" + std::to_string(storage::unix_seconds(ctx.now())));
  ctx.audit("mydata.export", ctx.caller.id, "");
  return Reply{"I've sent you everything Tend holds about you as a direct message.", {}, {}};
}

Reply forget(Context& ctx, std::string_view) {
  return Reply{
      "This deletes everything Tend holds about you: your check-ins and notes, debriefs, stories, "
      "supervision bookings, buddy pairings (your buddy is told the pairing has ended), settings and "
      "reminders. It cannot be undone. The audit log keeps a record that "
      "changes happened, without their content. Are you sure?",
      {{"Yes, delete my data", "tend.forget", std::to_string(ctx.caller.id)}},
      {}};
}

Reply forget_confirmed(Context& ctx, const ActionInput& input) {
  if (input.value != std::to_string(ctx.caller.id)) throw UserError("That button is for someone else.");
  const auto id = ctx.caller.id;
  end_buddies_of(ctx, ctx.caller);
  // Jobs about this person first; then their settings, the stored copies of replies that showed
  // their data, the audit's details, and the person (whose check-ins, stories, bookings and
  // messages cascade).
  storage::Jobs(ctx.db).remove_about(id);
  storage::SettingsStore(ctx.db).forget(id);
  storage::Inbound(ctx.db).withdraw_replies_showing(
      id,
      Message{"This was already handled. Its answer showed data that Tend has since deleted at the request "
              "of the person it was about, so it can't be shown again.",
              {},
              {}});
  storage::Audit(ctx.db).redact_about(id);
  storage::People(ctx.db).forget(id);
  ctx.audit("forget", id, "");
  return Reply{
      "Done. Everything Tend held about you has been deleted. What remains is the audit log's record "
      "that changes happened (dates and kinds of change, without content). If you use Tend again, you "
      "start afresh.",
      {},
      {}};
}

JobOutcome retention(Services& s, const storage::Job&) {
  const auto next = s.now() + std::chrono::days(1);
  storage::Inbound(s.db).forget_before(s.now() - std::chrono::days(7));
  if (auto keep = s.global_settings().optional_duration("privacy.note_retention")) {
    storage::Checkins(s.db).clear_notes_before(s.now() - *keep);
    storage::Debriefs(s.db).clear_notes_before(s.now() - *keep);
    storage::Supervision(s.db).clear_notes_before(s.now() - *keep);
  }
  return JobOutcome::again_at(next);
}

}  // namespace

Reply tend_mydata(Context& ctx, std::string_view args) {
  return my_data(ctx, args);
}
Reply tend_forget(Context& ctx, std::string_view args) {
  return forget(ctx, args);
}

void schedule_housekeeping(Services& s) {
  s.schedule({storage::JobKind::privacy_retention, s.now() + std::chrono::minutes(1), storage::NoPayload{},
              "housekeeping:daily", std::nullopt});
}

void add_privacy(Registry& registry) {
  registry.add(ActionSpec{"tend.forget", anyone, forget_confirmed});
  registry.add(JobSpec{storage::JobKind::privacy_retention, retention});
}

}  // namespace tend::commands
