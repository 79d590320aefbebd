// /debrief: after a hard peer-support session, how it went, whether it stirred up the volunteer's
// own experience and whether they would like to talk to someone. "Stirred up", "talk" or a low
// score tells the supervisor at once (the person on call out of hours, as an urgent check-in does)
// and brings follow-ups; every debrief is on the agenda of the next supervision.
#include <charconv>

#include "commands/alerts.hpp"
#include "commands/families.hpp"
#include "commands/format.hpp"
#include "commands/nudges.hpp"
#include "commands/text.hpp"
#include "config/delivery_window.hpp"
#include "config/parse.hpp"
#include "storage/debriefs.hpp"
#include "storage/supervision.hpp"
#include "storage/time.hpp"

namespace tend::commands {
namespace {

using storage::Debrief;

constexpr int kHistoryShown = 10;
constexpr int kAgendaShown = 20;

std::string debrief_key(int64_t id) {
  return "debrief:" + std::to_string(id) + ":";
}

std::vector<Button> score_buttons() {
  return commands::score_buttons("debrief.score", "very hard", "went well");
}

std::vector<Button> stirred_buttons(const std::string& prefix) {
  return {{"Yes", "debrief.stirred", prefix + "yes"},
          {"A little", "debrief.stirred", prefix + "a little"},
          {"No", "debrief.stirred", prefix + "no"}};
}

std::vector<Button> talk_buttons(const std::string& prefix) {
  return {{"Yes, please", "debrief.talk", prefix + "yes"}, {"No, thanks", "debrief.talk", prefix + "no"}};
}

constexpr const char* kStirredQuestion = "Did it stir up your own experience?";
constexpr const char* kTalkQuestion = "Would you like to talk to someone about it?";

Reply ask(const Context& ctx) {
  Reply r;
  r.text = "How did the session go, " + ctx.caller.display_name +
           "? Pick a number: 1 was very hard, 5 went well. You can also type `" + ctx.slash("debrief") +
           " 2 a few words` to add a note (`private` in it keeps it from your supervisor).";
  r.buttons = score_buttons();
  r.form = Form{"debrief.form",
                "Debrief",
                "Save",
                {FormField{"score", "How did it go? (1 very hard – 5 went well)", score_buttons(), false},
                 FormField{"stirred", kStirredQuestion, stirred_buttons(""), false},
                 FormField{"talk", kTalkQuestion, talk_buttons(""), false},
                 FormField{"note",
                           "Anything you'd like to add? Write 'private' to keep it from your supervisor.",
                           {},
                           true}}};
  return r;
}

std::optional<int> parse_score(std::string_view word) {
  int value = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc{} || end != word.data() + word.size() || value < 1 || value > 5) return std::nullopt;
  return value;
}

std::optional<std::string> parse_stirred(std::string_view text) {
  const auto t = lower(trim(text));
  if (t == "yes" || t == "a little" || t == "no") return t;
  return std::nullopt;
}

std::optional<bool> parse_talk(std::string_view text) {
  const auto t = lower(trim(text));
  if (t == "yes") return true;
  if (t == "no") return false;
  return std::nullopt;
}

// What makes a debrief need the supervisor now, in the supervisor's words and the volunteer's.
struct Reason {
  std::string for_staff;
  std::string for_volunteer;
};
std::vector<Reason> reasons(Services& s, const storage::Person& volunteer, const Debrief& d) {
  std::vector<Reason> out;
  if (d.score <= s.settings_for(volunteer).integer("debrief.escalate_at"))
    out.push_back({"it went " + score_text(d.score), "scored the session " + score_text(d.score)});
  if (d.stirred == "yes")
    out.push_back({"it stirred up their own experience", "said it stirred up your own experience"});
  if (d.talk == true) out.push_back({"they'd like to talk to someone", "said you'd like to talk to someone"});
  return out;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i)
    out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return out;
}

std::string for_staff(const std::vector<Reason>& rs) {
  std::vector<std::string> parts;
  for (const auto& r : rs) parts.push_back(r.for_staff);
  return joined(parts);
}

std::string for_volunteer(const std::vector<Reason>& rs) {
  std::vector<std::string> parts;
  for (const auto& r : rs) parts.push_back(r.for_volunteer);
  return joined(parts);
}

