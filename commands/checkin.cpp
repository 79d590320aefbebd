// /checkin: how a volunteer is doing, who gets told, and the views of the history.
#include <charconv>

#include "commands/alerts.hpp"
#include "commands/families.hpp"
#include "commands/format.hpp"
#include "commands/nudges.hpp"
#include "commands/text.hpp"
#include "config/delivery_policy.hpp"
#include "config/delivery_window.hpp"
#include "config/parse.hpp"
#include "storage/checkins.hpp"
#include "storage/stories.hpp"
#include "storage/time.hpp"

namespace tend::commands {
namespace {

constexpr int kHistoryShown = 10;
constexpr int kTrendWindow = 8;
// A team view's page: a staff member's usual team, and well within a chat message's limits.
constexpr int kTeamPage = 25;
constexpr int kLastTeamPage = 1'000'000;  // 25 million volunteers

std::vector<Button> score_buttons() {
  return commands::score_buttons("checkin.score", "struggling", "great");
}

Reply ask_for_score(const Context& ctx) {
  Reply r;
  r.text = "How are you doing today, " + ctx.caller.display_name +
           "? Pick a number: 1 is struggling, 5 is great. You can also type `" + ctx.slash("checkin") +
           " 3 a few words` to add a note.";
  r.buttons = score_buttons();
  r.form = Form{
      "checkin.form",
      "Check in",
      "Check in",
      {FormField{"score", "How are you doing? (1 struggling – 5 great)", score_buttons(), false},
       FormField{"note", "Anything you'd like to add? Write 'private' to keep it to yourself.", {}, true}}};
  return r;
}

std::optional<int> parse_whole_number(std::string_view word) {
  int value = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc{} || end != word.data() + word.size()) return std::nullopt;
  return value;
}

std::string who_sees(const std::optional<storage::Person>& supervisor, bool is_private, bool has_note) {
  const std::string name = supervisor ? supervisor->display_name + " (your supervisor)" : "";
  if (!supervisor) {
    return has_note && is_private ? "Your note is private: only you can see it."
                                  : "You don't have a supervisor in Tend yet, so no one else sees this "
                                    "unless you ask for support.";
  }
  if (!has_note) return name + " can see your score.";
  if (is_private) return "Your note is private: only you can see it. " + name + " can see your score.";
  return name + " can see your score and note.";
}

// Records a check-in and tells whoever has to know; the reply says who sees what.
Reply record(Context& ctx, std::optional<int> score, std::string note) {
  bool capped = false;
  note = capped_note(std::move(note), capped);
  const bool is_private = contains_word(note, "private");
  const bool support = contains_word(note, "support");
  storage::Checkin checkin{0, ctx.caller.id, score, note, is_private, support, ctx.now()};
  // The overdue watch is not moved here: when it falls due it finds this check-in and sets itself
  // to checkin.overdue_after after it, so a check-in writes no job and wakes no timer.
  const auto checkin_id = storage::Checkins(ctx.db).add(checkin);

  std::optional<storage::Person> supervisor;
  if (ctx.caller.supervisor_id) supervisor = storage::People(ctx.db).by_id(*ctx.caller.supervisor_id);

  const int escalate_at = ctx.settings().integer("checkin.escalate_at");
  const bool low = score && *score <= escalate_at;
  std::string text = "Thanks, " + ctx.caller.display_name + ". ";
  text += score ? "Checked in at *" + score_text(score) + "*." : "I've noted that you'd like support.";

  if (low || support) {
    std::string why = support ? "asked for support" : "checked in at " + score_text(score);
    Message alert;
    alert.text = "*" + ctx.caller.display_name + "* " + why + " " + std::string(kMomentMark);
    if (support && score) alert.text += " (score " + score_text(score) + ")";
    alert.text += ". Please reach out to them.";
    if (!note.empty()) alert.text += is_private ? "\n_Their note is private._" : "\n> " + note;
    // One alert per check-in: two low check-ins in the same second are two alerts.
    const auto sent = send_urgent_alert(ctx, {alert, "checkin-alert:" + std::to_string(checkin_id),
                                              support ? "asked for support" : "scored " + score_text(score),
                                              note.empty() ? "."
                                              : is_private ? "; your note stays private."
                                                           : ", with your note."});
    text += sent.reply;
    if (support)
      if (const auto buddies = tell_buddies_of_support(ctx, ctx.caller, sent.who_knows); !buddies.empty())
        text += "\n" + buddies +
                " (your buddy) hears that you asked for support, as you chose: not your score "
                "or your note.";
  } else {
    text += "\n" + who_sees(supervisor, is_private, !note.empty());
  }
  return Reply{text + (capped ? std::string(kNoteCappedNotice) : ""), {}, {}};
}

Reply checkin(Context& ctx, std::string_view args) {
  if (args.empty()) return ask_for_score(ctx);
  auto [first, rest] = split_word(args);
  if (auto score = parse_whole_number(first)) {
    if (*score < 1 || *score > 5)
      throw UserError(std::string(first) +
                      " is not a score: use a number from 1 (struggling) to 5 (great), "
                      "for example `" +
                      ctx.slash("checkin") + " 3 tired but okay`.");
    return record(ctx, score, std::string(rest));
  }
  // Someone asking for help is never turned away for want of a number.
  if (contains_word(args, "support")) return record(ctx, std::nullopt, std::string(args));
  throw UserError("Start with a score from 1 (struggling) to 5 (great), then any note: `" +
                  ctx.slash("checkin") + " 3 tired but okay`. Type `" + ctx.slash("checkin") +
                  "` alone to pick with buttons, or `" + ctx.slash("checkin") + " history` to see your own.");
}

Reply history(Context& ctx, std::string_view) {
  auto latest = storage::Checkins(ctx.db).latest(ctx.caller.id, kHistoryShown);
  if (latest.empty())
    return Reply{
        "You haven't checked in yet. Try `" + ctx.slash("checkin") + " 4` or `" + ctx.slash("checkin") + "`.",
        {},
        {}};
  std::vector<std::optional<int>> scores;
  for (auto it = latest.rbegin(); it != latest.rend(); ++it) scores.push_back(it->score);
  const auto* zone = ctx.zone_of(ctx.caller);
  std::string text = "*Your last check-ins* " + sparkline(scores) + "\n";
  for (const auto& c : latest) {
    text += "• " + config::format_local(c.at, zone) + " — " + score_text(c.score);
    if (!c.note.empty()) text += " — " + c.note + (c.is_private ? " _(private)_" : "");
    text += "\n";
  }
  return Reply{text, {}, {}};
}

std::string trend_arrow(const std::vector<storage::Checkin>& newest_first) {
  std::vector<int> scored;
  for (const auto& c : newest_first)
    if (c.score) scored.push_back(*c.score);
  if (scored.size() < 2) return "";
  const auto half = std::min<std::size_t>(3, scored.size() / 2);
  double recent = 0, before = 0;
  for (std::size_t i = 0; i < half; ++i) recent += scored[i], before += scored[half + i];
  if (recent > before) return " ↑";
  if (recent < before) return " ↓";
  return " →";
}

Reply team(Context& ctx, std::string_view args) {
  int page = 1;
  if (!trim(args).empty()) {
    const auto asked = parse_whole_number(trim(args));
    if (!asked || *asked < 1)
      throw UserError(
          "`" + ctx.slash("checkin") + " team` shows your volunteers " + std::to_string(kTeamPage) +
          " at a time; add a page number for the rest, for example `" + ctx.slash("checkin") + " team 2`.");
    page = *asked;
  }
  // One more than a page is read, to know whether another page follows. (Past the last page the
  // list is empty; the bound only keeps the offset from overflowing.)
  const int offset = (std::min(page, kLastTeamPage) - 1) * kTeamPage;
  storage::People people(ctx.db);
  auto volunteers = people.supervised_by(ctx.caller.id, kTeamPage + 1, offset);
  std::string heading = "*Your volunteers*";
  if (ctx.caller.kind == storage::Kind::admin && people.supervised_by(ctx.caller.id, 1, 0).empty()) {
    volunteers = people.of_kind(storage::Kind::volunteer, kTeamPage + 1, offset);
    heading = "*All volunteers* (no one is assigned to you)";
  }
  if (volunteers.empty() && page > 1)
    throw UserError("There is no page " + std::to_string(page) + " of your volunteers: `" +
                    ctx.slash("checkin") + " team` starts from the first.");
  if (volunteers.empty())
    return Reply{"No volunteers are assigned to you yet. An admin can assign one with `" + ctx.slash("tend") +
                     " admin supervisor @volunteer @you`.",
                 {},
                 {}};
  const bool more = volunteers.size() > static_cast<std::size_t>(kTeamPage);
  if (more) volunteers.pop_back();
  if (more || page > 1)
    heading += ", " + std::to_string(offset + 1) + "–" +
               std::to_string(offset + static_cast<int>(volunteers.size()));
  const auto overdue_after = ctx.settings().duration("checkin.overdue_after");
  std::string text = heading + "\n";
  for (const auto& v : volunteers) {
    auto latest = storage::Checkins(ctx.db).latest(v.id, kTrendWindow);
    ctx.shows_data_of(v.id, "checkins.read", "team view");
    text += "• *" + v.display_name + "* — ";
    if (latest.empty()) {
      text += "no check-ins yet";
    } else {
      std::vector<std::optional<int>> scores;
      for (auto it = latest.rbegin(); it != latest.rend(); ++it) scores.push_back(it->score);
      text += "last " + score_text(latest.front().score) + " " + ago(latest.front().at, ctx.now()) + "  " +
              sparkline(scores) + trend_arrow(latest);
      if (latest.front().asked_for_support) text += "  _asked for support_";
    }
    if (v.on_break(ctx.now())) {
      text += "  _on a break_";
    } else if (latest.empty() ? ctx.now() - v.created_at > overdue_after
                              : ctx.now() - latest.front().at > overdue_after) {
      text += "  ⚠ *overdue*: please reach out";
    }
    if (auto reached = storage::Nudges(ctx.db).last_done(v.id); reached && reached->done_by) {
      auto by = storage::People(ctx.db).by_id(*reached->done_by);
      text += "\n    last reached out: " + (by ? by->display_name : std::string("someone")) + ", " +
              ago(*reached->done_at, ctx.now());
    }
    if (!latest.empty() && !latest.front().note.empty() && !latest.front().is_private)
      text += "\n    > " + std::string(utf8_prefix(latest.front().note, 200));
    if (auto debriefs = debriefs_at_a_glance(ctx, v)) text += "\n    " + *debriefs;
    text += "\n";
  }
  if (more) text += "More: `" + ctx.slash("checkin") + " team " + std::to_string(page + 1) + "`\n";
  return Reply{text, {}, {}};
}

Reply score_button(Context& ctx, const ActionInput& input) {
  auto score = parse_whole_number(input.value);
  if (!score || *score < 1 || *score > 5)
    throw UserError("That button is out of date; type `" + ctx.slash("checkin") + " 3` instead.");
  return record(ctx, score, "");
}

Reply form_submitted(Context& ctx, const ActionInput& input) {
  auto it = input.fields.find("score");
  auto score = it == input.fields.end() ? std::nullopt : parse_whole_number(it->second);
  if (!score || *score < 1 || *score > 5) throw UserError("Please pick a score from 1 to 5.");
  auto note = input.fields.find("note");
  return record(ctx, score, note == input.fields.end() ? "" : std::string(trim(note->second)));
}

std::optional<storage::Person> volunteer_of(Services& s, const storage::Job& job) {
  auto person = storage::People(s.db).by_id(job.as<storage::PersonJob>().person);
  if (!person || person->kind != storage::Kind::volunteer) return std::nullopt;
  return person;
}

}  // namespace

