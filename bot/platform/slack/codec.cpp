#include "bot/platform/slack/codec.hpp"

#include <cctype>

namespace tend::slack {
namespace {

using json = nlohmann::json;

constexpr std::size_t kSectionChars = 2900;  // Slack's limit is 3000 per section text
constexpr std::size_t kButtonsPerBlock = 25;
constexpr std::size_t kButtonLabelChars = 75;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& obj(const json& j, const char* key) {
  static const json empty = json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

// Cuts at a UTF-8 boundary.
std::string cut(const std::string& s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  auto n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

json plain(const std::string& text, std::size_t max_bytes) {
  return {{"type", "plain_text"}, {"text", cut(text, max_bytes)}, {"emoji", true}};
}

std::vector<std::string> ids(std::initializer_list<std::string> candidates) {
  std::vector<std::string> out;
  for (const auto& c : candidates)
    if (!c.empty()) out.push_back(c);
  return out;
}

Inbound decode_slash(const std::string& envelope_id, const json& p) {
  auto command = str(p, "command");
  if (command.empty() || str(p, "user_id").empty())
    return Ignored{"slash command without command or user_id"};
  if (command.front() == '/') command.erase(0, 1);
  SlashCommand out;
  out.trigger_id = str(p, "trigger_id");
  out.response_url = str(p, "response_url");
  out.command.name = command;
  out.command.text = str(p, "text");
  out.command.origin = {str(p, "user_id"), str(p, "user_name"), str(p, "channel_id"),
                        ids({envelope_id, out.trigger_id})};
  return out;
}

std::string state_value(const json& element) {
  if (element.contains("selected_option") && element["selected_option"].is_object())
    return str(element["selected_option"], "value");
  if (element.contains("value") && element["value"].is_string()) return element["value"].get<std::string>();
  for (const char* key :
       {"selected_date", "selected_time", "selected_user", "selected_channel", "selected_conversation"})
    if (auto v = str(element, key); !v.empty()) return v;
  return {};
}

Inbound decode_interactive(const std::string& envelope_id, const json& p) {
  const auto type = str(p, "type");
  const auto& user = obj(p, "user");
  platform::Origin origin{str(user, "id"),
                          str(user, "username").empty() ? str(user, "name") : str(user, "username"),
                          str(obj(p, "channel"), "id"), ids({envelope_id, str(p, "trigger_id")})};
  if (origin.user_id.empty()) return Ignored{"interactive payload without a user"};
  if (type == "block_actions") {
    auto it = p.find("actions");
    if (it == p.end() || !it->is_array() || it->empty() || !(*it)[0].is_object())
      return Ignored{"block_actions without actions"};
    const auto& first = (*it)[0];
    BlockAction out;
    out.trigger_id = str(p, "trigger_id");
    out.response_url = str(p, "response_url");
    out.action.origin = origin;
    out.action.action_id = action_id_of(str(first, "action_id"));
    out.action.value = str(first, "value");
    if (out.action.value.empty()) out.action.value = state_value(first);
    // The press itself is the unique event: a second press of the same button is a new action.
    out.action.origin.delivery_ids = ids({envelope_id, out.trigger_id});
    return out;
  }
  if (type == "view_submission") {
    const auto& view = obj(p, "view");
    ViewSubmission out;
    out.action.origin = origin;
    out.action.action_id = str(view, "callback_id");
    out.action.value = str(view, "private_metadata");
    const auto& values = obj(obj(view, "state"), "values");
    for (const auto& [block_id, block] : values.items()) {
      if (!block.is_object()) continue;
      for (const auto& [action_id, element] : block.items())
        if (element.is_object()) out.action.fields[action_id] = state_value(element);
    }
    return out;
  }
  return Ignored{"interactive " + (type.empty() ? std::string("without a type") : type)};
}

Inbound decode_event(const std::string& envelope_id, const json& p) {
  const auto& event = obj(p, "event");
  const auto type = str(event, "type");
  if (type == "app_home_opened" && !str(event, "user").empty())
    return HomeOpened{
        {str(event, "user"), "", str(event, "channel"), ids({envelope_id, str(p, "event_id")})}};
  return Ignored{"event " + (type.empty() ? std::string("without a type") : type)};
}

// An oversized frame is not parsed, but Slack writes envelope_id near the start: finding it there
// lets Tend acknowledge the envelope instead of having it redelivered again and again.
std::string envelope_id_near_start(std::string_view text) {
  const auto head = text.substr(0, 4096);
  const std::string_view key = "\"envelope_id\"";
  auto at = head.find(key);
  if (at == std::string_view::npos) return {};
  at += key.size();
  while (at < head.size() && (head[at] == ' ' || head[at] == ':')) ++at;
  if (at >= head.size() || head[at] != '"') return {};
  const auto end = head.find('"', at + 1);
  if (end == std::string_view::npos || end - at - 1 > 128) return {};
  const auto id = head.substr(at + 1, end - at - 1);
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return {};
  return std::string(id);
}

}  // namespace

Frame decode_frame(std::string_view text) {
  if (text.size() > kMaxFrameBytes)
    return DecodeError{"frame of " + std::to_string(text.size()) + " bytes refused",
                       envelope_id_near_start(text)};
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return DecodeError{"frame is not JSON", ""};
  if (!j.is_object()) return DecodeError{"frame is not a JSON object", ""};
  const auto type = str(j, "type");
  if (type == "hello") {
    Hello h;
    if (auto it = j.find("num_connections"); it != j.end() && it->is_number_integer())
      h.num_connections = it->get<int>();
    h.app_id = str(obj(j, "connection_info"), "app_id");
    return h;
  }
  if (type == "disconnect") return Disconnect{str(j, "reason")};
  const auto envelope_id = str(j, "envelope_id");
  if (envelope_id.empty())
    return DecodeError{"frame of type \"" + cut(type, 40) + "\" without an envelope_id", ""};
  Envelope e;
  e.envelope_id = envelope_id;
  e.type = type;
  if (auto it = j.find("accepts_response_payload"); it != j.end() && it->is_boolean())
    e.accepts_response_payload = it->get<bool>();
  if (auto it = j.find("retry_attempt"); it != j.end() && it->is_number_integer())
    e.retry_attempt = it->get<int>();
  auto payload = j.find("payload");
  if (payload == j.end() || !payload->is_object())
    return DecodeError{"envelope without a payload object", envelope_id};
  if (type == "slash_commands")
    e.inbound = decode_slash(envelope_id, *payload);
  else if (type == "interactive")
    e.inbound = decode_interactive(envelope_id, *payload);
  else if (type == "events_api")
    e.inbound = decode_event(envelope_id, *payload);
  else
    e.inbound = Ignored{"envelope type " + cut(type, 40)};
  return e;
}

std::string encode_ack(const std::string& envelope_id, std::optional<json> payload) {
  json ack{{"envelope_id", envelope_id}};
  if (payload) ack["payload"] = std::move(*payload);
  return ack.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string button_action_id(const std::string& action_id, std::size_t index) {
  return action_id + ":" + std::to_string(index);
}

std::string action_id_of(std::string_view block_action_id) {
  const auto colon = block_action_id.rfind(':');
  if (colon == std::string_view::npos) return std::string(block_action_id);
  const auto suffix = block_action_id.substr(colon + 1);
  if (suffix.empty() || suffix.find_first_not_of("0123456789") != std::string_view::npos)
    return std::string(block_action_id);
  return std::string(block_action_id.substr(0, colon));
}

json blocks_of(const Message& message) {
  json blocks = json::array();
  // Sections of at most ~3000 characters, split at line breaks where possible.
  std::string rest = message.text;
  while (!rest.empty()) {
    std::string part = cut(rest, kSectionChars);
    if (part.size() < rest.size())
      if (auto nl = part.rfind('\n'); nl != std::string::npos && nl > part.size() / 2)
        part = part.substr(0, nl + 1);
    blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", part}}}});
    rest.erase(0, part.size());
  }
  for (std::size_t start = 0; start < message.buttons.size(); start += kButtonsPerBlock) {
    json elements = json::array();
    for (std::size_t i = start; i < std::min(message.buttons.size(), start + kButtonsPerBlock); ++i) {
      const auto& b = message.buttons[i];
      elements.push_back({{"type", "button"},
                          {"text", plain(b.label, kButtonLabelChars)},
                          {"action_id", button_action_id(b.action_id, i)},
                          {"value", cut(b.value, 2000)}});
    }
    blocks.push_back({{"type", "actions"}, {"elements", elements}});
  }
  return blocks;
}

json message_body(const Message& message, bool ephemeral) {
  json body{{"text", cut(message.text, 3000)}, {"blocks", blocks_of(message)}};
  if (ephemeral) body["response_type"] = "ephemeral";
  return body;
}

json modal_view(const Form& form) {
  json blocks = json::array();
  for (const auto& field : form.fields) {
    json element;
    if (field.choices.empty()) {
      element = {
          {"type", "plain_text_input"}, {"action_id", field.id}, {"multiline", true}, {"max_length", 3000}};
    } else {
      json options = json::array();
      for (const auto& c : field.choices)
        options.push_back({{"text", plain(c.label, 75)}, {"value", c.value}});
      element = {{"type", "radio_buttons"}, {"action_id", field.id}, {"options", options}};
    }
    blocks.push_back({{"type", "input"},
                      {"block_id", field.id},
                      {"optional", field.optional},
                      {"label", plain(field.label, 2000)},
                      {"element", element}});
  }
  return {{"type", "modal"},
          {"callback_id", form.action_id},
          {"title", plain(form.title, 24)},
          {"submit", plain(form.submit_label, 24)},
          {"close", plain("Cancel", 24)},
          {"blocks", blocks}};
}

json home_view(const Message& message) {
  return {{"type", "home"}, {"blocks", blocks_of(message)}};
}

link::DisconnectNotice link_notice(link::SocketId socket, const Disconnect& disconnect) {
  link::DisconnectNotice notice{socket, link::NoticeKind::refresh, disconnect.reason, {}};
  if (disconnect.reason == "too_many_websockets") {
    notice.kind = link::NoticeKind::too_many;
  } else if (disconnect.reason == "link_disabled") {
    notice.kind = link::NoticeKind::disabled;
    notice.explanation =
        "Slack disabled Socket Mode for this app (disconnect: link_disabled); turn Socket Mode back on "
        "in the app's settings and start Tend again";
  }
  return notice;
}

}  // namespace tend::slack
