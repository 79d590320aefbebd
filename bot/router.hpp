#pragma once
// person → permission → transaction → handler → commit → reply. The adapter acknowledges the
// platform with the reply this returns, so an ack always follows a commit.
#include <functional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "bot/metrics.hpp"
#include "bot/platform/adapter.hpp"
#include "commands/registry.hpp"
#include "storage/database.hpp"
#include "storage/settings_store.hpp"

namespace tend {

struct RouterOptions {
  std::string platform;             // the people table's platform for everyone this router meets
  std::vector<std::string> admins;  // platform user ids that are always admins (config, TEND_ADMINS)
  storage::SettingValues file_settings;
  // The platform's user ids are the names people type (the console): a plain @name that Tend has
  // not met names a user all the same, and is created like a platform-escaped mention.
  bool mentions_name_the_id = false;
  // Say once, in someone's first reply, that Tend uses timezone.default for them until they set
  // their zone (chat platforms; the console's people share its clock's zone).
  bool tell_default_zone = false;
};

class Router final : public platform::Dispatcher {
 public:
  using ProfileLookup =
      std::function<boost::asio::awaitable<std::optional<platform::UserProfile>>(std::string)>;

  Router(storage::Database& db, const Clock& clock, const commands::Registry& registry,
         RouterOptions options);

  // Called after a commit that queued outbox messages, so the sender wakes at once.
  void on_outbox_written(std::function<void()> callback) { on_outbox_ = std::move(callback); }
  // Called after a commit that scheduled jobs, so the scheduler re-arms its timer.
  void on_jobs_scheduled(std::function<void()> callback) { on_jobs_ = std::move(callback); }
  // Asked once, on first contact with a person, for their display name and time zone.
  void set_profile_lookup(ProfileLookup lookup) { lookup_ = std::move(lookup); }

  // Commands and actions take one path, handle_together's: one that arrives alone (a line in the
  // console) is a batch of one.
  boost::asio::awaitable<Reply> command(platform::Command command) override;
  boost::asio::awaitable<Reply> action(platform::Action action) override;
  boost::asio::awaitable<Message> home(platform::Origin origin) override;
  boost::asio::awaitable<std::vector<Reply>> together(std::vector<platform::Inbound> items) override;
  boost::asio::awaitable<void> profile_changed(std::string user_id, platform::UserProfile profile) override;

  // Several commands and actions in one transaction, each under its own savepoint: a reply per
  // item, in order. Throws only when the transaction itself fails (then nothing was kept).
  std::vector<Reply> handle_together(const std::vector<platform::Inbound>& items,
                                     const std::vector<std::optional<platform::UserProfile>>& profiles = {});
  // A batch of one whose failed commit becomes an apology to the person: nobody delivers it again.
  Reply handle_alone(const platform::Inbound& item, const std::optional<platform::UserProfile>& profile = {});
  Reply handle_command(const platform::Command& command,
                       const std::optional<platform::UserProfile>& profile = {}) {
    return handle_alone(command, profile);
  }
  Reply handle_action(const platform::Action& action,
                      const std::optional<platform::UserProfile>& profile = {}) {
    return handle_alone(action, profile);
  }
  Message handle_home(const platform::Origin& origin, const std::optional<platform::UserProfile>& = {});
  // A known person's new name or zone, stored; returns whether the person was known.
  bool update_profile(const std::string& user_id, const platform::UserProfile& profile);

 private:
  using Body = std::function<Reply(commands::Context&)>;
  // What the commands of one transaction left for others to act on after its commit.
  struct Effects {
    // Whether other commands share the transaction, which decides how a failed one is undone.
    storage::Savepoint::Scope scope = storage::Savepoint::Scope::shared;
    bool queued_messages = false;
    bool scheduled_jobs = false;
    Outcome outcome = Outcome::ok;  // of the last item run
    // Each item's registry name and outcome, counted in /metrics once the transaction committed.
    // Names are the registry's own (or "unknown"), which outlive the transaction.
    std::vector<std::pair<std::string_view, Outcome>> handled;
  };
  // One command inside the open transaction, under a savepoint of effects.scope.
  Reply run(const platform::Origin& origin, const std::optional<platform::UserProfile>& profile,
            std::string_view what, const Body& body, Effects& effects);
  Reply command_reply(const platform::Command& command, const std::optional<platform::UserProfile>& profile,
                      Effects& effects);
  Reply action_reply(const platform::Action& action, const std::optional<platform::UserProfile>& profile,
                     Effects& effects);
  Message home_reply(const platform::Origin& origin, const std::optional<platform::UserProfile>& profile,
                     Effects& effects);
  void announce(const Effects& effects);
  Reply apology(std::string_view what, const std::string& error);
  // The caller's person, created on first contact; `created` tells whether it was.
  storage::Person person_for(const platform::Origin& origin,
                             const std::optional<platform::UserProfile>& profile, bool& created);
  boost::asio::awaitable<std::optional<platform::UserProfile>> profile_if_new(const platform::Origin& origin);

  storage::Database& db_;
  const Clock& clock_;
  const commands::Registry& registry_;
  RouterOptions options_;
  std::function<void()> on_outbox_;
  std::function<void()> on_jobs_;
  ProfileLookup lookup_;
};

}  // namespace tend
