// /break: a volunteer pauses every prompt and nudge about them; their supervisor is told.
#include "commands/families.hpp"
#include "commands/text.hpp"
#include "config/parse.hpp"
#include "storage/jobs.hpp"
#include "storage/time.hpp"

namespace tend::commands {
namespace {

// A break without an end date lasts until `/break end`.
const Instant kOpenEnded{std::chrono::seconds{253402300799}};  // 9999-12-31T23:59:59Z

void set_break(Services& s, int64_t person_id, std::optional<Instant> until, const std::string& note) {
  auto& q = s.db.statement("UPDATE people SET on_break_until = ?, break_note = ? WHERE id = ?");
  if (until)
    q.bind(1, static_cast<int64_t>(until->time_since_epoch().count()));
  else
    q.bind(1);
  q.bind(2, note);
  q.bind(3, person_id);
  q.exec();
}

void tell_supervisor(Context& ctx, const std::string& text) {
  if (!ctx.caller.supervisor_id) return;
  if (auto supervisor = storage::People(ctx.db).by_id(*ctx.caller.supervisor_id))
    ctx.send(
        *supervisor, Message{text, {}, {}},
        "break:" + std::to_string(ctx.caller.id) + ":" + std::to_string(storage::unix_seconds(ctx.now())));
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
  set_break(ctx, ctx.caller.id, until.value_or(kOpenEnded), note);
  ctx.audit("break.start", ctx.caller.id, until ? config::format_local(*until, zone) : "open-ended");
  const auto until_text = until ? " until " + config::format_local(*until, zone) : std::string();
  tell_supervisor(ctx, "*" + ctx.caller.display_name + "* is taking a break" + until_text +
                           ". Tend won't prompt them or nudge anyone about them until it ends." +
                           (note.empty() ? "" : "\n> " + note));
  return Reply{"Your break has started" + until_text +
                   ". I won't send you prompts, and nobody is nudged about you, until it ends" +
                   (until ? "" : " (type `" + ctx.slash("break") + " end` when you're back)") +
                   ". Anything due meanwhile is held, not dropped. " +
                   (ctx.caller.supervisor_id ? "Your supervisor has been told." : "") + " Take care.",
               {},
               {}};
}

Reply end_break(Context& ctx, std::string_view) {
  if (!ctx.caller.on_break(ctx.now())) return Reply{"You're not on a break.", {}, {}};
  const auto was_until = *ctx.caller.on_break_until;
  set_break(ctx, ctx.caller.id, std::nullopt, "");
  // What was held for the break runs now: jobs waiting for its planned end, and story
  // follow-ups whose own time (the story's time plus their offset) has already come.
  auto& q = ctx.db.statement(
      "UPDATE jobs SET due_at = ?1 WHERE due_at > ?1 AND ("
      " (due_at = ?2 AND json_extract(payload, '$.person') = ?3) OR"
      " (kind IN ('story.followup', 'story.volunteer') AND EXISTS (SELECT 1 FROM stories s"
      "   WHERE s.id = json_extract(jobs.payload, '$.story') AND s.volunteer_id = ?3"
      "   AND s.at + json_extract(jobs.payload, '$.offset') <= ?1)))");
  q.bind(1, storage::unix_seconds(ctx.now()));
  q.bind(2, storage::unix_seconds(was_until));
  q.bind(3, ctx.caller.id);
  if (q.exec() > 0) ctx.jobs_changed();
  ctx.audit("break.end", ctx.caller.id, "");
  tell_supervisor(ctx, "*" + ctx.caller.display_name + "* is back from their break.");
  return Reply{"Welcome back, " + ctx.caller.display_name + ". Prompts and follow-ups start again.", {}, {}};
}

}  // namespace

void add_break(Registry& registry) {
  registry.add(
      Family{"break",
             "pause Tend's prompts and nudges about you",
             {
                 {"", "[until <date>] [note]", "take a break; your supervisor is told", anyone, take_break},
                 {"end", "", "end your break", anyone, end_break},
             }});
}

}  // namespace tend::commands
