// What the Discord emulator sends looks like what Discord sends: every field it puts in a frame or
// a REST answer exists, with the same JSON type, in the real payloads in tests/fixtures/discord.
#include <catch2/catch.hpp>

#include "tests/emulator/discord/discord_emulator.hpp"
#include "tests/integration/discord/fixtures.hpp"
#include "tests/integration/json_shapes.hpp"

using tend::emulator::DiscordEmulator;
using tend::testing::strangers;
using tend::testing::discord::fixture;
using json = nlohmann::json;

namespace {

std::string listed(const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& p : paths) out += p + "\n";
  return out;
}

}  // namespace

TEST_CASE("HELLO has the shape of the captured HELLO") {
  DiscordEmulator emulator;
  auto odd =
      strangers(emulator.hello_frame(), {fixture("gateway_hello.json"), fixture("gateway_hello_docs.json")});
  INFO(listed(odd));
  CHECK(odd.empty());
}

TEST_CASE("READY and RESUMED have the shapes of the captured ones") {
  DiscordEmulator emulator;
  auto ready = strangers(emulator.ready_frame(1, "s"), {fixture("gateway_ready.json")});
  INFO(listed(ready));
  CHECK(ready.empty());
  auto resumed = strangers(emulator.resumed_frame(2), {fixture("gateway_resumed.json")});
  INFO(listed(resumed));
  CHECK(resumed.empty());
}

TEST_CASE("a message the emulator returns has the shape of a real message") {
  DiscordEmulator emulator;
  auto button_message = fixture("interaction_create_button.json")["message"];
  json body = {{"content", "hi"}, {"components", button_message["components"]}};
  auto odd = strangers(emulator.message_object("1", "2", body), {button_message});
  INFO(listed(odd));
  CHECK(odd.empty());
}

TEST_CASE("the emulator's 429s carry the documented body and headers") {
  // The body's fields are those of the documented 429s; the header names are checked by the
  // REST client test, which reads them through Tend's limiter.
  json body = {{"message", "You are being rate limited."}, {"retry_after", 1.5}, {"global", false}};
  auto documented = json::parse(tend::testing::discord::http_fixture("rate_limit_429_user.http").body);
  auto odd = strangers(body, {documented});
  INFO(listed(odd));
  CHECK(odd.empty());
}
