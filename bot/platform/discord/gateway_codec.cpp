#include "bot/platform/discord/gateway_codec.hpp"
#include "bot/platform/discord/json_fields.hpp"

#include <zlib.h>

#include <array>

#include <nlohmann/json.hpp>

namespace tend::discord {
namespace {

using json = nlohmann::json;

enum Op {
  dispatch = 0,
  heartbeat = 1,
  identify = 2,
  resume = 6,
  reconnect = 7,
  invalid_session = 9,
  hello = 10,
  heartbeat_ack = 11
};

const auto& str = detail::string_field;
const auto& object = detail::nested_field;

GatewayEvent decode_dispatch(const std::string& type, const json& d, std::string_view signing_key) {
  if (type == "READY") {
    Ready ready{str(d, "session_id"), str(d, "resume_gateway_url"), str(object(d, "user"), "id"),
                str(object(d, "application"), "id")};
    if (ready.session_id.empty() || ready.resume_gateway_url.empty())
      return DecodeError{"READY without session_id or resume_gateway_url"};
    return ready;
  }
  if (type == "RESUMED") return Resumed{};
  if (type == "INTERACTION_CREATE") return InteractionCreate{decode_interaction(d, signing_key)};
  return OtherDispatch{type};
}

}  // namespace

GatewayFrame decode_gateway(std::string_view text, std::string_view signing_key) {
  if (text.size() > kMaxGatewayFrameBytes) return {std::nullopt, DecodeError{"frame too large"}};
  auto frame = json::parse(text, nullptr, false);
  if (frame.is_discarded() || !frame.is_object()) return {std::nullopt, DecodeError{"not a JSON object"}};
  auto op_it = frame.find("op");
  if (op_it == frame.end() || !op_it->is_number_integer())
    return {std::nullopt, DecodeError{"frame without op"}};
  static const json null_value;
  auto d_it = frame.find("d");
  const json& d = d_it != frame.end() ? *d_it : null_value;
  switch (op_it->get<int>()) {
    case dispatch: {
      auto s = frame.find("s");
      if (s == frame.end() || !s->is_number_integer())
        return {std::nullopt, DecodeError{"dispatch without s"}};
      auto type = str(frame, "t");
      if (type.empty()) return {s->get<std::int64_t>(), DecodeError{"dispatch without t"}};
      return {s->get<std::int64_t>(), decode_dispatch(type, d, signing_key)};
    }
    case hello: {
      auto interval = object(frame, "d").find("heartbeat_interval");
      if (interval == object(frame, "d").end() || !interval->is_number_integer() ||
          interval->get<std::int64_t>() <= 0)
        return {std::nullopt, DecodeError{"HELLO without heartbeat_interval"}};
      return {std::nullopt, Hello{std::chrono::milliseconds(interval->get<std::int64_t>())}};
    }
    case heartbeat_ack:
      return {std::nullopt, HeartbeatAck{}};
    case heartbeat:
      return {std::nullopt, HeartbeatRequest{}};
    case reconnect:
      return {std::nullopt, Reconnect{}};
    case invalid_session:
      return {std::nullopt, InvalidSession{d.is_boolean() && d.get<bool>()}};
    default:
      return {std::nullopt, DecodeError{"unknown op " + std::to_string(op_it->get<int>())}};
  }
}

std::string encode_identify(std::string_view token, std::uint32_t intents) {
  return json{{"op", identify},
              {"d",
               {{"token", token},
                {"intents", intents},
                {"properties", {{"os", "linux"}, {"browser", "tend"}, {"device", "tend"}}}}}}
      .dump();
}

std::string encode_heartbeat(std::optional<std::int64_t> last_sequence) {
  return json{{"op", heartbeat}, {"d", last_sequence ? json(*last_sequence) : json(nullptr)}}.dump();
}

std::string encode_resume(std::string_view token, std::string_view session_id, std::int64_t sequence) {
  return json{{"op", resume}, {"d", {{"token", token}, {"session_id", session_id}, {"seq", sequence}}}}
      .dump();
}

CloseVerdict classify_close(int code) {
  using Next = CloseVerdict::Next;
  switch (code) {
    case 1000:
    case 1001:
      return {Next::identify, "closed normally (" + std::to_string(code) + ")"};
    case 4000:
      return {Next::resume, "4000 unknown error"};
    case 4001:
      return {Next::resume, "4001 unknown opcode sent"};
    case 4002:
      return {Next::resume, "4002 decode error: Discord could not read a payload Tend sent"};
    case 4003:
      return {Next::resume, "4003 not authenticated: a payload went out before IDENTIFY"};
    case 4004:
      return {Next::fatal,
              "4004 authentication failed: DISCORD_TOKEN is wrong or was reset; set a valid bot token"};
    case 4005:
      return {Next::resume, "4005 already authenticated"};
    case 4007:
      return {Next::identify, "4007 invalid seq"};
    case 4008:
      return {Next::resume, "4008 rate limited: too many payloads sent"};
    case 4009:
      return {Next::identify, "4009 session timed out"};
    case 4010:
      return {Next::fatal, "4010 invalid shard: the shard sent in IDENTIFY is not valid"};
    case 4011:
      return {Next::fatal, "4011 sharding required: the bot is in too many servers for one connection"};
    case 4012:
      return {Next::fatal, "4012 invalid API version: Tend's gateway version is no longer served"};
    case 4013:
      return {Next::fatal, "4013 invalid intents: Tend asked for intents Discord does not know"};
    case 4014:
      return {
          Next::fatal,
          "4014 disallowed intents: an intent is not enabled for this application in the developer portal"};
    default:
      // 1006 (dropped), Tend's own 4900 and anything new: the session is kept for a few minutes.
      return {Next::resume, "closed with " + std::to_string(code)};
  }
}

link::DisconnectNotice link_notice(link::SocketId socket, const Reconnect&) {
  return {socket, link::NoticeKind::refresh, "op 7 reconnect", {}};
}

link::DisconnectNotice link_notice(link::SocketId socket, const InvalidSession& invalid) {
  if (invalid.resumable) return {socket, link::NoticeKind::refresh, "op 9 invalid session, resumable", {}};
  return {socket, link::NoticeKind::session_ended, "op 9 invalid session", {}};
}

std::optional<link::DisconnectNotice> link_notice(link::SocketId socket, int close_code) {
  auto verdict = classify_close(close_code);
  switch (verdict.next) {
    case CloseVerdict::Next::resume:
      return std::nullopt;
    case CloseVerdict::Next::identify:
      return link::DisconnectNotice{socket, link::NoticeKind::session_ended, verdict.reason, {}};
    case CloseVerdict::Next::fatal:
      return link::DisconnectNotice{socket, link::NoticeKind::disabled, verdict.reason,
                                    "Discord closed the gateway connection: " + verdict.reason};
  }
  return std::nullopt;
}

struct ZlibStream::State {
  z_stream stream{};
};

ZlibStream::ZlibStream() : state_(new State) {
  inflateInit(&state_->stream);
}

ZlibStream::~ZlibStream() {
  inflateEnd(&state_->stream);
  delete state_;
}

ZlibStream::Result ZlibStream::feed(std::string_view message) {
  static constexpr std::string_view kFlushSuffix("\x00\x00\xff\xff", 4);
  pending_.append(message);
  if (pending_.size() > kMaxGatewayFrameBytes) return {std::nullopt, "compressed frame too large"};
  if (pending_.size() < kFlushSuffix.size() ||
      std::string_view(pending_).substr(pending_.size() - 4) != kFlushSuffix)
    return {};
  auto& z = state_->stream;
  z.next_in = reinterpret_cast<Bytef*>(pending_.data());
  z.avail_in = static_cast<uInt>(pending_.size());
  std::string out;
  std::array<char, 16 * 1024> chunk{};
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    auto rc = inflate(&z, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      pending_.clear();
      return {std::nullopt, "zlib-stream corrupt"};
    }
    out.append(chunk.data(), chunk.size() - z.avail_out);
    if (out.size() > kMaxGatewayFrameBytes) {
      pending_.clear();
      return {std::nullopt, "inflated frame too large"};
    }
    if (z.avail_in == 0 && z.avail_out != 0) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  pending_.clear();
  return {std::move(out), {}};
}

}  // namespace tend::discord
