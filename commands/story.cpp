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
#include "storage/roles.hpp"
#include "storage/stories.hpp"

namespace tend::commands {
namespace {

constexpr std::size_t kWhatMaxChars = 300;
// A follow-up whose time passed more than this long ago when the story is logged is skipped:
// a nudge for "a day after" that arrives a fortnight later helps no one.
constexpr std::chrono::hours kPastFollowupGrace{12};

std::string story_key(int64_t id) {
  return "story:" + std::to_string(id) + ":";
}

// Said only when it is true: Tend was not running when the job fell due.
std::string late_note(const Services& s, const storage::Job& job, const date::time_zone* zone) {
  if (s.now() - job.due_at < config::kStaleAfter || !s.was_down_at(job.due_at)) return "";
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

// Whether a follow-up is its story's last: when a break outlasts it, the held ones go then.
bool is_last_followup(const Services& s, const storage::Person& volunteer, std::chrono::seconds offset) {
  const auto offsets = s.settings_for(volunteer).durations("story.followups");
  return offset >= *std::max_element(offsets.begin(), offsets.end());
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
  const storage::StoryJob payload{id, std::chrono::seconds{0}};
  const auto settings = ctx.settings_for(volunteer);

  std::string scheduled, skipped;
  const auto* volunteer_zone = ctx.zone_of(volunteer);
  for (auto offset : settings.durations("story.followups")) {
    const auto due = config::add_local(at, offset, volunteer_zone);
    if (due < ctx.now() - kPastFollowupGrace) {
      skipped += " " + config::format_duration(offset);
      continue;
    }
    ctx.schedule({storage::JobKind::story_followup, due, storage::StoryJob{id, offset},
                  key + "followup:" + std::to_string(offset.count()), volunteer.id});
    scheduled += "\n• " + config::format_local(std::max(due, ctx.now()), zone) + " (" +
                 config::format_duration(offset) + " after)";
  }
  const auto gentle_after = settings.duration("story.volunteer_followup");
  const auto gentle = config::add_local(at, gentle_after, volunteer_zone);
  if (gentle >= ctx.now() - kPastFollowupGrace)
    ctx.schedule({storage::JobKind::story_volunteer, gentle, storage::StoryJob{id, gentle_after},
                  key + "volunteer", volunteer.id});

  const bool future = at > ctx.now();
  if (future) {
    const auto reminder = config::add_local(at, -std::chrono::days(1), volunteer_zone);
    if (reminder > ctx.now())
      ctx.schedule({storage::JobKind::story_reminder, reminder, payload, key + "reminder", volunteer.id});
    ctx.schedule({storage::JobKind::story_prepare, ctx.now(), payload, key + "prepare", volunteer.id});
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
    if (volunteer.id != ctx.caller.id) ctx.shows_data_of(volunteer.id, "stories.read", "list");
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
  auto story = storage::Stories(s.db).by_id(job.as<storage::StoryJob>().story);
  if (!story || story->cancelled) return std::nullopt;
  auto volunteer = storage::People(s.db).by_id(story->volunteer_id);
  if (!volunteer) return std::nullopt;
  return Loaded{*story, *volunteer};
}

JobOutcome followup(Services& s, const storage::Job& job) {
  auto loaded = load(s, job);
  if (!loaded) return JobOutcome::done();
  auto& [story, volunteer] = *loaded;
  auto supervisor = supervisor_of(s, volunteer);
  const auto* zone = supervisor ? s.zone_of(*supervisor) : s.global_settings().zone("timezone.default");
  const auto offset = job.as<storage::StoryJob>().offset;
  const auto when = config::format_local(story.at, zone);
  std::string reason = "follow-up " + config::format_duration(offset) + " after " + volunteer.display_name +
                       " shared their story (" + story.what + ")";
  std::string text;
  auto kind = config::MessageKind::story_followup;
  if (volunteer.on_break(s.now())) {
    kind = config::MessageKind::story_followups_held;
    // The one exception to a break: it outlasts this story's follow-ups, so the supervisor hears
    // of them all now, together, rather than only when the break ends.
    std::vector<std::string> held;
    storage::Jobs jobs(s.db);
    for (const auto& other : jobs.held_about(volunteer.id)) {
      if (other.kind != storage::JobKind::story_followup || other.as<storage::StoryJob>().story != story.id)
        continue;
      held.push_back(elapsed(story.at, story.at + other.as<storage::StoryJob>().offset));
      jobs.remove(other.id);
    }
    held.push_back(elapsed(story.at, story.at + offset));
    std::string list;
    for (std::size_t i = 0; i < held.size(); ++i)
      list += (i == 0 ? "" : i + 1 == held.size() ? " and " : ", ") + held[i];
    reason = "follow-ups " + list + " after " + volunteer.display_name + " shared their story (" +
             story.what + ")";
    text = "*" + volunteer.display_name + "* is on a break, so Tend held the follow-ups of their story: _" +
           story.what + "_ (" + when + "), due " + list +
           " after it. Their break outlasts them, so here they are, once. Feelings can surface days later; "
           "please check in with them gently, and respect that they asked for quiet.";
  } else {
    text = "A follow-up " + elapsed(story.at, story.at + offset) + " after *" + volunteer.display_name +
           "* shared their story: _" + story.what + "_ (" + when +
           "). Feelings can surface days later. Please check in with them today.";
  }
  auto latest = storage::Checkins(s.db).latest(volunteer.id, 1);
  if (!latest.empty())
    text += "\nTheir last check-in: " + score_text(latest.front().score) + ", " +
            config::format_local(latest.front().at, zone) + ".";
  nudge_staff_about(s, volunteer,
                    {reason, text + late_note(s, job, zone), job.key, kind, job.due_at, std::nullopt});
  return JobOutcome::done();
}

void followup_facts(Services& s, const storage::Job& job, config::DeliveryFacts& facts) {
  if (auto loaded = load(s, job))
    facts.last_of_story = is_last_followup(s, loaded->volunteer, job.as<storage::StoryJob>().offset);
}

void event_facts(Services& s, const storage::Job& job, config::DeliveryFacts& facts) {
  if (auto loaded = load(s, job)) facts.event_at = loaded->story.at;
}

JobOutcome volunteer_followup(Services& s, const storage::Job& job) {
  auto loaded = load(s, job);
  if (!loaded) return JobOutcome::done();
  auto& [story, volunteer] = *loaded;
  auto supervisor = supervisor_of(s, volunteer);
  Message m{
      "Hi " + volunteer.display_name + ". A little while ago you shared your story (_" + story.what +
          "_). That can stir things up, sometimes days later, and that is normal. How are you doing?" +
          (supervisor ? " " + supervisor->display_name + " is there if you'd like to talk." : std::string()),
      {},
      {}};
  m.buttons = score_buttons("checkin.score", "struggling", "great");
  m.text += late_note(s, job, s.zone_of(volunteer));
  s.send(volunteer, m, job.key, {config::MessageKind::story_volunteer, volunteer.id, job.due_at});
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
      job.key, {config::MessageKind::story_prepare, volunteer.id, story.at});
  return JobOutcome::done();
}

JobOutcome reminder(Services& s, const storage::Job& job) {
  auto loaded = load(s, job);
  if (!loaded) return JobOutcome::done();
  auto& [story, volunteer] = *loaded;
  s.send(
      volunteer,
      Message{"Tomorrow you're sharing your story: _" + story.what + "_, " +
                  config::format_local(story.at, s.zone_of(volunteer)) +
                  ". It's okay to change your mind. Take care of yourself afterwards, and say if you'd like "
                  "someone to check in with you.",
              {},
              {}},
      job.key, {config::MessageKind::story_reminder, volunteer.id, story.at});
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
  registry.add(JobSpec{storage::JobKind::story_followup, followup, config::MessageKind::story_followup,
                       followup_facts});
  registry.add(
      JobSpec{storage::JobKind::story_volunteer, volunteer_followup, config::MessageKind::story_volunteer});
  registry.add(
      JobSpec{storage::JobKind::story_prepare, prepare, config::MessageKind::story_prepare, event_facts});
  registry.add(
      JobSpec{storage::JobKind::story_reminder, reminder, config::MessageKind::story_reminder, event_facts});
}

}  // namespace tend::commands
