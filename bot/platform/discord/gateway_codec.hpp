#pragma once
// Discord Gateway frames (JSON encoding, v10) to typed events and back, and the close-code table
// that decides whether a dropped session may resume. Pure: no sockets, no clock; malformed input
// becomes a DecodeError value, never an exception. Facts and sources: tests/fixtures/discord/README.md.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bot/platform/connection_core.hpp"
#include "bot/platform/discord/interactions.hpp"

namespace tend::discord {

// op 10: the first frame on every connection.
struct Hello {
  std::chrono::milliseconds heartbeat_interval{0};
};
struct HeartbeatAck {};      // op 11
struct HeartbeatRequest {};  // op 1 from the server: heartbeat now
struct Reconnect {};         // op 7: reconnect and RESUME
struct InvalidSession {      // op 9
  bool resumable = false;
};
// Dispatch READY: what a later RESUME needs, and who Tend is.
struct Ready {
  std::string session_id;
  std::string resume_gateway_url;
  std::string user_id;         // the bot's own user id
  std::string application_id;  // empty when READY carried none
};
struct Resumed {};
// Dispatch INTERACTION_CREATE, decoded; an interaction Tend does not handle is Ignored inside.
struct InteractionCreate {
  Interaction interaction;
};
// Any other dispatch (GUILD_CREATE, MESSAGE_CREATE, …): only its sequence number matters.
struct OtherDispatch {
  std::string type;  // `t`, for the log
};
struct DecodeError {
  std::string what;  // for the log, without content
};

using GatewayEvent = std::variant<Hello, HeartbeatAck, HeartbeatRequest, Reconnect, InvalidSession, Ready,
                                  Resumed, InteractionCreate, OtherDispatch, DecodeError>;

struct GatewayFrame {
  // `s` of a dispatch: the sequence number heartbeats and RESUME carry. Absent on other ops.
  std::optional<std::int64_t> sequence;
  GatewayEvent event;
};

// Frames over this size are refused before parsing (READY for a bot in many guilds is large).
inline constexpr std::size_t kMaxGatewayFrameBytes = 4 * 1024 * 1024;

// INTERACTION_CREATE custom_ids are verified with `signing_key` (see interactions.hpp).
GatewayFrame decode_gateway(std::string_view text, std::string_view signing_key);

// Gateway intents Tend asks for. Interactions (slash commands, buttons, modals) arrive without any
// intent, and Tend never reads messages, so it asks for none: no guild, member or message events
// it would only have to throw away, and no privileged intent for a server owner to enable.
inline constexpr std::uint32_t kTendIntents = 0;

// op 2. `properties` name the library, as Discord asks.
std::string encode_identify(std::string_view token, std::uint32_t intents = kTendIntents);
// op 1 with the last sequence number seen, or null before any dispatch.
std::string encode_heartbeat(std::optional<std::int64_t> last_sequence);
// op 6.
std::string encode_resume(std::string_view token, std::string_view session_id, std::int64_t sequence);

// What to do after the server closed the socket with `code` (Discord's table in
// topics/opcodes-and-status-codes.mdx; see the fixtures README).
struct CloseVerdict {
  enum class Next { resume, identify, fatal };
  Next next = Next::resume;
  std::string reason;  // a clear line for the log; for fatal codes, what the operator must fix
};
CloseVerdict classify_close(int code);

// What a gateway event or close code means for the link, in the connection core's words (as
// Slack's link_notice). op 7, and op 9 when the session may resume, ask for a refresh: the next
// socket RESUMEs. op 9 otherwise, and closes that end the session (4007, 4009, 1000), end it: the
// next socket IDENTIFYs. Fatal codes (4004, 4010-4014) stop Tend with what the operator must fix.
// A close that resumes (a dropped link, 4000…) needs no notice: the socket's reader ends.
link::DisconnectNotice link_notice(link::SocketId socket, const Reconnect&);
link::DisconnectNotice link_notice(link::SocketId socket, const InvalidSession& invalid);
std::optional<link::DisconnectNotice> link_notice(link::SocketId socket, int close_code);

// The client's own close code for a link it gives up on but wants to RESUME (a zombie: heartbeats
// not acknowledged). 1000 and 1001 would end the session; any other code keeps it.
inline constexpr int kResumableCloseCode = 4900;

// ?compress=zlib-stream: one inflate context for the life of a connection. Binary messages are
// appended until one ends with 00 00 ff ff; then the whole buffer inflates to one JSON frame.
class ZlibStream {
 public:
  ZlibStream();
  ~ZlibStream();
  ZlibStream(const ZlibStream&) = delete;
  ZlibStream& operator=(const ZlibStream&) = delete;

  struct Result {
    std::optional<std::string> frame;  // a complete JSON frame, when this message finished one
    std::string error;                 // set when the stream is corrupt: the connection must be dropped
  };
  Result feed(std::string_view message);

 private:
  struct State;
  State* state_;
  std::string pending_;
};

}  // namespace tend::discord
