#include "bot/router.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <random>

#include "base/text.hpp"
#include "commands/families.hpp"
#include "commands/format.hpp"
#include "storage/audit.hpp"
#include "storage/checkins.hpp"
#include "storage/inbound.hpp"

namespace tend {
namespace {

std::string new_reference() {
  static std::mt19937 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string ref(6, '0');
  for (auto& c : ref) c = hex[rng() % 16];
  return ref;
}

Reply not_allowed(const commands::Registry& registry, const storage::Person& caller, std::string_view what) {
  return Reply{"Sorry, `" + std::string(what) + "` is not something a " +
                   std::string(to_string(caller.kind)) + " can do in Tend. Here is what you can do:\n\n" +
                   registry.help(caller.kind),
               {},
               {}};
}

std::string what_of(const platform::Inbound& item) {
  if (const auto* command = std::get_if<platform::Command>(&item)) return "/" + command->name;
  return "button " + std::get<platform::Action>(item).action_id;
}

}  // namespace

Router::Router(storage::Database& db, const Clock& clock, const commands::Registry& registry,
               RouterOptions options)
    : db_(db), clock_(clock), registry_(registry), options_(std::move(options)) {}

storage::Person Router::person_for(const platform::Origin& origin,
                                   const std::optional<platform::UserProfile>& profile, bool& created) {
  storage::People people(db_);
  auto person = people.by_platform_id(options_.platform, origin.user_id);
  created = !person;
  if (!person) {
    const auto name = profile && !profile->display_name.empty() ? profile->display_name : origin.user_name;
    person = people.create(options_.platform, origin.user_id, name, clock_.now());
    if (profile && !profile->zone.empty()) people.set_profile(person->id, "", profile->zone);
    person = people.by_id(person->id);
  } else if (person->display_name == person->platform_user_id && !origin.user_name.empty() &&
             origin.user_name != origin.user_id) {
    // Named by an id when someone mentioned them before they spoke (a Discord user option).
    people.set_profile(person->id, origin.user_name, "");
    person->display_name = origin.user_name;
  }
  const bool listed_admin =
      std::find(options_.admins.begin(), options_.admins.end(), origin.user_id) != options_.admins.end();
  if (listed_admin && person->kind != storage::Kind::admin) {
    people.set_kind(person->id, storage::Kind::admin);
    storage::Audit(db_).record({0, clock_.now(), std::nullopt, "person.kind", person->id, "listed in admins",
                                std::string(to_string(person->kind)), "admin"});
    person->kind = storage::Kind::admin;
  }
  return *person;
}

Reply Router::apology(std::string_view what, const std::string& error) {
  const auto reference = new_reference();
  spdlog::error("{} failed (reference {}): {}", what, reference, error);
  return Reply{"Sorry, something went wrong on my side and nothing was saved (reference " + reference +
                   "). Please try again in a moment, and tell a coordinator if it keeps happening.",
               {},
               {}};
}

Reply Router::run(const platform::Origin& origin, const std::optional<platform::UserProfile>& profile,
                  std::string_view what, const Body& body, Effects& effects) {
  storage::Savepoint savepoint(db_, effects.scope);
  effects.outcome = Outcome::ok;
  try {
    storage::Inbound inbound(db_);
    if (auto earlier = inbound.reply_for(origin.delivery_ids)) {
      spdlog::info("redelivery of an already handled {} answered again", what);
      savepoint.release();
      return *earlier;
    }
    bool created = false;
    commands::Context ctx(db_, clock_, person_for(origin, profile, created), registry_,
                          options_.file_settings);
    ctx.mentions_name_the_id = options_.mentions_name_the_id;
    if (created) commands::start_routines(ctx, ctx.caller);
    Reply reply;
    try {
      reply = body(ctx);
    } catch (const commands::UserError& e) {
      // Nothing the handler did is kept (the savepoint rolls back); the person is told what to change.
      effects.outcome = Outcome::refused;
      return Reply{e.what(), {}, {}};
    }
    if (options_.tell_default_zone)
      if (auto note = commands::default_zone_note(ctx)) reply.text += "\n\n" + *note;
    inbound.record(origin.delivery_ids, reply, ctx.people_shown(), ctx.now());
    savepoint.release();
    effects.queued_messages = effects.queued_messages || ctx.queued_messages();
    effects.scheduled_jobs = effects.scheduled_jobs || ctx.scheduled_jobs();
    return reply;
  } catch (const std::exception& e) {
    effects.outcome = Outcome::error;
    return apology(what, e.what());
  }
}

void Router::announce(const Effects& effects) {
  for (const auto& [name, outcome] : effects.handled)
    metrics().command_handled(options_.platform, name, outcome);
  if (effects.queued_messages && on_outbox_) on_outbox_();
  if (effects.scheduled_jobs && on_jobs_) on_jobs_();
}

Reply Router::handle_alone(const platform::Inbound& item,
                           const std::optional<platform::UserProfile>& profile) {
  try {
    return handle_together({item}, {profile}).front();
  } catch (const std::exception& e) {
    return apology(what_of(item), e.what());
  }
}

Message Router::handle_home(const platform::Origin& origin,
                            const std::optional<platform::UserProfile>& profile) {
  try {
    Effects effects;
    effects.scope = storage::Savepoint::Scope::alone;
    Message home;
    {
      storage::Transaction tx(db_);
      home = home_reply(origin, profile, effects);
      tx.commit();
    }
    announce(effects);
    return home;
  } catch (const std::exception& e) {
    return apology("home", e.what());
  }
}

std::vector<Reply> Router::handle_together(
    const std::vector<platform::Inbound>& items,
    const std::vector<std::optional<platform::UserProfile>>& profiles) {
  Effects effects;
  if (items.size() == 1) effects.scope = storage::Savepoint::Scope::alone;
  std::vector<Reply> replies;
  {
    storage::Transaction tx(db_);
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& profile = i < profiles.size() ? profiles[i] : std::nullopt;
      if (const auto* command = std::get_if<platform::Command>(&items[i]))
        replies.push_back(command_reply(*command, profile, effects));
      else
        replies.push_back(action_reply(std::get<platform::Action>(items[i]), profile, effects));
    }
    tx.commit();
  }
  announce(effects);
  return replies;
}

