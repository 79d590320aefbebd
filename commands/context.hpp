#pragma once
// What a handler gets: the store (inside the router's transaction), the clock, the caller and
// their settings. Handlers return a Reply; what they send to others goes to the outbox through
// this context, in the same transaction. No network, no platform types.
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.hpp"
#include "base/message.hpp"
#include "config/settings.hpp"
#include "storage/database.hpp"
#include "storage/people.hpp"
#include "storage/settings_store.hpp"

namespace tend::commands {

class Registry;

// A mistake the user can fix: the message goes back to them, the transaction is rolled back.
struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What every piece of domain logic may use: the store (inside the caller's transaction), the
// clock, settings layered person > global > file > default, and the outbox.
class Services {
 public:
  Services(storage::Database& db, const Clock& clock, const Registry& registry,
           const storage::SettingValues& file_settings);

  storage::Database& db;
  const Clock& clock;
  const Registry& registry;

  Instant now() const { return now_; }
  config::Settings settings_for(const storage::Person& person) const;
  config::Settings global_settings() const;
  const date::time_zone* zone_of(const storage::Person& person) const;

  // "/checkin": the slash-command as this workspace names it.
  std::string slash(std::string_view family) const;

  // Queues a direct message. It goes out at the first minute outside the recipient's quiet
  // hours and on one of their working days, which this returns.
  Instant send(const storage::Person& to, const Message& message, const std::string& idempotency_key = {});
  // The coordinator channel, or every admin by DM when there is none.
  void send_to_coordinators(const Message& message, const std::string& idempotency_key = {});
  bool queued_messages() const { return queued_; }
  // Work for later; the scheduler is woken after the commit.
  void schedule(const std::string& kind, Instant due_at, const nlohmann::json& payload,
                const std::string& key, bool replace_existing = false);
  // Jobs were moved by hand (not through schedule()): the scheduler must look again.
  void jobs_changed() { scheduled_ = true; }
  bool scheduled_jobs() const { return scheduled_; }

  void audit(std::optional<int64_t> actor, std::string_view action, std::optional<int64_t> subject,
             std::string_view detail, std::string_view old_value = {}, std::string_view new_value = {});

 private:
  const storage::SettingValues& file_settings_;
  Instant now_;
  bool queued_ = false;
  bool scheduled_ = false;
};

// A handler's view: the services plus the person who typed the command or pressed the button.
class Context : public Services {
 public:
  Context(storage::Database& db, const Clock& clock, storage::Person caller, const Registry& registry,
          const storage::SettingValues& file_settings);

  storage::Person caller;
  // Set by the router for a platform whose user ids are the names people type (the console).
  bool mentions_name_the_id = false;

  const config::Settings& settings() const { return settings_; }
  // `<@U123>`, `<@U123|name>` or `@name`; a Slack-escaped mention of someone Tend has not met
  // creates them (the platform vouches for the id). A plain @name must be known, unless
  // mentions_name_the_id: then the name is the id, and an unknown one is created too.
  storage::Person resolve_person(std::string_view mention);
  // An audit row with the caller as the actor.
  void audit(std::string_view action, std::optional<int64_t> subject, std::string_view detail,
             std::string_view old_value = {}, std::string_view new_value = {});

 private:
  config::Settings settings_;
};

}  // namespace tend::commands
