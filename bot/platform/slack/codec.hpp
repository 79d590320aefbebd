#pragma once
// Socket Mode frames to platform-neutral Commands and Actions, and Tend's messages to Block Kit.
// Pure functions: no sockets, nothing that can block; malformed input becomes a DecodeError
// value, never an exception.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bot/platform/adapter.hpp"
#include "bot/platform/connection_core.hpp"

namespace tend::slack {

struct Hello {
  int num_connections = 0;
  std::string app_id;
};

struct Disconnect {
  std::string reason;  // warning, refresh_requested, link_disabled, too_many_websockets
};

struct SlashCommand {
  platform::Command command;
  std::string response_url;
  std::string trigger_id;
};

struct BlockAction {
  platform::Action action;
  std::string response_url;  // empty for actions in modals and the Home tab
  std::string trigger_id;
};

struct ViewSubmission {
  platform::Action action;  // action_id = the view's callback_id; fields from its state
};

struct HomeOpened {
  platform::Origin origin;
};

// An envelope Tend acknowledges but does nothing with (shortcuts, messages, unknown types).
struct Ignored {
  std::string what;  // for the log: the type, never content
};

using Inbound = std::variant<SlashCommand, BlockAction, ViewSubmission, HomeOpened, Ignored>;

struct Envelope {
  std::string envelope_id;
  std::string type;
  bool accepts_response_payload = false;
  int retry_attempt = 0;
  Inbound inbound;
};

struct DecodeError {
  std::string what;         // for the log, without content
  std::string envelope_id;  // set when the frame had one, so it can still be acknowledged
};

using Frame = std::variant<Hello, Disconnect, Envelope, DecodeError>;

// Frames over this size are refused before parsing.
inline constexpr std::size_t kMaxFrameBytes = 512 * 1024;

Frame decode_frame(std::string_view text);

// What a disconnect asks of the link, in the connection core's words: refresh_requested,
// warning and any reason Slack adds later refresh; too_many_websockets closes the extra socket;
// link_disabled ends the run with what a person must do.
link::DisconnectNotice link_notice(link::SocketId socket, const Disconnect& disconnect);

// {"envelope_id": …} or {"envelope_id": …, "payload": …}
std::string encode_ack(const std::string& envelope_id, std::optional<nlohmann::json> payload = std::nullopt);

// A message body for an ack, response_url, chat.postMessage or chat.postEphemeral:
// {"text": fallback, "blocks": [sections…, actions…]} plus response_type when ephemeral.
nlohmann::json message_body(const Message& message, bool ephemeral);
nlohmann::json blocks_of(const Message& message);
// The view for views.open.
nlohmann::json modal_view(const Form& form);
// The view for views.publish.
nlohmann::json home_view(const Message& message);

// Block Kit requires unique action_ids within a block: buttons carry "<action_id>:<index>".
std::string button_action_id(const std::string& action_id, std::size_t index);
std::string action_id_of(std::string_view block_action_id);

}  // namespace tend::slack