Instant next_prompt_after(Services& s, const storage::Person& person, Instant after) {
  const auto settings = s.settings_for(person);
  // The cadence is counted in days at checkin.time local, so a weekly prompt stays at 10:00
  // across a DST change instead of drifting to 09:00 or 11:00.
  const auto cadence = settings.duration("checkin.cadence");
  const auto lead = cadence > std::chrono::hours(12) ? cadence - std::chrono::hours(12) : cadence;
  return config::next_local_time(after + lead, s.zone_of(person), settings.time_of_day("checkin.time"));
}

namespace {

JobOutcome prompt(Services& s, const storage::Job& job) {
  auto person = volunteer_of(s, job);
  if (!person) return JobOutcome::done();
  Message m{"Hi " + person->display_name +
                ", how are you doing? Pick a number (1 struggling, 5 great), or type `" + s.slash("checkin") +
                " 3 a few words`.",
            score_buttons(),
            {}};
  s.send(*person, m, job.key + ":" + std::to_string(storage::unix_seconds(job.due_at)),
         {config::MessageKind::prompt, person->id, job.due_at});
  return JobOutcome::again_at(next_prompt_after(s, *person, s.now()));
}

JobOutcome overdue(Services& s, const storage::Job& job) {
  auto person = volunteer_of(s, job);
  if (!person) return JobOutcome::done();
  const auto overdue_after = s.settings_for(*person).duration("checkin.overdue_after");
  auto latest = storage::Checkins(s.db).latest(person->id, 1);
  const auto last = latest.empty() ? person->created_at : latest.front().at;
  if (s.now() - last < overdue_after) return JobOutcome::again_at(last + overdue_after);
  const auto silent = elapsed(last, s.now());
  nudge_staff_about(s, *person,
                    {person->display_name + " has not checked in for " + silent,
                     "*" + person->display_name + "* hasn't checked in for " + silent + " (" +
                         (latest.empty() ? "not since joining, " : "since ") +
                         config::format_local(last, s.zone_of(*person)) +
                         "). Please reach out to them, gently and in private.",
                     job.key + ":" + std::to_string(storage::unix_seconds(job.due_at)),
                     config::MessageKind::overdue, job.due_at, std::nullopt});
  return JobOutcome::again_at(s.now() + overdue_after);
}

}  // namespace

