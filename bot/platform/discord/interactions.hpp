#pragma once
// Discord interactions (slash commands, buttons, modal submits) to platform-neutral Commands and
// Actions, and Tend's replies and messages to Discord's JSON: interaction callbacks, message
// bodies with components, modals, and the application commands registered from the command
// registry. Pure: no sockets; malformed input becomes a value, never an exception.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.hpp"
#include "bot/platform/adapter.hpp"

namespace tend::discord {

// An interaction Tend answers with an ephemeral notice and otherwise ignores: a PING, an
// autocomplete, a component whose custom_id Tend did not sign, a payload without a user.
struct Refused {
  std::string what;  // for the log: the kind, never content
  // How Discord expects it answered: a PING with a PONG, an autocomplete with (no) choices,
  // anything else with an ephemeral message saying what to do instead.
  enum class Answer { notice, pong, no_choices } answer = Answer::notice;
};

struct Interaction {
  std::string id;     // also the delivery id the router deduplicates on
  std::string token;  // for the callback and @original edits; a secret for 15 minutes: never logged
  std::string application_id;
  std::variant<platform::Command, platform::Action, Refused> inbound;
};

// `d` of an INTERACTION_CREATE. Components and modals are verified with `signing_key`.
// Slash-command options become the command text in their order, subcommand names first:
// `/checkin score:4 note:good day` -> Command{"checkin", "4 good day"}.
Interaction decode_interaction(const nlohmann::json& d, std::string_view signing_key);

// The name a user object is mentioned by, as one word: the display name, or the username when
// the display name has spaces (Tend reads `<@id|name>` as one word); empty when it has neither.
std::string mention_name(const nlohmann::json& user);

// When Discord made a snowflake (an interaction id holds the moment it was created, which is
// when its 3 seconds began); nullopt when the text is not a snowflake.
std::optional<std::chrono::system_clock::time_point> snowflake_time(std::string_view id);

// ---- custom_id: what a button or modal carries back, signed so a press cannot be forged ----

inline constexpr std::size_t kMaxCustomIdBytes = 100;  // Discord's limit
// "<action_id>|<value>|<signature>". Throws std::length_error when it would not fit in 100 bytes
// and std::invalid_argument for an action id containing '|': both are Tend's own bugs.
std::string sign_custom_id(std::string_view action_id, std::string_view value, std::string_view key);
struct CustomId {
  std::string action_id;
  std::string value;
};
// nullopt when the signature does not verify (compared in constant time).
std::optional<CustomId> verify_custom_id(std::string_view custom_id, std::string_view key);

// ---- Tend's messages as Discord messages ----

// Tend writes Slack's subset: *bold* and _italic_. Discord reads *x* as italic, so bold doubles.
std::string markdown(std::string_view text);
// A time every reader sees in their own zone and locale: <t:1700000000:f>.
std::string timestamp(Instant at);

inline constexpr std::size_t kMaxContentBytes = 2000;
inline constexpr std::size_t kButtonsPerRow = 5;
inline constexpr std::size_t kRowsPerMessage = 5;

// {"content", "components"} for POST /channels/{id}/messages and PATCH …/messages/@original.
nlohmann::json message_body(const Message& message, std::string_view key);

// Bodies for POST /interactions/{id}/{token}/callback.
inline constexpr int kEphemeralFlag = 64;
nlohmann::json callback_message(const Message& message, std::string_view key,
                                bool ephemeral = true);                 // type 4
nlohmann::json callback_deferred(bool ephemeral = true);                // type 5
nlohmann::json callback_modal(const Form& form, std::string_view key);  // type 9
// The answer to a Refused interaction: type 1, type 8 without choices, or type 4 saying that
// this is not something Tend does here and naming `help` (the help command, as configured).
nlohmann::json callback_refused(const Refused& refused, std::string_view help);

// ---- Application commands ----

// What the command registry knows about one family, without its handlers (commands::Family).
struct CommandSpec {
  struct Sub {
    std::string path;   // "" or words: "history", "admin set"
    std::string usage;  // "[1-5] [note…]", "<id>", "@volunteer <role>"
    std::string summary;
  };
  std::string name;  // the slash name, without the slash
  std::string summary;
  std::vector<Sub> subcommands;
};

// The body of one PUT /applications/{id}/commands. A family with only its own form gets typed
// options from its usage (<x> required, [x] optional, @x a user, [1-5] an integer in range); a
// family with subcommands gets a `what` choice (Discord allows no bare form beside subcommands and
// only two levels) and free `args`. Both decode back to the text the router expects.
nlohmann::json application_commands(const std::vector<CommandSpec>& families);
// A stable digest of that body: Tend registers only when it differs from the last registered one.
std::string commands_hash(const nlohmann::json& commands);

}  // namespace tend::discord
