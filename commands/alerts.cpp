#include "commands/alerts.hpp"

#include "base/text.hpp"
#include "commands/format.hpp"
#include "config/delivery_policy.hpp"
#include "storage/people.hpp"

namespace tend::commands {
namespace {

constexpr std::size_t kNoteMaxChars = 2000;

// Who support.on_call names for now (the weekday in the default zone), if Tend knows them.
std::optional<storage::Person> on_call_now(Context& ctx) {
  const auto name = config::on_call_at(ctx.settings().on_call("support.on_call"), ctx.now(),
                                       ctx.settings().zone("timezone.default"));
  if (name.empty()) return std::nullopt;
  return storage::People(ctx.db).by_name(ctx.caller.platform, name);
}

}  // namespace

std::string capped_note(std::string note, bool& capped) {
  capped = utf8_length(note) > kNoteMaxChars;
  if (!capped) return note;
  std::size_t bytes = 0, chars = 0;
  while (bytes < note.size() && chars < kNoteMaxChars) {
    ++bytes;
    while (bytes < note.size() && (static_cast<unsigned char>(note[bytes]) & 0xC0) == 0x80) ++bytes;
    ++chars;
  }
  note.resize(bytes);
  return note;
}

AlertSent send_urgent_alert(Context& ctx, const UrgentAlert& alert) {
  std::optional<storage::Person> supervisor;
  if (ctx.caller.supervisor_id) supervisor = storage::People(ctx.db).by_id(*ctx.caller.supervisor_id);
  const storage::OutboxAbout about{config::MessageKind::urgent_alert, ctx.caller.id, ctx.now()};
  const std::string because = "\nBecause you " + alert.because + ", ";
  const auto out_of_hours = ctx.settings().text("support.out_of_hours");
  AlertSent sent;
  if (!supervisor) {
    ctx.send_to_coordinators(alert.message, alert.key, about);
    sent.reply =
        "\nYou don't have a supervisor in Tend yet, so I've told the coordinators now" + alert.with_note;
    if (out_of_hours) sent.reply += "\n" + *out_of_hours;
    sent.who_knows = "the coordinators know";
    return sent;
  }
  auto on_call = on_call_now(ctx);
  if (on_call && on_call->id == supervisor->id) on_call.reset();
  config::DeliveryFacts facts;
  facts.kind = config::MessageKind::urgent_alert;
  facts.now = ctx.now();
  facts.window = ctx.window_of(*supervisor);
  facts.someone_on_call = on_call.has_value();
  const auto decision = config::decide(facts);
  const auto reaches = ctx.send(*supervisor, alert.message, alert.key, about);
  const auto when = config::format_local(reaches, ctx.zone_of(ctx.caller));
  if (decision.verdict == config::Verdict::to_on_call) {
    ctx.send(*on_call, alert.message, alert.key + ":on-call",
             {config::MessageKind::on_call_alert, ctx.caller.id, ctx.now()});
    sent.reply = because + "I've told " + on_call->display_name + ", who is on call, now" + alert.with_note +
                 " " + supervisor->display_name + " (your supervisor) sees it " + when +
                 ", when their working hours start.";
    sent.who_knows = on_call->display_name + " (on call) and " + supervisor->display_name + " know";
  } else {
    sent.reply = because + "I've told " + supervisor->display_name + " (your supervisor)";
    sent.reply += decision.verdict == config::Verdict::send
                      ? " now"
                      : "; it reaches them " + when + ", when their working hours start";
    sent.reply += alert.with_note;
    sent.who_knows = supervisor->display_name + " knows";
  }
  if (decision.verdict != config::Verdict::send)
    sent.reply += out_of_hours ? "\n" + *out_of_hours
                               : "\nIf you need help before then, contact your organisation's out-of-hours "
                                 "support, or call 999 in an emergency.";
  return sent;
}

}  // namespace tend::commands