void keep_prompt_local(Services& s, const storage::Person& person, const date::time_zone* old_zone) {
  storage::Jobs jobs(s.db);
  const auto job = jobs.by_key("prompt:" + std::to_string(person.id));
  if (!job || job->held) return;
  const auto time = s.settings_for(person).time_of_day("checkin.time");
  const auto* zone = s.zone_of(person);
  const auto day = date::floor<date::days>(old_zone->to_local(job->due_at));
  auto due = config::local_to_instant(date::local_seconds{day} + time, zone);
  if (due <= s.now()) due = config::next_local_time(s.now(), zone, time);
  jobs.move(job->id, due);
  s.jobs_changed();
}

void start_routines(Services& s, const storage::Person& person) {
  if (person.kind != storage::Kind::volunteer) return;
  const storage::PersonJob payload{person.id};
  s.schedule({storage::JobKind::checkin_prompt, next_prompt_after(s, person, s.now()), payload,
              "prompt:" + std::to_string(person.id), person.id});
  s.schedule({storage::JobKind::checkin_overdue,
              s.now() + s.settings_for(person).duration("checkin.overdue_after"), payload,
              "overdue:" + std::to_string(person.id), person.id});
  start_supervision_watch(s, person);
  start_boundary_reminders(s, person);
}

void add_checkin(Registry& registry) {
  registry.add(
      Family{"checkin",
             "tell Tend how you are doing",
             {
                 {"", "[1-5] [note…]",
                  "record how you are (1 struggling – 5 great); `private` in the note keeps it from your "
                  "supervisor; "
                  "`support` tells them at once",
                  anyone, checkin},
                 {"history", "", "your own last check-ins", anyone, history},
                 {"team", "[page]", "your volunteers, 25 at a time: last check-in, trend, who is overdue",
                  staff_and_admins, team},
             }});
  registry.add(ActionSpec{"checkin.score", anyone, score_button});
  registry.add(ActionSpec{"checkin.form", anyone, form_submitted});
  registry.add(JobSpec{storage::JobKind::checkin_prompt, prompt, config::MessageKind::prompt});
  registry.add(JobSpec{storage::JobKind::checkin_overdue, overdue, config::MessageKind::overdue});
}

}  // namespace tend::commands