Reply Router::command_reply(const platform::Command& command,
                            const std::optional<platform::UserProfile>& profile, Effects& effects) {
  if (!is_valid_utf8(command.text) || !is_valid_utf8(command.origin.user_name))
    return Reply{
        "I couldn't read that: it contains characters that aren't valid text (UTF-8). Please type it again.",
        {},
        {}};
  const auto match = registry_.match(command.name, command.text);
  const std::string what = "/" + command.name;
  if (!match.family) {
    effects.handled.emplace_back("unknown", Outcome::refused);
    return run(
        command.origin, profile, what,
        [&](commands::Context& ctx) {
          return Reply{"I don't know the command `/" + command.name + "`. Here is what you can do:\n\n" +
                           registry_.help(ctx.caller.kind),
                       {},
                       {}};
        },
        effects);
  }
  bool not_permitted = false;
  auto reply = run(
      command.origin, profile, what,
      [&](commands::Context& ctx) {
        if (!match.subcommand) return Reply{registry_.help(ctx.caller.kind, match.family->name), {}, {}};
        if (!commands::allows(match.subcommand->audience, ctx.caller.kind)) {
          not_permitted = true;
          const auto attempted = registry_.slash(match.family->name) +
                                 (match.subcommand->path.empty() ? "" : " " + match.subcommand->path);
          spdlog::info("permission refused: {} for a {}", attempted, to_string(ctx.caller.kind));
          return not_allowed(registry_, ctx.caller, attempted);
        }
        return match.subcommand->handler(ctx, match.args);
      },
      effects);
  effects.handled.emplace_back(match.family->name, not_permitted ? Outcome::refused : effects.outcome);
  return reply;
}