// "2/5 · stirred up: yes · would like to talk: no", for the volunteer and the supervisor.
std::string answers(const Debrief& d) {
  std::string out = score_text(d.score);
  if (d.stirred) out += " · stirred up: " + *d.stirred;
  if (d.talk) out += std::string(" · would like to talk: ") + (*d.talk ? "yes" : "no");
  return out;
}

std::optional<storage::Person> supervisor_of(Services& s, const storage::Person& volunteer) {
  return volunteer.supervisor_id ? storage::People(s.db).by_id(*volunteer.supervisor_id) : std::nullopt;
}

std::string follow_ups(Context& ctx, const Debrief& d) {
  std::string list;
  const auto* zone = ctx.zone_of(ctx.caller);
  for (auto offset : ctx.settings().durations("debrief.followups")) {
    const auto due = config::add_local(d.at, offset, zone);
    ctx.schedule({storage::JobKind::debrief_followup, due, storage::DebriefJob{d.id, offset},
                  debrief_key(d.id) + "followup:" + std::to_string(offset.count()), ctx.caller.id});
    list += "\n• " + config::format_local(due, zone) + " (" + config::format_duration(offset) + " after)";
  }
  auto supervisor = supervisor_of(ctx, ctx.caller);
  return "\nI'll ask " + (supervisor ? supervisor->display_name : std::string("the coordinators")) +
         " to check in with you:" + list;
}

// Tells the supervisor what `after` adds to `before` that needs them now: the first time with the
// follow-ups, later as an addition. What the volunteer is told of it.
std::string attend(Context& ctx, const std::optional<Debrief>& before, const Debrief& after) {
  auto now_reasons = reasons(ctx, ctx.caller, after);
  if (now_reasons.empty()) return "";
  const auto note_line = after.note.empty() ? std::string()
                         : after.is_private ? "\n_Their note is private._"
                                            : "\n> " + after.note;
  const auto with_note = after.note.empty() ? "."
                         : after.is_private ? "; your note stays private."
                                            : ", with your note.";
  if (!after.escalated_at) {
    Message alert{"*" + ctx.caller.display_name + "* debriefed after a session " + std::string(kMomentMark) +
                      ": " + for_staff(now_reasons) + ". Please reach out to them." + note_line,
                  {},
                  {}};
    const auto sent = send_urgent_alert(
        ctx, {alert, debrief_key(after.id) + "alert", for_volunteer(now_reasons), with_note});
    storage::Debriefs(ctx.db).mark_escalated(after.id, ctx.now());
    return sent.reply + follow_ups(ctx, after);
  }
  // Told already: only what this answer adds.
  std::vector<Reason> added;
  const auto old_reasons = before ? reasons(ctx, ctx.caller, *before) : std::vector<Reason>{};
  for (const auto& r : now_reasons)
    if (std::none_of(old_reasons.begin(), old_reasons.end(),
                     [&](const Reason& o) { return o.for_staff == r.for_staff; }))
      added.push_back(r);
  if (added.empty()) return "";
  Message alert{"*" + ctx.caller.display_name + "* added to their debrief " + std::string(kMomentMark) +
                    ": " + for_staff(added) + ". Please reach out to them.",
                {},
                {}};
  // Keyed by what it adds: pressing the same answer again tells no one twice.
  return send_urgent_alert(
             ctx, {alert, debrief_key(after.id) + "alert:" + for_staff(added), for_volunteer(added), "."})
      .reply;
}

// Who sees a debrief, said when it is complete.
std::string who_sees(Context& ctx, const Debrief& d) {
  auto supervisor = supervisor_of(ctx, ctx.caller);
  std::string text;
  if (supervisor)
    text = "\n" + supervisor->display_name +
           " (your supervisor) sees your debriefs at your next supervision: " +
           (d.note.empty() ? std::string("how it went and your answers.")
            : d.is_private ? std::string("how it went and your answers; your note stays private.")
                           : std::string("how it went, your answers and your note."));
  else
    text = "\nYou don't have a supervisor in Tend yet, so only you see your debriefs (`" +
           ctx.slash("debrief") + " history`).";
  return text + " A buddy never sees them.";
}

// The next question, or who sees what once every question is answered.
Reply next_step(Context& ctx, const Debrief& d, std::string text) {
  const auto prefix = std::to_string(d.id) + ":";
  if (!d.stirred) return Reply{text + "\n" + kStirredQuestion, stirred_buttons(prefix), {}};
  if (!d.talk) return Reply{text + "\n" + kTalkQuestion, talk_buttons(prefix), {}};
  return Reply{text + who_sees(ctx, d), {}, {}};
}

