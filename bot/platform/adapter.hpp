#pragma once
// The boundary between a chat platform and the rest of Tend. Adapters turn wire payloads into
// Commands and Actions, hand them to the Dispatcher (the router), and acknowledge the platform
// with the Reply only after the router returns, which is after the handler's transaction
// committed. No Beast, JSON or Slack types cross this line.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/message.hpp"

namespace tend::platform {

struct Origin {
  std::string user_id;     // platform user id (Slack "U…"; console: the person's name)
  std::string user_name;   // display name when the payload carries one
  std::string channel_id;  // where it happened (Slack "C…"/"D…"); empty in the console
  // The platform's ids for this delivery (Slack: envelope_id and trigger_id or event_id). The
  // router records them in the handler's transaction, so a redelivery is answered, not re-run.
  std::vector<std::string> delivery_ids;
};

struct Command {
  Origin origin;
  std::string name;  // without the slash: "checkin"
  std::string text;  // everything after the command, raw
};

struct Action {
  Origin origin;
  std::string action_id;                      // Button::action_id or Form::action_id
  std::string value;                          // Button::value, or a form's private value
  std::map<std::string, std::string> fields;  // form submissions: field id -> value
};

using Inbound = std::variant<Command, Action>;

struct UserProfile {
  std::string display_name;
  std::string zone;  // IANA name, empty when unknown
};

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  virtual boost::asio::awaitable<Reply> command(Command) = 0;
  virtual boost::asio::awaitable<Reply> action(Action) = 0;
  // What arrived together, handled in one transaction (group commit) with each item isolated from
  // the others' failures: one reply per item, in order. Throws when the transaction could not
  // commit; then nothing was kept and nothing may be acknowledged.
  virtual boost::asio::awaitable<std::vector<Reply>> together(std::vector<Inbound> items) = 0;
  // What a person's home screen (Slack App Home) shows them.
  virtual boost::asio::awaitable<Message> home(Origin) = 0;
  // The platform says a person's name or time zone changed (Mattermost's user_updated): what
  // Tend stores of them follows. Someone Tend has not met is not created for it.
  virtual boost::asio::awaitable<void> profile_changed(std::string user_id, UserProfile profile) = 0;
};

struct Recipient {
  enum class Kind { person, channel };
  Kind kind = Kind::person;
  std::string id;  // platform user id (a DM is opened for it) or channel id
  bool operator==(const Recipient&) const = default;
};

struct SendResult {
  enum class Status { sent, retry_after, temporary_failure, permanent_failure };
  Status status = Status::sent;
  std::chrono::seconds retry_after{0};  // with retry_after: the platform's Retry-After
  std::string error;                    // for the log; never contains a token
  // With permanent_failure: the platform will not let Tend message this person at all (Discord
  // 50007: they take no DMs from server members). The admins are told once, not per message.
  bool recipient_unreachable = false;
};

// The inbound half of a platform: what people do there, handed to the router.
class Listener {
 public:
  virtual ~Listener() = default;
  // Serves until stop(): reads inbound events, dispatches them, acknowledges with the reply.
  virtual boost::asio::awaitable<void> run(Dispatcher&) = 0;
  // Stop reading, let in-flight work finish, close the connection properly.
  virtual void stop() = 0;
  // Whether the link to the platform is up now (what /healthz reports); a platform without a
  // link to lose (the console) is always up.
  virtual bool link_up() const { return true; }
};

// The outbound half: what Tend says there, and who people are. The outbox sender needs only
// this, so its fakes implement only this.
class Delivery {
 public:
  virtual ~Delivery() = default;
  // Delivers one message; never throws for platform errors, it reports them in the result.
  virtual boost::asio::awaitable<SendResult> send(const Recipient&, const Message&) = 0;
  // By value: the lookup suspends, and must own the id for as long as it runs.
  virtual boost::asio::awaitable<std::optional<UserProfile>> lookup_user(std::string user_id) = 0;
};

// A platform: both halves, under the name its people are stored with.
class Adapter : public Listener, public Delivery {
 public:
  virtual std::string platform() const = 0;  // "console", "slack": the people table's platform
};

}  // namespace tend::platform
