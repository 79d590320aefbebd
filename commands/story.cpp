// /story: a volunteer shared (or will share) their story in public. Tend makes sure someone
// reaches out the next day, a few days later and the next week, because distress can surface
// long after the applause.
#include "commands/families.hpp"
#include "commands/format.hpp"
#include "commands/nudges.hpp"
#include "commands/text.hpp"
#include "config/delivery_window.hpp"
#include "config/parse.hpp"
#include "storage/checkins.hpp"
#include "storage/jobs.hpp"
#include "storage/stories.hpp"

namespace tend::commands {
namespace {

constexpr std::size_t kWhatMaxChars = 300;
// A follow-up whose time passed more than this long ago when the story is logged is skipped:
// a nudge for "a day after" that arrives a fortnight later helps no one.
constexpr std::chrono::hours kPastFollowupGrace{12};
constexpr std::chrono::minutes kLateAfter{10};

std::string story_key(int64_t id) {
  return "story:" + std::to_string(id) + ":";
}

std::string late_note(const Services& s, const storage::Job& job, const date::time_zone* zone) {
  if (s.now() - job.due_at < kLateAfter) return "";
  return "\n_This was due " + config::format_local(job.due_at, zone) +
         " but Tend was not running then; sorry it is late._";
}

// Who may log or manage a story for this volunteer: the volunteer, their supervisor, an admin.
void check_may_manage(const Context& ctx, const storage::Person& volunteer) {
  if (ctx.caller.id == volunteer.id || ctx.caller.kind == storage::Kind::admin) return;
  if (ctx.caller.kind == storage::Kind::staff && volunteer.supervisor_id == ctx.caller.id) return;
  throw UserError("Only " + volunteer.display_name + ", their supervisor or an admin can do that.");
}

std::optional<storage::Person> supervisor_of(Services& s, const storage::Person& volunteer) {
  return volunteer.supervisor_id ? storage::People(s.db).by_id(*volunteer.supervisor_id) : std::nullopt;
}

// The latest moment a follow-up of this story may wait for a volunteer's break to end.
Instant last_followup(const Services& s, const storage::Story& story, const storage::Person& volunteer) {
  Instant last = story.at;
  for (auto offset : s.settings_for(volunteer).durations("story.followups"))
    last = std::max(last, config::add_local(story.at, offset, s.zone_of(volunteer)));
  return last;
}

Reply log_story(Context& ctx, std::string_view args) {
  storage::Person volunteer = ctx.caller;
  auto [first, rest] = split_word(args);
  if (parse_mention(first)) {
    volunteer = ctx.resolve_person(first);
    args = rest;
  }
  check_may_manage(ctx, volunteer);
  const auto* zone = ctx.zone_of(ctx.caller);
  config::WhenPrefix when;
  try {
    // A story may be past or planned: "3 Dec" is the nearest 3 December.
    when = config::parse_when_prefix(args, zone, ctx.now(), config::YearlessDate::nearest);
  } catch (const config::ParseError& e) {
    throw UserError(std::string("When was it? ") + e.what() + ". For example `" + ctx.slash("story") +
                    " yesterday 3pm funders' lunch` or `" + ctx.slash("story") +
                    " next fri 14:00 conference talk`.");
  }
  const auto what = std::string(trim(when.rest));
  if (what.empty())
    throw UserError("What was it? For example `" + ctx.slash("story") + " yesterday 14:00 funders' lunch`.");
  if (utf8_length(what) > kWhatMaxChars)
    throw UserError("Please describe the event in at most 300 characters (it is shown in every reminder).");
  const auto at = config::to_instant(when.when, zone, ctx.now(), std::chrono::hours(12));
  const auto id = storage::Stories(ctx.db).add(volunteer.id, ctx.caller.id, at, what, ctx.now());
  const auto key = story_key(id);
  const nlohmann::json payload{{"story", id}};
  const auto settings = ctx.settings_for(volunteer);

  std::string scheduled, skipped;
  const auto* volunteer_zone = ctx.zone_of(volunteer);
  for (auto offset : settings.durations("story.followups")) {
    const auto due = config::add_local(at, offset, volunteer_zone);
    if (due < ctx.now() - kPastFollowupGrace) {
      skipped += " " + config::format_duration(offset);
      continue;
    }
    ctx.schedule("story.followup", due, {{"story", id}, {"offset", offset.count()}},
                 key + "followup:" + std::to_string(offset.count()));
    scheduled += "\n• " + config::format_local(std::max(due, ctx.now()), zone) + " (" +
                 config::format_duration(offset) + " after)";
  }
  const auto gentle_after = settings.duration("story.volunteer_followup");
  const auto gentle = config::add_local(at, gentle_after, volunteer_zone);
  if (gentle >= ctx.now() - kPastFollowupGrace)
    ctx.schedule("story.volunteer", gentle, {{"story", id}, {"offset", gentle_after.count()}},
                 key + "volunteer");

  const bool future = at > ctx.now();
  if (future) {
    const auto reminder = config::add_local(at, -std::chrono::days(1), volunteer_zone);
    if (reminder > ctx.now()) ctx.schedule("story.reminder", reminder, payload, key + "reminder");
    ctx.schedule("story.prepare", ctx.now(), payload, key + "prepare");
  }
  ctx.audit("story.add", volunteer.id, "#" + std::to_string(id));

  auto supervisor = supervisor_of(ctx, volunteer);
  const std::string who = supervisor ? supervisor->display_name : "the coordinators";
  std::string text = "Logged story #" + std::to_string(id) + " for " +
                     (volunteer.id == ctx.caller.id ? std::string("you") : volunteer.display_name) + ": _" +
                     what + "_, " + config::format_local(at, zone) + ".";
  if (!scheduled.empty())
    text += "\nI'll ask " + who + " to check in with " +
            (volunteer.id == ctx.caller.id ? std::string("you") : volunteer.display_name) + ":" + scheduled;
  if (!skipped.empty()) text += "\n(Skipped follow-ups already long past:" + skipped + ".)";
  if (future) text += "\nA preparation note is on its way, and a reminder the day before.";
  return Reply{text, {}, {}};
}

Reply list_stories(Context& ctx, std::string_view args) {
  storage::Person volunteer = ctx.caller;
  if (!args.empty()) {
    volunteer = ctx.resolve_person(args);
    check_may_manage(ctx, volunteer);
    if (volunteer.id != ctx.caller.id) ctx.audit("stories.read", volunteer.id, "list");
  }
  auto stories = storage::Stories(ctx.db).of_volunteer(volunteer.id, 20);
  if (stories.empty()) return Reply{"No stories logged for " + volunteer.display_name + ".", {}, {}};
  const auto* zone = ctx.zone_of(ctx.caller);
  std::string text = "*Stories of " + volunteer.display_name + "*\n";
  for (const auto& s : stories)
    text += "• #" + std::to_string(s.id) + " " + config::format_local(s.at, zone) + " — " + s.what + "\n";
  return Reply{text + "Cancel one with `" + ctx.slash("story") + " cancel <id>`.", {}, {}};
}

Reply cancel_story(Context& ctx, std::string_view args) {
  auto id = args.empty() ? 0 : std::atoll(std::string(args).c_str());
  auto story = storage::Stories(ctx.db).by_id(id);
  if (!story || story->cancelled)
    throw UserError("There is no story #" + std::string(args) + ". `" + ctx.slash("story") +
                    " list` shows them.");
  auto volunteer = storage::People(ctx.db).by_id(story->volunteer_id);
  check_may_manage(ctx, *volunteer);
  storage::Stories(ctx.db).cancel(id);
  const int removed = storage::Jobs(ctx.db).remove_by_key_prefix(story_key(id));
  ctx.audit("story.cancel", volunteer->id, "#" + std::to_string(id));
  return Reply{"Cancelled story #" + std::to_string(id) + " (" + story->what + "); " +
                   std::to_string(removed) + " pending reminder(s) removed.",
               {},
               {}};
}

struct Loaded {
  storage::Story story;
  storage::Person volunteer;
};
std::optional<Loaded> load(Services& s, const storage::Job& job) {
  auto story = storage::Stories(s.db).by_id(job.payload.value("story", int64_t{0}));
  if (!story || story->cancelled) return std::nullopt;
  auto volunteer = storage::People(s.db).by_id(story->volunteer_id);
  if (!volunteer) return std::nullopt;
  return Loaded{*story, *volunteer};
}

JobOutcome followup(Services& s, const storage::Job& job) {
  auto loaded = load(s, job);
  if (!loaded) return JobOutcome::done();
  auto& [story, volunteer] = *loaded;
  std::string break_note;
  if (volunteer.on_break(s.now())) {
    // Held while the volunteer is on a break; if the break outlasts the follow-up week, the
    // supervisor still hears, at its end, rather than never.
    const auto last = last_followup(s, story, volunteer);
    if (*volunteer.on_break_until <= last) return JobOutcome::again_at(*volunteer.on_break_until);
    if (s.now() < last) return JobOutcome::again_at(last);
    break_note = "\n_" + volunteer.display_name + " is on a break, so this was held; please be gentle._";
  }
  auto supervisor = supervisor_of(s, volunteer);
  const auto* zone = supervisor ? s.zone_of(*supervisor) : s.global_settings().zone("timezone.default");
  const auto offset = std::chrono::seconds{job.payload.value("offset", int64_t{0})};
  const std::string reason = "follow-up " + config::format_duration(offset) + " after " +
                             volunteer.display_name + " shared their story (" + story.what + ")";
  std::string text = "It's been " + elapsed(story.at, s.now()) + " since *" + volunteer.display_name +
                     "* shared their story: _" + story.what + "_ (" + config::format_local(story.at, zone) +
                     "). Feelings can surface days later. " + "Please check in with them today.";
  auto latest = storage::Checkins(s.db).latest(volunteer.id, 1);
  if (!latest.empty())
    text += "\nTheir last check-in: " + score_text(latest.front().score) + ", " +
            ago(latest.front().at, s.now()) + ".";
  nudge_staff_about(s, volunteer, reason, text + break_note + late_note(s, job, zone), job.key);
  return JobOutcome::done();
}

JobOutcome volunteer_followup(Services& s, const storage::Job& job) {
  auto loaded = load(s, job);
  if (!loaded) return JobOutcome::done();
  auto& [story, volunteer] = *loaded;
  if (volunteer.on_break(s.now())) return JobOutcome::again_at(*volunteer.on_break_until);
  auto supervisor = supervisor_of(s, volunteer);
  Message m{
      "Hi " + volunteer.display_name + ". A little while ago you shared your story (_" + story.what +
          "_). That can stir things up, sometimes days later, and that is normal. How are you doing?" +
          (supervisor ? " " + supervisor->display_name + " is there if you'd like to talk." : std::string()),
      {},
      {}};
  static const char* labels[] = {"1 · struggling", "2", "3", "4", "5 · great"};
  for (int i = 0; i < 5; ++i) m.buttons.push_back({labels[i], "checkin.score", std::to_string(i + 1)});
  m.text += late_note(s, job, s.zone_of(volunteer));
  s.send(volunteer, m, job.key);
  return JobOutcome::done();
}

std::string boundaries_of(Services& s, const storage::Person& volunteer) {
  if (!volunteer.role_id) return "";
  const auto role = storage::Roles(s.db).by_id(*volunteer.role_id);
  if (!role || role->boundaries.empty()) return "";
  return "\n\n*Your role's boundaries (" + role->name + ")*\n" + role->boundaries;
}

JobOutcome prepare(Services& s, const storage::Job& job) {
  auto loaded = load(s, job);
  if (!loaded) return JobOutcome::done();
  auto& [story, volunteer] = *loaded;
  auto supervisor = supervisor_of(s, volunteer);
  s.send(
      volunteer,
      Message{"You're going to share your story: _" + story.what + "_, " +
                  config::format_local(story.at, s.zone_of(volunteer)) +
                  ".\nIt is fine not to share, or to share less than you planned, on the day or before it. "
                  "Who will you talk to afterwards? " +
                  (supervisor ? supervisor->display_name + " will check in with you the day after."
                              : std::string("Someone from the team will check in with you the day after.")) +
                  boundaries_of(s, volunteer),
              {},
              {}},
      job.key);
  return JobOutcome::done();
}

JobOutcome reminder(Services& s, const storage::Job& job) {
  auto loaded = load(s, job);
  if (!loaded) return JobOutcome::done();
  auto& [story, volunteer] = *loaded;
  if (volunteer.on_break(s.now())) return JobOutcome::done();
  s.send(
      volunteer,
      Message{"Tomorrow you're sharing your story: _" + story.what + "_, " +
                  config::format_local(story.at, s.zone_of(volunteer)) +
                  ". It's okay to change your mind. Take care of yourself afterwards, and say if you'd like "
                  "someone to check in with you.",
              {},
              {}},
      job.key);
  return JobOutcome::done();
}

}  // namespace

void add_story(Registry& registry) {
  registry.add(
      Family{"story",
             "after telling your story in public, someone checks in with you",
             {
                 {"", "[@volunteer] <when> <what…>",
                  "log a story-sharing event, past or future (when: yesterday, next fri, 3 days ago, 3 Dec, "
                  "2026-12-03…, then 14:00 or 3pm)",
                  anyone, log_story},
                 {"list", "[@volunteer]", "stories logged", anyone, list_stories},
                 {"cancel", "<id>", "cancel a story and its reminders", anyone, cancel_story},
             }});
  registry.add(JobSpec{"story.followup", followup});
  registry.add(JobSpec{"story.volunteer", volunteer_followup});
  registry.add(JobSpec{"story.prepare", prepare});
  registry.add(JobSpec{"story.reminder", reminder});
}

}  // namespace tend::commands
