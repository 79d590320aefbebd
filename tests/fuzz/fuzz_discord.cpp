// Whatever arrives on the Discord gateway (plain or zlib-stream) decodes to an event or a
// DecodeError, never a crash; a decoded interaction's reply encodes to JSON that parses again;
// a REST body with any content classifies without throwing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bot/platform/discord/gateway_codec.hpp"
#include "bot/platform/discord/rest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tend::discord;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto frame = decode_gateway(input, "fuzz-key");
  if (auto* created = std::get_if<InteractionCreate>(&frame.event)) {
    tend::Message reply{"ok", {{"1", "checkin.score", "1"}}, {}};
    if (auto* command = std::get_if<tend::platform::Command>(&created->interaction.inbound))
      reply.text = command->text;
    // The reply may echo what was typed, which need not be valid UTF-8: encoding must not crash.
    try {
      auto body = nlohmann::json::parse(callback_message(reply, "fuzz-key").dump());
      if (body["type"] != 4) __builtin_trap();
    } catch (const nlohmann::json::type_error&) {
    }
  }
  if (auto verified = verify_custom_id(input, "fuzz-key");
      verified && verified->action_id.find('|') != std::string::npos)
    __builtin_trap();
  ZlibStream stream;
  auto inflated = stream.feed(input);
  if (inflated.frame) decode_gateway(*inflated.frame, "fuzz-key");
  RestResponse response{429, {{"retry-after", std::string(input.substr(0, 16))}}, std::string(input)};
  RateLimiter limiter;
  Route route{"POST", "/channels/{channel_id}/messages", "1"};
  limiter.observe(route, response, SteadyTime{});
  if (limiter.wait_before(route, SteadyTime{}).count() < 0) __builtin_trap();
  classify_response(response);
  return 0;
}
