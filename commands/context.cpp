#include "commands/context.hpp"

#include <date/tz.h>

#include "commands/families.hpp"
#include "commands/registry.hpp"
#include "commands/text.hpp"
#include "config/delivery_window.hpp"
#include "storage/audit.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"

namespace tend::commands {
namespace {

config::Settings layered(storage::Database& db, const storage::SettingValues& file_settings,
                         std::optional<int64_t> person_id) {
  storage::SettingsStore store(db);
  auto merged = file_settings;
  for (auto& [key, value] : store.values(storage::SettingsStore::global)) merged[key] = value;
  if (person_id)
    for (auto& [key, value] : store.values(*person_id)) merged[key] = value;
  return config::Settings(std::move(merged));
}

}  // namespace

Services::Services(storage::Database& db_, const Clock& clock_, const Registry& registry_,
                   const storage::SettingValues& file_settings)
    : db(db_), clock(clock_), registry(registry_), file_settings_(file_settings), now_(clock_.now()) {}

Context::Context(storage::Database& db_, const Clock& clock_, storage::Person caller_,
                 const Registry& registry_, const storage::SettingValues& file_settings)
    : Services(db_, clock_, registry_, file_settings),
      caller(std::move(caller_)),
      settings_(settings_for(caller)) {}

config::Settings Services::settings_for(const storage::Person& person) const {
  return layered(db, file_settings_, person.id);
}

config::Settings Services::global_settings() const {
  return layered(db, file_settings_, std::nullopt);
}

const date::time_zone* Services::zone_of(const storage::Person& person) const {
  if (!person.zone.empty()) {
    try {
      return date::locate_zone(person.zone);
    } catch (const std::exception&) {
      // A zone the tz database does not know falls back to the workspace default.
    }
  }
  return settings_for(person).zone("timezone.default");
}

std::string Services::slash(std::string_view family) const {
  return registry.slash(family);
}

Instant Services::send(const storage::Person& to, const Message& message,
                       const std::string& idempotency_key) {
  const auto settings = settings_for(to);
  const auto at = config::next_allowed(now_, zone_of(to), settings.quiet_hours("nudge.quiet_hours"),
                                       settings.working_days("nudge.working_days"));
  storage::Outbox(db).enqueue({storage::OutboxRecipient::Kind::person, to.platform_user_id, to.id}, message,
                              at, idempotency_key);
  queued_ = true;
  return at;
}

void Services::schedule(const std::string& kind, Instant due_at, const nlohmann::json& payload,
                        const std::string& key, bool replace_existing) {
  storage::Jobs jobs(db);
  if (replace_existing)
    jobs.reschedule(kind, due_at, payload, key);
  else
    jobs.schedule(kind, due_at, payload, key);
  scheduled_ = true;
}

void Services::send_to_coordinators(const Message& message, const std::string& idempotency_key) {
  if (auto channel = global_settings().channel("coordinator.channel")) {
    storage::Outbox(db).enqueue({storage::OutboxRecipient::Kind::channel, *channel, std::nullopt}, message,
                                now_, idempotency_key);
    queued_ = true;
    return;
  }
  for (const auto& admin : storage::People(db).of_kind(storage::Kind::admin))
    send(admin, message, idempotency_key.empty() ? "" : idempotency_key + "@" + std::to_string(admin.id));
}

storage::Person Context::resolve_person(std::string_view token) {
  auto mention = parse_mention(token);
  if (!mention) throw UserError("\"" + std::string(token) + "\" is not a person: mention them like @name.");
  storage::People people(db);
  if (mention->user_id.empty() && mentions_name_the_id) {
    if (auto p = people.by_platform_id(caller.platform, mention->name)) return *p;
    if (auto p = people.by_name(caller.platform, mention->name)) return *p;
    mention->user_id = mention->name;
  }
  if (!mention->user_id.empty()) {
    if (auto p = people.by_platform_id(caller.platform, mention->user_id)) return *p;
    auto created = people.create(caller.platform, mention->user_id, mention->name, now());
    start_routines(*this, created);
    return created;
  }
  if (auto p = people.by_name(caller.platform, mention->name)) return *p;
  throw UserError("I don't know @" + mention->name +
                  " yet. Check the spelling, or ask them to say hello to Tend once (for example " +
                  slash("tend") + " help).");
}

void Services::audit(std::optional<int64_t> actor, std::string_view action, std::optional<int64_t> subject,
                     std::string_view detail, std::string_view old_value, std::string_view new_value) {
  storage::Audit(db).record({0, now_, actor, std::string(action), subject, std::string(detail),
                             std::string(old_value), std::string(new_value)});
}

void Context::audit(std::string_view action, std::optional<int64_t> subject, std::string_view detail,
                    std::string_view old_value, std::string_view new_value) {
  Services::audit(caller.id, action, subject, detail, old_value, new_value);
}

}  // namespace tend::commands
