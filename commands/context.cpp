#include "commands/context.hpp"

#include <algorithm>

#include <date/tz.h>

#include "commands/families.hpp"
#include "commands/format.hpp"
#include "commands/registry.hpp"
#include "commands/text.hpp"
#include "storage/audit.hpp"
#include "storage/inbound.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"
#include "storage/time.hpp"

namespace tend::commands {

Services::Services(storage::Database& db_, const Clock& clock_, const Registry& registry_,
                   const storage::SettingValues& file_settings)
    : db(db_), clock(clock_), registry(registry_), file_settings_(file_settings), now_(clock_.now()) {}

Context::Context(storage::Database& db_, const Clock& clock_, storage::Person caller_,
                 const Registry& registry_, const storage::SettingValues& file_settings)
    : Services(db_, clock_, registry_, file_settings),
      caller(std::move(caller_)),
      settings_(settings_for(caller)) {}

config::Settings Services::settings_for(const storage::Person& person) const {
  return storage::SettingsStore(db).layered(person.id, file_settings_);
}

config::Settings Services::global_settings() const {
  return storage::SettingsStore(db).layered(storage::SettingsStore::global, file_settings_);
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

bool Services::was_down_at(Instant t) const {
  storage::Meta meta(db);
  const auto from = meta.get(kDownFromKey), until = meta.get(kDownUntilKey);
  if (!from || !until) return false;
  return storage::from_unix_seconds(std::stoll(*from)) <= t &&
         t < storage::from_unix_seconds(std::stoll(*until));
}

std::string Services::slash(std::string_view family) const {
  return registry.slash(family);
}

config::Window Services::window_of(const storage::Person& person) const {
  const auto settings = settings_for(person);
  return {zone_of(person), settings.quiet_hours("nudge.quiet_hours"),
          settings.working_days("nudge.working_days")};
}

namespace {

std::optional<Instant> break_of(storage::Database& db, const storage::OutboxAbout& about, Instant now) {
  if (!about.subject_person_id) return std::nullopt;
  auto subject = storage::People(db).by_id(*about.subject_person_id);
  if (!subject || !subject->on_break(now)) return std::nullopt;
  return subject->on_break_until;
}

// The facts of a message as the outbox row records them; the recipient's window is added by the caller.
config::DeliveryFacts facts_of(storage::Database& db, const storage::OutboxAbout& about, Instant now) {
  config::DeliveryFacts facts;
  facts.kind = about.kind;
  facts.now = now;
  facts.subject_break_until = break_of(db, about, now);
  if (config::ends_with_its_event(about.kind)) facts.event_at = about.about_at;
  return facts;
}

}  // namespace

Instant Services::send(const storage::Person& to, const Message& message, const std::string& idempotency_key,
                       const storage::OutboxAbout& about) {
  if (about.subject_person_id && gathering(*about.subject_person_id)) {
    gather({to, message, about, idempotency_key, {}});
    return now_;
  }
  auto facts = facts_of(db, about, now_);
  facts.window = window_of(to);
  if (to.on_break(now_)) facts.recipient_break_until = to.on_break_until;
  const auto decision = config::decide(facts);
  if (decision.verdict == config::Verdict::drop) return now_;
  const bool hold = decision.verdict == config::Verdict::hold;
  const auto at = decision.verdict == config::Verdict::wait ? decision.at : now_;
  storage::Outbox outbox(db);
  const auto row = outbox.enqueue({storage::OutboxRecipient::Kind::person, to.platform_user_id, to.id},
                                  message, at, idempotency_key, about);
  if (row && hold) outbox.hold(*row);
  queued_ = true;
  return at;
}

Services::Recheck Services::recheck(const storage::OutboxItem& item) const {
  auto facts = facts_of(db, item.about, now_);
  std::optional<storage::Person> to;
  if (item.recipient.person_id) to = storage::People(db).by_id(*item.recipient.person_id);
  if (to) {
    facts.window = window_of(*to);
    if (to->on_break(now_)) facts.recipient_break_until = to->on_break_until;
  }
  Recheck out{config::decide(facts), item.message};
  if (item.about.about_at)
    out.message.text = with_moment(std::move(out.message.text), *item.about.about_at, now_,
                                   to ? zone_of(*to) : global_settings().zone("timezone.default"));
  return out;
}

void Services::schedule(const storage::NewJob& job, bool replace_existing) {
  storage::Jobs jobs(db);
  if (replace_existing)
    jobs.reschedule(job);
  else
    jobs.schedule(job);
  scheduled_ = true;
}

void Services::send_to_coordinators(const Message& message, const std::string& idempotency_key,
                                    const storage::OutboxAbout& about) {
  if (about.subject_person_id && gathering(*about.subject_person_id)) {
    gather({std::nullopt, message, about, idempotency_key, {}});
    return;
  }
  if (auto channel = global_settings().channel("coordinator.channel")) {
    const auto decision = config::decide(facts_of(db, about, now_));
    if (decision.verdict == config::Verdict::drop) return;
    storage::Outbox outbox(db);
    const auto row = outbox.enqueue({storage::OutboxRecipient::Kind::channel, *channel, std::nullopt},
                                    message, now_, idempotency_key, about);
    if (row && decision.verdict == config::Verdict::hold) outbox.hold(*row);
    queued_ = true;
    return;
  }
  for (const auto& admin : storage::People(db).of_kind(storage::Kind::admin))
    send(admin, message, idempotency_key.empty() ? "" : idempotency_key + "@" + std::to_string(admin.id),
         about);
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

void Context::shows_data_of(int64_t person_id, std::string_view action, std::string_view where) {
  audit(action, person_id, where);
  if (person_id != caller.id &&
      std::find(others_shown_.begin(), others_shown_.end(), person_id) == others_shown_.end())
    others_shown_.push_back(person_id);
}

std::vector<int64_t> Context::people_shown() const {
  std::vector<int64_t> people{caller.id};
  people.insert(people.end(), others_shown_.begin(), others_shown_.end());
  return people;
}

}  // namespace tend::commands
