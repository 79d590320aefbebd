// /buddy: the buddy system of the guidance, two volunteers who look out for each other. A pairing
// needs both to say yes; each is asked now and then how the other is doing (taking turns, so never
// both on the same day); and only if someone chooses to share it is their buddy told when they take
// a break or ask for support. A buddy never sees a score, a debrief or a note.
#include "commands/families.hpp"
#include "commands/format.hpp"
#include "commands/text.hpp"
#include "config/delivery_window.hpp"
#include "config/parse.hpp"
#include "storage/buddies.hpp"
#include "storage/jobs.hpp"
#include "storage/time.hpp"

namespace tend::commands {
namespace {

using storage::Pairing;
using storage::Shared;

std::string pairing_key(int64_t id) {
  return "buddy:" + std::to_string(id) + ":";
}

storage::Person person(Services& s, int64_t id) {
  auto p = storage::People(s.db).by_id(id);
  if (!p) throw UserError("That person is no longer in Tend.");
  return *p;
}

int max_buddies(Services& s, const storage::Person& p) {
  return s.settings_for(p).integer("buddy.max");
}

std::string buddy_names(Services& s, const storage::Person& p) {
  std::string names;
  for (const auto& pairing : storage::Buddies(s.db).live_of(p.id))
    if (pairing.status == "active")
      names += (names.empty() ? "" : ", ") + person(s, pairing.other(p.id)).display_name;
  return names;
}

// Whether two people may become buddies now; the reason, for `asker`, when they may not.
void check_may_pair(Context& ctx, const storage::Person& one, const storage::Person& other) {
  for (const auto* p : {&one, &other})
    if (p->kind != storage::Kind::volunteer)
      throw UserError(p->display_name + " is " + std::string(to_string(p->kind)) +
                      "; buddies are two volunteers who look out for each other.");
  if (one.id == other.id) throw UserError("A buddy is someone else: mention another volunteer.");
  storage::Buddies buddies(ctx.db);
  for (const auto* p : {&one, &other}) {
    if (buddies.count_active(p->id) < max_buddies(ctx, *p)) continue;
    if (p->id == ctx.caller.id)
      throw UserError("You have a buddy already (" + buddy_names(ctx, *p) + "). `" + ctx.slash("buddy") +
                      " end` ends that pairing; an admin can allow more than one (`buddy.max`).");
    throw UserError(p->display_name + " can't take on another buddy right now.");
  }
}

std::vector<Button> answer_buttons(int64_t pairing) {
  const auto id = std::to_string(pairing);
  return {{"Yes, let's be buddies", "buddy.accept", id}, {"No, thank you", "buddy.decline", id}};
}

constexpr std::string_view kWhatItMeans =
    "Tend will ask each of you now and then how the other is doing. Neither of you ever sees the other's "
    "check-ins, debriefs, scores or notes; each of you decides whether the other hears when you take a "
    "break or ask for support.";

// The request, with Yes and No, to `to` about pairing with `with` (whom the message is about).
void ask(Context& ctx, const storage::Person& to, const storage::Person& with, int64_t pairing,
         const std::string& opening) {
  ctx.send(to, Message{opening + " " + std::string(kWhatItMeans), answer_buttons(pairing), {}},
           pairing_key(pairing) + "ask:" + std::to_string(to.id),
           {config::MessageKind::notice, with.id, std::nullopt});
}

void tell(Services& s, const storage::Person& to, const std::string& text, const std::string& key) {
  s.send(to, Message{text, {}, {}}, key + ":" + std::to_string(storage::unix_seconds(s.now())),
         {config::MessageKind::notice, to.id, std::nullopt});
}

Reply propose(Context& ctx, std::string_view args) {
  auto [who, rest] = split_word(args);
  if (!rest.empty() || !parse_mention(who))
    throw UserError("Usage: `" + ctx.slash("buddy") + " @volunteer` asks someone to be your buddy.");
  const auto peer = ctx.resolve_person(who);
  check_may_pair(ctx, ctx.caller, peer);
  int64_t id = 0;
  try {
    id = storage::Buddies(ctx.db).propose(ctx.caller.id, peer.id, ctx.caller.id, {ctx.caller.id}, ctx.now());
  } catch (const storage::PairingExists&) {
    throw UserError("You and " + peer.display_name + " are buddies already, or a request is waiting. `" +
                    ctx.slash("buddy") + "` shows it.");
  }
  ask(ctx, peer, ctx.caller, id,
      "*" + ctx.caller.display_name +
          "* would like to be your buddy: two volunteers who look "
          "out for each other.");
  ctx.audit("buddy.propose", peer.id, "#" + std::to_string(id));
  return Reply{"I've asked " + peer.display_name +
                   ". You'll be buddies once they say yes; I'll let you know. " + std::string(kWhatItMeans),
               {},
               {}};
}

Instant next_turn(Services& s, const storage::Person& to, Instant after) {
  const auto settings = s.settings_for(to);
  // Half a cadence between the two, so each is asked every buddy.cadence and never on the same day
  // as the other; a day at the least.
  const auto step =
      std::max<std::chrono::seconds>(settings.duration("buddy.cadence") / 2, std::chrono::days(1));
  return config::next_local_time(after + step - std::chrono::hours(12), s.zone_of(to),
                                 settings.time_of_day("checkin.time"));
}

// The pairing's prompts: one job that takes turns, its subject the one asked about, so that the
// delivery policy keeps it from them both while either is on a break.
void start_prompts(Services& s, const Pairing& pairing) {
  const auto first = person(s, pairing.a_id);
  s.schedule({storage::JobKind::buddy_prompt, next_turn(s, first, s.now()),
              storage::BuddyJob{pairing.id, pairing.a_id}, pairing_key(pairing.id) + "prompt", pairing.b_id});
}

struct Loaded {
  Pairing pairing;
  storage::Person other;
};

Loaded load(Context& ctx, std::string_view value) {
  int64_t id = 0;
  try {
    id = std::stoll(std::string(value));
  } catch (const std::exception&) {
  }
  auto pairing = storage::Buddies(ctx.db).by_id(id);
  if (!pairing || !pairing->has(ctx.caller.id)) throw UserError("That request is not for you.");
  return {*pairing, person(ctx, pairing->other(ctx.caller.id))};
}

Reply accept(Context& ctx, const ActionInput& input) {
  auto [pairing, other] = load(ctx, input.value);
  if (pairing.status == "active")
    return Reply{"You and " + other.display_name + " are buddies already.", {}, {}};
  if (pairing.status != "proposed") return Reply{"That request is no longer open.", {}, {}};
  if (pairing.accepted_by(ctx.caller.id))
    return Reply{"You've said yes already; now it's up to " + other.display_name + ".", {}, {}};
  check_may_pair(ctx, ctx.caller, other);
  storage::Buddies buddies(ctx.db);
  buddies.accept(pairing.id, ctx.caller.id, ctx.now());
  pairing = *buddies.by_id(pairing.id);
  ctx.audit("buddy.accept", other.id, "#" + std::to_string(pairing.id));
  if (pairing.status != "active")
    return Reply{
        "Thank you. You'll be buddies once " + other.display_name + " says yes too; I'll let you know.",
        {},
        {}};
  start_prompts(ctx, pairing);
  const std::string share = " `" + ctx.slash("buddy") + " share breaks on` or `" + ctx.slash("buddy") +
                            " share support on` lets your buddy hear when you take a break or ask for "
                            "support; until you say so, they hear of neither.";
  tell(ctx, other,
       "*" + ctx.caller.display_name +
           "* said yes: you are buddies now. Tend will ask you now and then how " + ctx.caller.display_name +
           " is doing." + share,
       pairing_key(pairing.id) + "started:" + std::to_string(other.id));
  return Reply{"You and " + other.display_name + " are buddies now. Tend will ask you now and then how " +
                   other.display_name + " is doing; a message from you can make their day." + share,
               {},
               {}};
}

Reply decline(Context& ctx, const ActionInput& input) {
  auto [pairing, other] = load(ctx, input.value);
  if (pairing.status != "proposed") return Reply{"That request is no longer open.", {}, {}};
  storage::Buddies(ctx.db).close(pairing.id, "declined", ctx.now());
  ctx.audit("buddy.decline", other.id, "#" + std::to_string(pairing.id));
  tell(ctx, other,
       ctx.caller.display_name +
           " can't be your buddy right now. That's okay, and it says nothing about you: people's time and "
           "needs change. `" +
           ctx.slash("buddy") + " @name` asks someone else whenever you like.",
       pairing_key(pairing.id) + "declined:" + std::to_string(other.id));
  if (pairing.proposed_by && !pairing.has(*pairing.proposed_by))
    if (auto admin = storage::People(ctx.db).by_id(*pairing.proposed_by))
      tell(ctx, *admin,
           ctx.caller.display_name + " said no to the pairing with " + other.display_name +
               " you suggested; I've let " + other.display_name + " know, kindly.",
           pairing_key(pairing.id) + "declined:" + std::to_string(admin->id));
  return Reply{"Okay. I've let " + other.display_name + " know, kindly. Nothing else changes.", {}, {}};
}

// Ends a pairing (or withdraws a request) and tells the other one.
void end_pairing(Services& s, const Pairing& pairing, const storage::Person& by, const std::string& message) {
  storage::Buddies(s.db).close(pairing.id, "ended", s.now());
  storage::Jobs(s.db).remove_by_key_prefix(pairing_key(pairing.id));
  s.jobs_changed();
  tell(s, person(s, pairing.other(by.id)), message, pairing_key(pairing.id) + "ended");
}

Reply end(Context& ctx, std::string_view args) {
  auto live = storage::Buddies(ctx.db).live_of(ctx.caller.id);
  if (!args.empty()) {
    const auto peer = ctx.resolve_person(args);
    std::erase_if(live, [&](const Pairing& p) { return p.other(ctx.caller.id) != peer.id; });
    if (live.empty()) throw UserError(peer.display_name + " is not your buddy.");
  }
  if (live.empty()) return Reply{"You don't have a buddy, and no request is waiting.", {}, {}};
  if (live.size() > 1)
    throw UserError("You have more than one buddy or request: say which, `" + ctx.slash("buddy") + " end @" +
                    person(ctx, live.front().other(ctx.caller.id)).display_name + "`.");
  const auto& pairing = live.front();
  const auto other = person(ctx, pairing.other(ctx.caller.id));
  const bool was_active = pairing.status == "active";
  end_pairing(
      ctx, pairing, ctx.caller,
      was_active ? "*" + ctx.caller.display_name +
                       "* has ended your buddy pairing. Thank you for looking out for each other. "
                       "This is not about anything you did: people's time and needs change. `" +
                       ctx.slash("buddy") + " @name` pairs you with someone else whenever you like."
                 : ctx.caller.display_name + " has withdrawn the buddy request; nothing is needed from you.");
  ctx.audit("buddy.end", other.id, "#" + std::to_string(pairing.id));
  return Reply{was_active
                   ? "Your buddy pairing with " + other.display_name +
                         " has ended, and I've let them know, kindly. Thank you for looking out for them."
                   : "I've withdrawn the request to " + other.display_name + " and let them know.",
               {},
               {}};
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

Reply show(Context& ctx) {
  const auto live = storage::Buddies(ctx.db).live_of(ctx.caller.id);
  const auto* zone = ctx.zone_of(ctx.caller);
  if (live.empty())
    return Reply{
        "You don't have a buddy yet. A buddy is another volunteer you look out for, and who looks out "
        "for you. `" +
            ctx.slash("buddy") + " @name` asks someone; you're buddies once they say yes. " +
            std::string(kWhatItMeans),
        {},
        {}};
  Reply r;
  for (const auto& pairing : live) {
    const auto other = person(ctx, pairing.other(ctx.caller.id));
    const auto& name = other.display_name;
    if (pairing.status == "active") {
      r.text += "*Your buddy: " + name + "* (since " + config::format_local_date(*pairing.started_at, zone) +
                ")\n• You share with " + name + ": your breaks " +
                yes_no(pairing.shares(ctx.caller.id, Shared::breaks)) + ", your calls for support " +
                yes_no(pairing.shares(ctx.caller.id, Shared::support)) + "\n• " + name +
                " shares with you: their breaks " + yes_no(pairing.shares(other.id, Shared::breaks)) +
                ", their calls for support " + yes_no(pairing.shares(other.id, Shared::support)) + "\n";
    } else if (pairing.accepted_by(ctx.caller.id)) {
      r.text += "• Waiting for " + name + " to say yes (asked " +
                config::format_local_date(pairing.created_at, zone) + ")\n";
    } else {
      r.text += "• " + name + " and you have been asked to be buddies: answer with the buttons below\n";
      for (auto b : answer_buttons(pairing.id)) {
        b.label += " (" + name + ")";
        r.buttons.push_back(std::move(b));
      }
    }
  }
  r.text += "Neither of you ever sees the other's check-ins, debriefs, scores or notes. `" +
            ctx.slash("buddy") + " share breaks|support on|off` changes what you share; `" +
            ctx.slash("buddy") + " end` ends it.";
  return r;
}

Reply propose_or_show(Context& ctx, std::string_view args) {
  return args.empty() ? show(ctx) : propose(ctx, args);
}

Reply share(Context& ctx, std::string_view args) {
  const auto w = words(args);
  const std::string usage = "Usage: `" + ctx.slash("buddy") + " share breaks|support on|off`.";
  if (w.size() != 2) throw UserError(usage);
  const auto what_word = lower(w[0]), on_word = lower(w[1]);
  if ((what_word != "breaks" && what_word != "support") || (on_word != "on" && on_word != "off"))
    throw UserError(usage);
  const auto what = what_word == "breaks" ? Shared::breaks : Shared::support;
  const bool on = on_word == "on";
  const auto names = buddy_names(ctx, ctx.caller);
  if (names.empty())
    throw UserError("You don't have a buddy yet, so there is no one to share with. `" + ctx.slash("buddy") +
                    " @name` asks someone.");
  storage::Buddies(ctx.db).set_shared(ctx.caller.id, what, on);
  ctx.audit("buddy.share", ctx.caller.id, what_word, on ? "off" : "on", on_word);
  const std::string event = what == Shared::breaks ? "take a break" : "ask for support";
  return Reply{on ? "From now on " + names + " hears when you " + event +
                        " (that you did, never a score or a note), so they can look out for you."
                  : names + " won't hear when you " + event + ".",
               {},
               {}};
}

JobOutcome prompt(Services& s, const storage::Job& job) {
  const auto turn = job.as<storage::BuddyJob>();
  auto pairing = storage::Buddies(s.db).by_id(turn.pair);
  if (!pairing || pairing->status != "active" || !pairing->has(turn.to)) return JobOutcome::done();
  auto to = storage::People(s.db).by_id(turn.to);
  auto about = storage::People(s.db).by_id(pairing->other(turn.to));
  if (!to || !about) return JobOutcome::done();
  s.send(*to,
         Message{"Hi " + to->display_name + ". How is your buddy *" + about->display_name +
                     "* doing? A message from you can make their day.",
                 {},
                 {}},
         job.key + ":" + std::to_string(storage::unix_seconds(job.due_at)),
         {config::MessageKind::buddy_prompt, about->id, job.due_at});
  // The other's turn next: the same job, now asking `about` about `to`.
  const auto next = next_turn(s, *about, s.now());
  s.schedule(
      {storage::JobKind::buddy_prompt, next, storage::BuddyJob{pairing->id, about->id}, job.key, to->id},
      /*replace_existing=*/true);
  return JobOutcome::again_at(next);
}

// The buddies of `volunteer` who are to hear of `what`.
std::vector<std::pair<Pairing, storage::Person>> sharing_with(Services& s, const storage::Person& volunteer,
                                                              Shared what) {
  std::vector<std::pair<Pairing, storage::Person>> out;
  for (const auto& pairing : storage::Buddies(s.db).live_of(volunteer.id))
    if (pairing.status == "active" && pairing.shares(volunteer.id, what))
      if (auto other = storage::People(s.db).by_id(pairing.other(volunteer.id)))
        out.emplace_back(pairing, *other);
  return out;
}

}  // namespace

Instant next_buddy_turn(Services& s, const storage::Job& job, Instant after) {
  auto to = storage::People(s.db).by_id(job.as<storage::BuddyJob>().to);
  return to ? next_turn(s, *to, after) : after;  // gone: the prompt finds no pairing and ends
}

std::string tell_buddies_of_break(Services& s, const storage::Person& volunteer,
                                  std::optional<Instant> until) {
  std::string told;
  for (const auto& [pairing, buddy] : sharing_with(s, volunteer, Shared::breaks)) {
    s.send(
        buddy,
        Message{
            "*" + volunteer.display_name + "* is taking a break from Tend" +
                (until ? " until " + config::format_local_date(*until, s.zone_of(buddy)) : std::string()) +
                ". They chose to let you know, as their buddy. Nothing is needed from you; a friendly word "
                "now and then can still help.",
            {},
            {}},
        pairing_key(pairing.id) + "break:" + std::to_string(storage::unix_seconds(s.now())),
        {config::MessageKind::buddy_note, volunteer.id, s.now()});
    told += (told.empty() ? "" : " and ") + buddy.display_name;
  }
  return told;
}

std::string tell_buddies_of_support(Services& s, const storage::Person& volunteer,
                                    const std::string& who_knows) {
  std::string told;
  for (const auto& [pairing, buddy] : sharing_with(s, volunteer, Shared::support)) {
    s.send(buddy,
           Message{"*" + volunteer.display_name + "* asked for support " + std::string(kMomentMark) + "; " +
                       who_knows + ". A kind word from you may help.",
                   {},
                   {}},
           pairing_key(pairing.id) + "support:" + std::to_string(storage::unix_seconds(s.now())),
           {config::MessageKind::buddy_note, volunteer.id, s.now()});
    told += (told.empty() ? "" : " and ") + buddy.display_name;
  }
  return told;
}

void end_buddies_of(Services& s, const storage::Person& leaving) {
  for (const auto& pairing : storage::Buddies(s.db).live_of(leaving.id))
    end_pairing(s, pairing, leaving,
                pairing.status == "active"
                    ? "Your buddy pairing with " + leaving.display_name +
                          " has ended: they have left Tend. Thank you for looking out for them."
                    : "The buddy request between you and " + leaving.display_name +
                          " has lapsed: they have left Tend.");
}

Reply tend_admin_buddy(Context& ctx, std::string_view args) {
  const auto w = words(args);
  if (w.size() != 2) throw UserError("Usage: `" + ctx.slash("tend") + " admin buddy @volunteer @volunteer`.");
  const auto one = ctx.resolve_person(w[0]), other = ctx.resolve_person(w[1]);
  check_may_pair(ctx, one, other);
  int64_t id = 0;
  try {
    id = storage::Buddies(ctx.db).propose(one.id, other.id, ctx.caller.id, {}, ctx.now());
  } catch (const storage::PairingExists&) {
    throw UserError(one.display_name + " and " + other.display_name +
                    " are buddies already, or a request between them is waiting.");
  }
  for (const auto& [to, with] : {std::pair{one, other}, std::pair{other, one}})
    ask(ctx, to, with, id,
        ctx.caller.display_name + " suggests that you and *" + with.display_name +
            "* become buddies: two volunteers who look out for each other. You'll be buddies only if you "
            "both "
            "say yes.");
  ctx.audit("buddy.propose", one.id, "#" + std::to_string(id) + " with " + other.display_name);
  return Reply{"I've asked " + one.display_name + " and " + other.display_name +
                   "; they become buddies only if both say yes, and I'll tell you if either says no.",
               {},
               {}};
}

void add_buddy(Registry& registry) {
  registry.add(Family{
      "buddy",
      "two volunteers who look out for each other",
      {
          {"", "[@volunteer]",
           "ask someone to be your buddy (both must say yes); alone, your buddy and what each of you shares",
           volunteers, propose_or_show},
          {"share", "breaks|support on|off",
           "whether your buddy hears when you take a break or ask for support (never a score or a note; off "
           "until you say so)",
           volunteers, share},
          {"end", "[@buddy]", "end your pairing (or withdraw a request); they are told kindly", volunteers,
           end},
      }});
  registry.add(ActionSpec{"buddy.accept", volunteers, accept});
  registry.add(ActionSpec{"buddy.decline", volunteers, decline});
  // A prompt as a routine: held while the one it asks about is on a break, and given back as its
  // next turn when the break ends. The message itself is a buddy_prompt (see the delivery policy).
  registry.add(JobSpec{storage::JobKind::buddy_prompt, prompt, config::MessageKind::prompt});
}

}  // namespace tend::commands