Reply record(Context& ctx, int score, std::string note, std::optional<std::string> stirred,
             std::optional<bool> talk) {
  bool capped = false;
  note = capped_note(std::move(note), capped);
  Debrief d{0,  ctx.caller.id, score, std::move(stirred), talk, note, contains_word(note, "private"),
            {}, ctx.now()};
  d.id = storage::Debriefs(ctx.db).add(d);
  std::string text = "Thanks, " + ctx.caller.display_name + ". Debrief saved: *" + answers(d) + "*.";
  text += attend(ctx, std::nullopt, d);
  if (capped) text += kNoteCappedNotice;
  ctx.audit("debrief.add", ctx.caller.id, "#" + std::to_string(d.id));
  return next_step(ctx, *storage::Debriefs(ctx.db).by_id(d.id), text);
}

Reply debrief(Context& ctx, std::string_view args) {
  if (args.empty()) return ask(ctx);
  auto [first, rest] = split_word(args);
  auto score = parse_score(first);
  if (!score)
    throw UserError("Start with how the session went, from 1 (very hard) to 5 (went well), then any note: `" +
                    ctx.slash("debrief") + " 2 a tough group`. Type `" + ctx.slash("debrief") +
                    "` alone to answer with buttons.");
  return record(ctx, *score, std::string(rest), std::nullopt, std::nullopt);
}

Reply history(Context& ctx, std::string_view) {
  const auto latest = storage::Debriefs(ctx.db).latest(ctx.caller.id, kHistoryShown);
  if (latest.empty())
    return Reply{
        "You haven't debriefed yet. After a hard session, try `" + ctx.slash("debrief") + "`.", {}, {}};
  const auto* zone = ctx.zone_of(ctx.caller);
  std::string text = "*Your last debriefs*\n";
  for (const auto& d : latest) {
    text += "• " + config::format_local(d.at, zone) + " — " + answers(d);
    if (!d.note.empty()) text += " — " + d.note + (d.is_private ? " _(private)_" : "");
    text += "\n";
  }
  return Reply{text, {}, {}};
}

Reply score_button(Context& ctx, const ActionInput& input) {
  auto score = parse_score(input.value);
  if (!score) throw UserError("That button is out of date; type `" + ctx.slash("debrief") + " 3` instead.");
  return record(ctx, *score, "", std::nullopt, std::nullopt);
}

// A button answering one question about one of the caller's own debriefs: "<id>:<answer>".
std::pair<Debrief, std::string_view> own_debrief(Context& ctx, std::string_view value) {
  const auto colon = value.find(':');
  int64_t id = 0;
  if (colon != std::string_view::npos) std::from_chars(value.data(), value.data() + colon, id);
  auto d = storage::Debriefs(ctx.db).by_id(id);
  if (!d || d->person_id != ctx.caller.id) throw UserError("That button is for someone else's debrief.");
  return {*d, value.substr(colon + 1)};
}

// An answer to one of the two questions: recorded by `record` (false: not an answer it knows),
// then the supervisor told of what it adds, and the next question asked.
Reply answered(Context& ctx, const ActionInput& input,
               bool (*record)(storage::Debriefs&, int64_t id, std::string_view answer)) {
  auto [before, answer] = own_debrief(ctx, input.value);
  storage::Debriefs debriefs(ctx.db);
  if (!record(debriefs, before.id, answer)) throw UserError("That button is out of date.");
  const auto after = *debriefs.by_id(before.id);
  return next_step(ctx, after, "Thank you." + attend(ctx, before, after));
}

Reply stirred_button(Context& ctx, const ActionInput& input) {
  return answered(ctx, input, [](storage::Debriefs& debriefs, int64_t id, std::string_view answer) {
    const auto stirred = parse_stirred(answer);
    if (stirred) debriefs.set_stirred(id, *stirred);
    return stirred.has_value();
  });
}

Reply talk_button(Context& ctx, const ActionInput& input) {
  return answered(ctx, input, [](storage::Debriefs& debriefs, int64_t id, std::string_view answer) {
    const auto talk = parse_talk(answer);
    if (talk) debriefs.set_talk(id, *talk);
    return talk.has_value();
  });
}

