#pragma once
// Mattermost's wire formats to platform-neutral values and back: WebSocket events and request
// replies, the slash-command and button (post action) requests its server POSTs to Tend, and
// Tend's messages as Mattermost posts. Pure functions: no sockets, nothing that can block;
// malformed input becomes a DecodeError value, never an exception.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "bot/platform/adapter.hpp"

namespace tend::mattermost {

// ---- WebSocket: server to Tend ----

struct Hello {
  std::string connection_id;  // empty from servers older than reliable WebSockets (5.x)
  std::string server_version;
};

struct Post {
  std::string id;
  std::string channel_id;
  std::string channel_type;  // "D" direct, "G" group, "O" open, "P" private
  std::string user_id;
  std::string user_name;  // sender_name without its '@'
  std::string root_id;    // the thread's first post, empty when the post starts one
  std::string type;       // "" for what people write; "system_…" for the server's own notices
  std::string message;
  std::vector<std::string> mentions;  // user ids the server found @-mentioned
  std::int64_t create_at = 0;         // the server's clock, milliseconds since the epoch
};

struct Posted {
  Post post;
};

struct UserUpdated {
  std::string user_id;
  platform::UserProfile profile;
};

// The answer to one of Tend's requests on the socket (the authentication challenge…).
struct Response {
  std::int64_t seq_reply = 0;
  bool ok = false;
  std::string error_id;  // with FAIL: the server's error id, for the log
};

// An event Tend has no use for (typing, status_change, …) or cannot use.
struct Ignored {
  std::string what;  // for the log: the event name, never content
};

struct DecodeError {
  std::string what;  // for the log, without content
};

struct Frame {
  std::optional<std::int64_t> seq;  // events carry the server's per-connection sequence
  std::variant<Hello, Posted, UserUpdated, Response, Ignored, DecodeError> body;
};

// Frames over this size are refused before parsing.
inline constexpr std::size_t kMaxFrameBytes = 512 * 1024;

Frame decode_frame(std::string_view text);

// Where a connection stands in the server's event sequence, so that a reconnect asks for exactly
// what was missed (`?connection_id=…&sequence_number=…`) and nothing is handled twice.
class ResumePoint {
 public:
  enum class Order {
    next,      // the event that was due: handle it
    repeated,  // already handled (a replay overlapping what arrived): skip it
    gap,       // events were lost on the way: reconnect, and the server replays from next()
  };
  // A hello starts the sequence again. True when it names a connection other than the one Tend
  // had: the server forgot it (restart, long outage), so what happened meanwhile was not replayed.
  bool on_hello(const Hello& hello, std::int64_t seq);
  Order on_event(std::int64_t seq);
  std::int64_t next() const { return next_; }
  const std::string& connection_id() const { return connection_id_; }
  // "/api/v4/websocket", with the resume query once a hello has named the connection.
  std::string websocket_target(std::string_view path = "/api/v4/websocket") const;

