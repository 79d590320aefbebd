// Whatever arrives on the Socket Mode socket decodes to a frame or a DecodeError, never a crash,
// and whatever Tend answers with encodes to JSON that parses again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bot/platform/slack/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tend::slack;
  auto frame = decode_frame(std::string_view(reinterpret_cast<const char*>(data), size));
  if (auto* envelope = std::get_if<Envelope>(&frame)) {
    tend::Message reply{"ok", {{"1", "checkin.score", "1"}}, {}};
    if (auto* slash = std::get_if<SlashCommand>(&envelope->inbound)) reply.text = slash->command.text;
    // The reply may echo what was typed, which need not be valid UTF-8: encoding must not crash.
    try {
      auto ack = nlohmann::json::parse(encode_ack(envelope->envelope_id, message_body(reply, true)));
      if (!ack.contains("envelope_id")) __builtin_trap();
    } catch (const nlohmann::json::type_error&) {
    }
  }
  return 0;
}