Reply form_submitted(Context& ctx, const ActionInput& input) {
  auto field = [&](const char* id) {
    auto it = input.fields.find(id);
    return it == input.fields.end() ? std::string() : it->second;
  };
  auto score = parse_score(field("score"));
  if (!score) throw UserError("Please pick how the session went, from 1 to 5.");
  return record(ctx, *score, std::string(trim(field("note"))), parse_stirred(field("stirred")),
                parse_talk(field("talk")));
}

JobOutcome followup(Services& s, const storage::Job& job) {
  auto d = storage::Debriefs(s.db).by_id(job.as<storage::DebriefJob>().debrief);
  if (!d) return JobOutcome::done();
  auto volunteer = storage::People(s.db).by_id(d->person_id);
  if (!volunteer) return JobOutcome::done();
  const auto supervisor = supervisor_of(s, *volunteer);
  const auto* zone = supervisor ? s.zone_of(*supervisor) : s.global_settings().zone("timezone.default");
  const auto after = elapsed(d->at, d->at + job.as<storage::DebriefJob>().offset);
  const auto why = reasons(s, *volunteer, *d);
  nudge_staff_about(s, *volunteer,
                    {"follow-up " + after + " after " + volunteer->display_name + "'s debrief",
                     "A follow-up " + after + " after *" + volunteer->display_name + "*'s debrief (" +
                         config::format_local(d->at, zone) + ")" +
                         (why.empty() ? "" : ": " + for_staff(why)) + ". Please check in with them today.",
                     job.key, config::MessageKind::debrief_followup, job.due_at, std::nullopt});
  return JobOutcome::done();
}

Instant since_last_supervision(Services& s, const storage::Person& volunteer) {
  return storage::Supervision(s.db).last_done(volunteer.id).value_or(Instant{});
}

}  // namespace

std::string debrief_agenda(Services& s, const storage::Person& volunteer, const storage::Person& reader) {
  const auto since = since_last_supervision(s, volunteer);
  storage::Debriefs debriefs(s.db);
  const auto count = debriefs.count_since(volunteer.id, since);
  s.audit(reader.id, "debriefs.read", volunteer.id, "supervision agenda");
  if (count.total == 0) return "";
  const auto* zone = s.zone_of(reader);
  std::string text = "\n*For the agenda: " + volunteer.display_name + "'s debriefs since " +
                     (since == Instant{} ? std::string("they joined") : "the last supervision") + "*";
  for (const auto& d : debriefs.since(volunteer.id, since, kAgendaShown)) {
    text += "\n• " + config::format_local(d.at, zone) + " — " + answers(d) + (d.escalated_at ? " ⚑" : "");
    if (!d.note.empty()) text += d.is_private ? "\n    _note private_" : "\n    > " + d.note;
  }
  if (count.total > kAgendaShown)
    text += "\n(and " + std::to_string(count.total - kAgendaShown) + " earlier; `" + s.slash("checkin") +
            " team` counts them)";
  return text;
}

std::optional<std::string> debriefs_at_a_glance(Context& ctx, const storage::Person& volunteer) {
  const auto since = since_last_supervision(ctx, volunteer);
  const auto count = storage::Debriefs(ctx.db).count_since(volunteer.id, since);
  ctx.shows_data_of(volunteer.id, "debriefs.read", "team view");
  if (count.total == 0) return std::nullopt;
  return "debriefs since " + (since == Instant{} ? std::string("joining") : "the last supervision") + ": " +
         std::to_string(count.total) +
         (count.escalated > 0 ? ", " + std::to_string(count.escalated) + " needed you ⚑" : std::string());
}

void add_debrief(Registry& registry) {
  registry.add(Family{
      "debrief",
      "after a hard session: how it went, and whether you'd like to talk",
      {
          {"", "[1-5] [note…]",
           "how a peer-support session went (1 very hard – 5 went well); alone, a short form. `private` in "
           "the "
           "note keeps it from your supervisor; \"stirred up\", \"talk\" or a low score tells them at once",
           volunteers, debrief},
          {"history", "", "your own last debriefs", volunteers, history},
      }});
  registry.add(ActionSpec{"debrief.score", volunteers, score_button});
  registry.add(ActionSpec{"debrief.stirred", volunteers, stirred_button});
  registry.add(ActionSpec{"debrief.talk", volunteers, talk_button});
  registry.add(ActionSpec{"debrief.form", volunteers, form_submitted});
  registry.add(JobSpec{storage::JobKind::debrief_followup, followup, config::MessageKind::debrief_followup});
}

}  // namespace tend::commands
