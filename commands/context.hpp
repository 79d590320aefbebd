#pragma once
// What a handler gets: the store (inside the router's transaction), the clock, the caller and
// their settings. Handlers return a Reply; what they send to others goes to the outbox through
// this context, in the same transaction. No network, no platform types.
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.hpp"
#include "base/message.hpp"
#include "config/delivery_policy.hpp"
#include "config/settings.hpp"
#include "storage/database.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"
#include "storage/settings_store.hpp"

namespace tend::commands {

class Registry;

// Meta keys: when the process was last seen alive (the scheduler's heartbeat), and the last
// stretch of time Tend was not running (from the last heartbeat before a start to that start).
inline constexpr const char* kAliveAtKey = "process.alive_at";
inline constexpr const char* kDownFromKey = "process.down_from";
inline constexpr const char* kDownUntilKey = "process.down_until";

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

  // Whether Tend was not running at `t` (so a message due then is late for that reason).
  bool was_down_at(Instant t) const;

  // "/checkin": the slash-command as this workspace names it.
  std::string slash(std::string_view family) const;

  // The delivery policy's view of a recipient: their zone, quiet hours and working days.
  config::Window window_of(const storage::Person& person) const;

  // Queues a direct message as the delivery policy decides (storage::OutboxAbout says what it is
  // and whom it is about): at the first minute of the recipient's own hours, held while its
  // subject is on a break, or not at all when its purpose will have passed. Returns when it is
  // planned to reach them (now for a dropped one).
  Instant send(const storage::Person& to, const Message& message, const std::string& idempotency_key = {},
               const storage::OutboxAbout& about = {});
  // The coordinator channel, or every admin by DM when there is none.
  void send_to_coordinators(const Message& message, const std::string& idempotency_key = {},
                            const storage::OutboxAbout& about = {});
  bool queued_messages() const { return queued_; }
  // Work for later; the scheduler is woken after the commit.
  void schedule(const storage::NewJob& job, bool replace_existing = false);
  // Jobs were changed by hand (not through schedule()): the scheduler must look again.
  void jobs_changed() { scheduled_ = true; }
  bool scheduled_jobs() const { return scheduled_; }

  // The delivery policy again, just before an outbox row goes: the recipient's hours may have
  // moved, its subject may have started a break, its purpose may have passed. The message has
  // its moment named as it stands now.
  struct Recheck {
    config::Decision decision;
    Message message;
  };
  Recheck recheck(const storage::OutboxItem& item) const;

  // While a break's held messages are given back: what is sent about `subject` is gathered
  // instead of queued, so each recipient gets one message (see give_back_held in breaks.cpp).
  struct Gathered {
    std::optional<storage::Person> to;  // nullopt: the coordinators
    Message message;
    storage::OutboxAbout about;
    std::string key;
    std::string nudge_reason;  // not empty: it asked staff to reach out (a nudge)
  };
  void start_gathering(int64_t subject) { gathering_ = subject; }
  bool gathering(int64_t subject) const { return gathering_ == subject; }
  void gather(Gathered item) { gathered_.push_back(std::move(item)); }
  std::vector<Gathered> stop_gathering() {
    gathering_.reset();
    return std::exchange(gathered_, {});
  }

  void audit(std::optional<int64_t> actor, std::string_view action, std::optional<int64_t> subject,
             std::string_view detail, std::string_view old_value = {}, std::string_view new_value = {});

 private:
  const storage::SettingValues& file_settings_;
  Instant now_;
  bool queued_ = false;
  bool scheduled_ = false;
  std::optional<int64_t> gathering_;
  std::vector<Gathered> gathered_;
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
  // The reply shows someone else's data to the caller (`action`: what was read, `where`: in which
  // view). It is audited, and the reply's stored copy goes when that person asks Tend to forget them.
  void shows_data_of(int64_t person_id, std::string_view action, std::string_view where);
  // Whose data the reply shows: the caller and everyone shows_data_of named.
  std::vector<int64_t> people_shown() const;

 private:
  config::Settings settings_;
  std::vector<int64_t> others_shown_;
};

}  // namespace tend::commands