 private:
  std::string connection_id_;
  std::int64_t next_ = 0;
};

// ---- Catching up with posts the server did not replay ----

struct ChannelActivity {
  std::string id;
  std::string type;               // "D", "G", "O", "P"
  std::int64_t last_post_at = 0;  // milliseconds, the server's clock
};

// GET /api/v4/users/me/channels: the bot's channels and when each last had a post.
std::vector<ChannelActivity> channels_of(const nlohmann::json& channels);
// GET /api/v4/channels/{id}/posts: a PostList's posts, oldest first, each given the channel's
// type (a PostList does not repeat it). Posts without an id, user or channel are left out.
std::vector<Post> posts_of(const nlohmann::json& post_list, const std::string& channel_type);

// ---- WebSocket: Tend to server ----

// The first message on a socket opened without an Authorization header.
std::string authentication_challenge(std::int64_t seq, const std::string& token);

// ---- Commands typed in a post ----

struct Bot {
  std::string user_id;
  std::string username;  // without '@'
};

struct PostCommand {
  platform::Command command;
  // Where the answer goes: empty for a DM (answered in the DM), else the thread to answer in.
  std::string thread_root_id;
};

// A command typed in a DM to the bot ("checkin 4 good day", "/checkin 4"), or in a channel after
// an @-mention of the bot. Posts by the bot itself, the server's system posts and channel posts
// that do not mention the bot are not commands.
std::optional<PostCommand> command_of(const Post& post, const Bot& bot);

// People write "@sam", Mattermost's username, where Slack would send "<@U123|sam>". The usernames
// a text mentions (lowercase letters, digits, '.', '-', '_'; a trailing '.' ends the sentence),
// lowercased; an e-mail address is not a mention.
std::vector<std::string> mentioned_usernames(std::string_view text);
// The text with each "@username" whose user id is known written "<@id|username>", the form the
// router reads without having met the person.
std::string with_mention_ids(std::string_view text,
                             const std::map<std::string, std::string, std::less<>>& ids);

// ---- Requests the Mattermost server POSTs to Tend ----

// application/x-www-form-urlencoded, in order; repeated keys (user_mentions) stay repeated.
std::vector<std::pair<std::string, std::string>> decode_form(std::string_view body);
std::string encode_form(const std::vector<std::pair<std::string, std::string>>& fields);

struct SlashCommand {
  platform::Command command;
  std::string token;  // the command's token, to compare with tokens_equal
  std::string response_url;
  std::string trigger_id;
  std::string team_id;
};

// A custom slash command's POST. `authorization` is its Authorization header ("Token …"), used
// when the body carries no token.
std::variant<SlashCommand, DecodeError> decode_slash_command(std::string_view body,
                                                             std::string_view authorization = {});

// Compares secrets in time that depends on neither their content nor their lengths.
bool tokens_equal(std::string_view a, std::string_view b);

// What a button carries back, signed with Tend's key so that a press cannot be forged.
struct ButtonContext {
  std::string action_id;
  std::string value;
  std::string user_id;  // when set, only this person may press it
};

nlohmann::json signed_context(const ButtonContext& context, std::string_view key);
// A fresh signing key: 32 random bytes from OpenSSL, hex.
std::string new_signing_key();

struct ActionRequest {
  platform::Action action;
  std::string post_id;
  std::string trigger_id;
};

// A post action's POST (JSON). A context whose signature does not verify with `key`, or that
// is bound to another person than the one who pressed, is a DecodeError.
std::variant<ActionRequest, DecodeError> decode_action(std::string_view body, std::string_view key);

// ---- Tend's messages as Mattermost posts ----

// Tend writes Slack's subset (*bold*, _italic_); Mattermost's Markdown reads *x* as italic.
std::string markdown(std::string_view text);

// Where buttons send their presses, and how they are signed.
struct ButtonTarget {
  std::string action_url;  // "<listener>/mattermost/action"
  std::string key;         // Tend's signing key
  std::string user_id;     // the person the message is for; empty: anyone who sees it
};

// props.attachments with one attachment holding the buttons; empty when there are none.
nlohmann::json button_attachments(const Message& message, const ButtonTarget& target);
// The body of POST /api/v4/posts.
nlohmann::json post_body(const Message& message, const std::string& channel_id, const ButtonTarget& target);
// The answer to a slash-command POST (ephemeral unless said otherwise), or to a response_url.
nlohmann::json command_response(const Message& message, const ButtonTarget& target, bool ephemeral = true);
// The answer to a post action: replace the pressed post's message, or answer only the presser.
nlohmann::json action_response(const Message& message, const ButtonTarget& target, bool replace_post);

// ---- Users ----

// From a user object (REST or user_updated): the name to address them by and their IANA zone.
platform::UserProfile profile_of(const nlohmann::json& user);
// The zone Mattermost shows the person ("true"/"false" arrive as strings); empty when unset.
std::string zone_of(const nlohmann::json& timezone);

}  // namespace tend::mattermost