Reply Router::action_reply(const platform::Action& action,
                           const std::optional<platform::UserProfile>& profile, Effects& effects) {
  bool text_ok = is_valid_utf8(action.value);
  for (const auto& [k, v] : action.fields) text_ok = text_ok && is_valid_utf8(k) && is_valid_utf8(v);
  if (!text_ok)
    return Reply{
        "I couldn't read that: it contains characters that aren't valid text (UTF-8). Please try again.",
        {},
        {}};
  const auto* spec = registry_.action(action.action_id);
  bool not_permitted = false;
  auto reply = run(
      action.origin, profile, "button " + action.action_id,
      [&](commands::Context& ctx) {
        if (!spec)
          return Reply{"That button no longer does anything. Type `" + ctx.slash("tend") +
                           " help` to see what you can do.",
                       {},
                       {}};
        if (!commands::allows(spec->audience, ctx.caller.kind)) {
          not_permitted = true;
          return not_allowed(registry_, ctx.caller, action.action_id);
        }
        return spec->handler(ctx, commands::ActionInput{action.value, action.fields});
      },
      effects);
  // A string_view on both sides: a ternary of std::string and a literal would make a temporary.
  effects.handled.emplace_back(spec ? std::string_view(spec->action_id) : std::string_view("unknown"),
                               !spec || not_permitted ? Outcome::refused : effects.outcome);
  return reply;
}

Message Router::home_reply(const platform::Origin& origin,
                           const std::optional<platform::UserProfile>& profile, Effects& effects) {
  return run(origin, profile, "home", commands::home, effects);
}

boost::asio::awaitable<std::optional<platform::UserProfile>> Router::profile_if_new(
    const platform::Origin& origin) {
  if (!lookup_ || storage::People(db_).by_platform_id(options_.platform, origin.user_id))
    co_return std::nullopt;
  try {
    co_return co_await lookup_(origin.user_id);
  } catch (const std::exception& e) {
    spdlog::warn("could not look up a new person's profile: {}", e.what());
    co_return std::nullopt;
  }
}

boost::asio::awaitable<Reply> Router::command(platform::Command command) {
  auto profile = co_await profile_if_new(command.origin);
  co_return handle_alone(command, profile);
}

boost::asio::awaitable<Reply> Router::action(platform::Action action) {
  auto profile = co_await profile_if_new(action.origin);
  co_return handle_alone(action, profile);
}

boost::asio::awaitable<Message> Router::home(platform::Origin origin) {
  auto profile = co_await profile_if_new(origin);
  co_return handle_home(origin, profile);
}

boost::asio::awaitable<std::vector<Reply>> Router::together(std::vector<platform::Inbound> items) {
  // One lookup per person in the batch, however many commands they sent.
  std::map<std::string, std::optional<platform::UserProfile>> by_user;
  std::vector<std::optional<platform::UserProfile>> profiles;
  for (const auto& item : items) {
    const auto& origin = std::visit([](const auto& i) -> const platform::Origin& { return i.origin; }, item);
    auto known = by_user.find(origin.user_id);
    if (known == by_user.end()) {
      // A named local: GCC 12 mis-compiles some co_await expressions inside call arguments.
      auto profile = co_await profile_if_new(origin);
      known = by_user.emplace(origin.user_id, std::move(profile)).first;
    }
    profiles.push_back(known->second);
  }
  co_return handle_together(items, profiles);
}

bool Router::update_profile(const std::string& user_id, const platform::UserProfile& profile) {
  storage::Transaction tx(db_);
  storage::People people(db_);
  const auto person = people.by_platform_id(options_.platform, user_id);
  if (!person) return false;
  people.set_profile(person->id, profile.display_name, profile.zone);
  tx.commit();
  return true;
}

boost::asio::awaitable<void> Router::profile_changed(std::string user_id, platform::UserProfile profile) {
  try {
    if (update_profile(user_id, profile)) spdlog::debug("a person's profile changed on the platform");
  } catch (const std::exception& e) {
    spdlog::warn("could not store a person's changed profile: {}", e.what());
  }
  co_return;
}

}  // namespace tend
