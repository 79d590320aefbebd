// Whatever arrives from Mattermost (a WebSocket frame, a slash-command POST, a button POST, the
// REST answers Tend catches up with) decodes to a value or a DecodeError, never a crash; what Tend
// answers with encodes to JSON that parses again; mentions are rewritten only where an id is known.
// The first byte picks the decoder.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bot/platform/mattermost/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tend::mattermost;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const ButtonTarget target{"http://tend/mattermost/action", "fuzz-key", "u1"};
  tend::Message reply{"ok", {{"1", "checkin.score", "1"}}, {}};
  switch (data[0] % 4) {
    case 0: {
      auto frame = decode_frame(input);
      if (auto* posted = std::get_if<Posted>(&frame.body)) {
        if (auto command = command_of(posted->post, {"bot", "tend"})) reply.text = command->command.text;
        // The reply may echo what was typed, which need not be valid UTF-8: encoding must not crash.
        auto body = post_body(reply, posted->post.channel_id, target);
        if (!nlohmann::json::parse(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
                 .is_object())
          __builtin_trap();
      }
      ResumePoint point;
      if (auto* hello = std::get_if<Hello>(&frame.body)) point.on_hello(*hello, frame.seq.value_or(0));
      (void)point.websocket_target();
      break;
    }
    case 1: {
      auto slash = decode_slash_command(input, input);
      if (auto* command = std::get_if<SlashCommand>(&slash)) {
        (void)tokens_equal(command->token, "token");
        reply.text = command->command.text;
        (void)command_response(reply, target).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      if (decode_form(encode_form(decode_form(input))) != decode_form(input)) __builtin_trap();
      break;
    }
    case 3: {
      const auto json = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
      (void)channels_of(json);
      for (const auto& post : posts_of(json, "D")) {
        const auto names = mentioned_usernames(post.message);
        if (with_mention_ids(post.message, {}) != post.message) __builtin_trap();
        std::map<std::string, std::string, std::less<>> ids;
        for (const auto& name : names) ids.emplace(name, "id");
        (void)with_mention_ids(post.message, ids);
      }
      break;
    }
    default: {
      auto action = decode_action(input, "fuzz-key");
      if (auto* request = std::get_if<ActionRequest>(&action)) {
        reply.text = request->action.value;
        (void)action_response(reply, target, true)
            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      break;
    }
  }
  return 0;
}
