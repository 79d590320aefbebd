// /tend: help for the caller's role, their own profile, and the admin commands that set a
// workspace up by chat.
#include "commands/families.hpp"
#include "commands/format.hpp"
#include "commands/text.hpp"
#include "config/parse.hpp"
#include "storage/audit.hpp"
#include "storage/checkins.hpp"
#include "storage/roles.hpp"

namespace tend::commands {
namespace {

Reply help(Context& ctx, std::string_view args) {
  std::string text;
  if (!args.empty()) text = "I don't know `" + ctx.slash("tend") + " " + std::string(args) + "`. ";
  text += "Here is what you can do with Tend, " + ctx.caller.display_name + " (" +
          std::string(to_string(ctx.caller.kind)) + "):\n\n" + ctx.registry.help(ctx.caller.kind);
  text += "\nTend never messages you inside your quiet hours or off your working days; it waits for them. ";
  text += "While you are on a `" + ctx.slash("break") + "`, nothing is sent to you or about you";
  text +=
      " (your supervisor still hears of a story's follow-ups if the break outlasts them); what was held "
      "comes as one message when it ends. A low check-in or a call for `support` out of hours goes at "
      "once to the person on call, when your organisation has one, and the reply says who sees it and "
      "when.";
  return Reply{text, {}, {}};
}

std::string person_line(Context& ctx, const std::optional<int64_t>& id) {
  if (!id) return "none";
  auto p = storage::People(ctx.db).by_id(*id);
  return p ? p->display_name : "none";
}

// "4/5, 2 days ago", or nullopt before the first check-in.
std::optional<std::string> last_checkin(Context& ctx, const storage::Person& person) {
  const auto latest = storage::Checkins(ctx.db).latest(person.id, 1);
  if (latest.empty()) return std::nullopt;
  return score_text(latest.front().score) + ", " + ago(latest.front().at, ctx.now());
}

Reply me(Context& ctx, std::string_view) {
  const auto& p = ctx.caller;
  const auto* zone = ctx.zone_of(p);
  std::string text = "*" + p.display_name + "* — " + std::string(to_string(p.kind)) + "\n";
  text += "• Supervisor: " + person_line(ctx, p.supervisor_id) + "\n";
  text +=
      "• Time zone: " + std::string(zone->name()) +
      (p.zone.empty() ? " (the workspace default; set yours with `" + ctx.slash("tend") + " timezone <zone>`)"
                      : "") +
      "\n";
  if (p.on_break(ctx.now()))
    text += "• On a break until " + config::format_local(*p.on_break_until, zone) + "\n";
  text += "• Last check-in: " + last_checkin(ctx, p).value_or("none yet") + "\n";
  if (p.is_staff()) {
    auto volunteers = storage::People(ctx.db).supervised_by(p.id);
    text += "• Volunteers you supervise: " + std::to_string(volunteers.size()) + "\n";
  }
  auto own = storage::SettingsStore(ctx.db).values(p.id);
  if (!own.empty()) {
    text += "• Your own settings:";
    for (const auto& [key, value] : own) text += " `" + key + " " + value + "`";
    text += "\n";
  }
  return Reply{text, {}, {}};
}

Reply admin_person(Context& ctx, std::string_view args) {
  auto [who, rest] = split_word(args);
  auto [kind_word, extra] = split_word(rest);
  auto kind = storage::parse_kind(lower(kind_word));
  if (who.empty() || !kind || !extra.empty())
    throw UserError("Usage: `" + ctx.slash("tend") + " admin person @name volunteer|staff|admin`.");
  auto person = ctx.resolve_person(who);
  if (person.id == ctx.caller.id && *kind != storage::Kind::admin &&
      storage::People(ctx.db).of_kind(storage::Kind::admin).size() == 1)
    throw UserError("You are the only admin: make someone else an admin first, so Tend keeps one.");
  const auto old = std::string(to_string(person.kind));
  storage::People(ctx.db).set_kind(person.id, *kind);
  ctx.audit("person.kind", person.id, person.display_name, old, to_string(*kind));
  person.kind = *kind;
  start_routines(ctx, person);
  return Reply{
      person.display_name + " is now " + std::string(to_string(*kind)) + " (was " + old + ").", {}, {}};
}

Reply admin_supervisor(Context& ctx, std::string_view args) {
  auto w = words(args);
  if (w.size() != 2)
    throw UserError("Usage: `" + ctx.slash("tend") + " admin supervisor @volunteer @staff`.");
  auto volunteer = ctx.resolve_person(w[0]);
  auto supervisor = ctx.resolve_person(w[1]);
  if (!supervisor.is_staff())
    throw UserError(supervisor.display_name +
                    " is a volunteer; a supervisor must be staff. Make them staff first: `" +
                    ctx.slash("tend") + " admin person @" + supervisor.display_name + " staff`.");
  if (volunteer.id == supervisor.id) throw UserError("Someone can't supervise themselves.");
  const auto old = person_line(ctx, volunteer.supervisor_id);
  storage::People(ctx.db).set_supervisor(volunteer.id, supervisor.id);
  ctx.audit("person.supervisor", volunteer.id, volunteer.display_name, old, supervisor.display_name);
  return Reply{supervisor.display_name + " now supervises " + volunteer.display_name + ".", {}, {}};
}

// `[@x]` at the front of set/get: the person whose own settings are meant.
std::optional<storage::Person> scope_person(Context& ctx, std::string_view& args) {
  auto [first, rest] = split_word(args);
  if (!parse_mention(first)) return std::nullopt;
  args = rest;
  return ctx.resolve_person(first);
}

// "it is 14:05 there now"
std::string local_now(Context& ctx, const date::time_zone* zone) {
  const auto shown = config::format_local(ctx.now(), zone);
  return "it is " + shown.substr(shown.rfind(' ') + 1) + " there now";
}

// Sets `person`'s own zone from what was typed; the reply's first words say whose it is.
Reply choose_zone(Context& ctx, storage::Person person, std::string_view typed, const std::string& whose) {
  const date::time_zone* zone = nullptr;
  try {
    zone = config::parse_zone(typed);
  } catch (const config::ParseError& e) {
    throw UserError(e.what());
  }
  const auto* old_zone = ctx.zone_of(person);
  const auto old = person.zone.empty() ? std::string(old_zone->name()) + " (the default)" : person.zone;
  storage::People(ctx.db).choose_zone(person.id, zone->name());
  if (person.id != ctx.caller.id) ctx.audit("person.zone", person.id, person.display_name, old, zone->name());
  person.zone = zone->name();
  keep_prompt_local(ctx, person, old_zone);
  return Reply{whose + " time zone is now *" + std::string(zone->name()) + "* (" + local_now(ctx, zone) +
                   "; was " + old + "). Reminders wait for working hours there, and times are shown in it.",
               {},
               {}};
}

Reply timezone(Context& ctx, std::string_view args) {
  const auto typed = trim(args);
  if (typed.empty()) {
    const auto* zone = ctx.zone_of(ctx.caller);
    return Reply{"Your time zone is *" + std::string(zone->name()) + "* (" + local_now(ctx, zone) + ")" +
                     (ctx.caller.zone.empty() ? ", the workspace default: Tend doesn't know yours" : "") +
                     ". To change it: `" + ctx.slash("tend") +
                     " timezone <zone>` with the IANA name of where you are, like Europe/Paris or "
                     "America/New_York.",
                 {},
                 {}};
  }
  return choose_zone(ctx, ctx.caller, typed, "Your");
}

Reply admin_timezone(Context& ctx, std::string_view args) {
  auto [who, zone] = split_word(args);
  if (who.empty() || trim(zone).empty())
    throw UserError("Usage: `" + ctx.slash("tend") + " admin timezone @name <zone>`, like `" +
                    ctx.slash("tend") + " admin timezone @bo America/New_York`.");
  auto person = ctx.resolve_person(who);
  return choose_zone(ctx, person, trim(zone), person.display_name + "'s");
}

Reply admin_set(Context& ctx, std::string_view args) {
  auto person = scope_person(ctx, args);
  auto [key, value] = split_word(args);
  if (key.empty() || value.empty())
    throw UserError("Usage: `" + ctx.slash("tend") + " admin set [@person] <key> <value>`. `" +
                    ctx.slash("tend") + " admin get` lists the keys.");
  std::string normalized;
  try {
    normalized = config::normalize_setting(key, value);
  } catch (const config::ParseError& e) {
    throw UserError(e.what());
  }
  const int64_t scope = person ? person->id : storage::SettingsStore::global;
  storage::SettingsStore store(ctx.db);
  const auto old = store.value(scope, std::string(key));
  store.set(scope, std::string(key), normalized, ctx.now());
  ctx.audit("setting", person ? std::optional<int64_t>(person->id) : std::nullopt, key, old.value_or(""),
            normalized);
  return Reply{"`" + std::string(key) + "` is now `" + normalized + "`" +
                   (person ? " for " + person->display_name : std::string(" for everyone")) +
                   (old ? " (was `" + *old + "`)." : "."),
               {},
               {}};
}

Reply admin_get(Context& ctx, std::string_view args) {
  auto person = scope_person(ctx, args);
  const auto key_filter = trim(args);
  if (!key_filter.empty() && !config::find_setting(key_filter))
    throw UserError("There is no setting `" + std::string(key_filter) + "`. `" + ctx.slash("tend") +
                    " admin get` lists them all.");
  const auto settings = person ? ctx.settings_for(*person) : ctx.global_settings();
  std::string text = person ? "*Settings for " + person->display_name + "*\n" : "*Settings*\n";
  for (const auto& spec : config::setting_specs()) {
    if (!key_filter.empty() && spec.key != key_filter) continue;
    text += "• `" + std::string(spec.key) + "` = `" + settings.raw(spec.key) + "` (default `" +
            std::string(spec.default_value) + "`) — " + std::string(spec.help) + "\n";
  }
  return Reply{text, {}, {}};
}

Reply admin_audit(Context& ctx, std::string_view args) {
  int n = 20;
  if (!args.empty()) {
    try {
      n = std::stoi(std::string(args));
    } catch (const std::exception&) {
      n = 0;
    }
    if (n < 1 || n > 500) throw UserError("Usage: `" + ctx.slash("tend") + " admin audit [1-500]`.");
  }
  const auto* zone = ctx.zone_of(ctx.caller);
  std::string text = "*Audit log* (newest first)\n";
  for (const auto& e : storage::Audit(ctx.db).latest(n)) {
    text += "• " + config::format_local(e.at, zone) + " " + person_line(ctx, e.actor_id) + ": " + e.action;
    if (e.subject_id) text += " " + person_line(ctx, e.subject_id);
    if (!e.detail.empty()) text += " " + e.detail;
    if (!e.old_value.empty() || !e.new_value.empty())
      text += " `" + e.old_value + "` → `" + e.new_value + "`";
    text += "\n";
  }
  return Reply{text, {}, {}};
}

constexpr std::size_t kRoleNameMax = 60;
constexpr std::size_t kBoundariesMaxChars = 6000;

// Role names may have spaces ("peer supporter"): the longest known name the text starts with.
std::optional<storage::Role> role_prefix(Context& ctx, std::string_view text, std::string_view& rest) {
  std::optional<storage::Role> best;
  const auto lowered = lower(text);
  for (const auto& role : storage::Roles(ctx.db).all()) {
    const auto name = lower(role.name);
    if (lowered.rfind(name, 0) == 0 &&
        (lowered.size() == name.size() || lowered[name.size()] == ' ' || lowered[name.size()] == '\n') &&
        (!best || role.name.size() > best->name.size())) {
      best = role;
      rest = trim(text.substr(name.size()));
    }
  }
  return best;
}

std::string role_names(Context& ctx) {
  std::string names;
  for (const auto& r : storage::Roles(ctx.db).all()) names += (names.empty() ? "" : ", ") + r.name;
  return names.empty() ? "none yet" : names;
}

Reply admin_role_add(Context& ctx, std::string_view args) {
  const auto name = std::string(trim(args));
  if (name.empty() || utf8_length(name) > kRoleNameMax || name.find('\n') != std::string::npos)
    throw UserError("Usage: `" + ctx.slash("tend") +
                    " admin role add <name>` (a name of up to 60 characters).");
  if (storage::Roles(ctx.db).by_name(name)) throw UserError("There is already a role called " + name + ".");
  storage::Roles(ctx.db).add(name, ctx.now());
  ctx.audit("role.add", std::nullopt, name);
  return Reply{"Added the role *" + name + "*. Write its boundaries with `" + ctx.slash("tend") +
                   " admin role boundaries " + name + " <text…>`.",
               {},
               {}};
}

Reply admin_role_boundaries(Context& ctx, std::string_view args) {
  std::string_view text;
  auto role = role_prefix(ctx, args, text);
  if (!role) throw UserError("Which role? Roles: " + role_names(ctx) + ".");
  if (text.empty())
    throw UserError("Usage: `" + ctx.slash("tend") + " admin role boundaries " + role->name + " <text…>`.");
  if (utf8_length(text) > kBoundariesMaxChars)
    throw UserError("Those boundaries are " + std::to_string(utf8_length(text)) +
                    " characters long; please keep them to 6,000 so people read them. Nothing was changed.");
  storage::Roles(ctx.db).set_boundaries(role->id, std::string(text), ctx.now());
  ctx.audit("role.boundaries", std::nullopt, role->name,
            std::to_string(utf8_length(role->boundaries)) + " chars",
            std::to_string(utf8_length(text)) + " chars");
  return Reply{"Updated the boundaries of *" + role->name + "*. `" + ctx.slash("boundaries") + " " +
                   role->name + "` shows them.",
               {},
               {}};
}

Reply admin_role_assign(Context& ctx, std::string_view args) {
  auto [who, rest] = split_word(args);
  if (who.empty() || rest.empty())
    throw UserError("Usage: `" + ctx.slash("tend") + " admin role assign @volunteer <role>`.");
  auto person = ctx.resolve_person(who);
  auto role = storage::Roles(ctx.db).by_name(std::string(rest));
  if (!role)
    throw UserError(
        "There is no role "
        " + std::string(rest) + "
        ". Roles: " +
        role_names(ctx) + ".");
  const auto old = person.role_id ? storage::Roles(ctx.db).by_id(*person.role_id) : std::nullopt;
  storage::Roles(ctx.db).assign(person.id, role->id);
  ctx.audit("role.assign", person.id, person.display_name, old ? old->name : "", role->name);
  send_boundaries_now(ctx, person, *role);
  return Reply{
      person.display_name + " now has the role *" + role->name + "*; I've sent them its boundaries.", {}, {}};
}

Reply admin_role_list(Context& ctx, std::string_view) {
  return Reply{"Roles: " + role_names(ctx) + ".", {}, {}};
}

Reply admin_help(Context& ctx, std::string_view args) {
  std::string text;
  if (!args.empty()) text = "I don't know `" + ctx.slash("tend") + " admin " + std::string(args) + "`. ";
  return Reply{text + "Admin commands:\n" + ctx.registry.help(storage::Kind::admin, "tend"), {}, {}};
}

}  // namespace

void add_tend(Registry& registry) {
  registry.add(Family{
      "tend",
      "help, your profile, and setting Tend up",
      {
          {"", "", "this help", anyone, help},
          {"help", "", "this help", anyone, help},
          {"me", "", "what Tend knows about you", anyone, me},
          {"timezone", "[zone]", "see or set your time zone, an IANA name like Europe/Paris", anyone,
           timezone},
          {"mydata", "", "everything Tend holds about you, sent to you as JSON", anyone, tend_mydata},
          {"forget", "", "delete everything Tend holds about you (asks first)", anyone, tend_forget},
          {"admin", "", "the admin commands", admins, admin_help},
          {"admin person", "@name volunteer|staff|admin", "set what someone is", admins, admin_person},
          {"admin supervisor", "@volunteer @staff", "set a volunteer's supervisor", admins, admin_supervisor},
          {"admin timezone", "@name <zone>", "set someone's time zone", admins, admin_timezone},
          {"admin buddy", "@volunteer @volunteer", "suggest two volunteers as buddies (both must say yes)",
           admins, tend_admin_buddy},
          {"admin set", "[@person] <key> <value>", "change a setting, for everyone or one person", admins,
           admin_set},
          {"admin get", "[@person] [key]", "show settings with their defaults and help", admins, admin_get},
          {"admin audit", "[n]", "the last n changes and reads of others' data", admins, admin_audit},
          {"admin role", "", "list the roles", admins, admin_role_list},
          {"admin role add", "<name>", "add a role", admins, admin_role_add},
          {"admin role boundaries", "<role> <text…>",
           "write a role's boundaries (Slack formatting, several lines)", admins, admin_role_boundaries},
          {"admin role assign", "@volunteer <role>", "give someone a role; they are sent its boundaries",
           admins, admin_role_assign},
      }});
}

std::optional<std::string> default_zone_note(Context& ctx) {
  // Read again: the command may have just set a zone, or deleted the person.
  const auto person = storage::People(ctx.db).by_id(ctx.caller.id);
  if (!person || !person->zone.empty() || person->default_zone_told) return std::nullopt;
  storage::People(ctx.db).mark_default_zone_told(person->id);
  return "_Tend doesn't know your time zone, so it uses " +
         std::string(ctx.settings_for(*person).zone("timezone.default")->name()) +
         " (the workspace's) for your reminders and the times it shows you. If you are elsewhere, tell it: "
         "`" +
         ctx.slash("tend") + " timezone America/New_York` (or wherever you are)._";
}

Reply home(Context& ctx) {
  std::string text = "*Hello, " + ctx.caller.display_name + "*\n";
  const auto next = next_supervision(ctx);
  text += next ? "Your next supervision: " + *next + ".\n" : "No supervision booked.\n";
  const auto last = last_checkin(ctx, ctx.caller);
  text += last ? "Your last check-in: " + *last + ".\n" : "You haven't checked in yet.\n";
  text += "\n" + ctx.registry.help(ctx.caller.kind);
  return Reply{text, {}, {}};
}

}  // namespace tend::commands
