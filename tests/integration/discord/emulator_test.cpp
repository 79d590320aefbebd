// The Discord emulator's gateway over a real loopback WebSocket, driven with Tend's gateway codec:
// sessions, heartbeats, the zombie mode, RESUME with replay, op 7/9, close codes, the IDENTIFY budget.
#include <catch2/catch.hpp>

#include "bot/platform/discord/gateway_codec.hpp"
#include "tests/emulator/discord/discord_emulator.hpp"
#include "tests/integration/discord/gateway_client.hpp"

using namespace tend::discord;
using tend::emulator::DiscordEmulator;
using tend::emulator::GatewayOpening;
using tend::testing::discord::GatewayClient;
using json = nlohmann::json;

namespace {

const std::string kKey = "signing-key";

GatewayFrame decode(const std::optional<json>& frame) {
  REQUIRE(frame);
  return decode_gateway(frame->dump(), kKey);
}

// Connects, reads HELLO, IDENTIFYs, and returns READY.
Ready identify(GatewayClient& client, const DiscordEmulator& emulator) {
  auto hello = decode(client.read());
  REQUIRE(std::holds_alternative<Hello>(hello.event));
  CHECK(std::get<Hello>(hello.event).heartbeat_interval.count() == emulator.options().heartbeat_interval_ms);
  client.write(json::parse(encode_identify(emulator.options().token)));
  auto ready = decode(client.read());
  REQUIRE(std::holds_alternative<Ready>(ready.event));
  CHECK(ready.sequence == 1);
  return std::get<Ready>(ready.event);
}

json interaction(const std::string& id) {
  return {{"id", id},
          {"type", 2},
          {"token", "tok-" + id},
          {"application_id", "1"},
          {"user", {{"id", "42"}, {"username", "sam"}}},
          {"data", {{"name", "checkin"}, {"type", 1}, {"options", json::array()}}}};
}

}  // namespace

TEST_CASE("HELLO, IDENTIFY, READY: the session Tend would resume, and one IDENTIFY spent") {
  DiscordEmulator emulator;
  GatewayClient client(emulator.port());
  auto ready = identify(client, emulator);
  CHECK(ready.session_id == emulator.session_id());
  CHECK(ready.resume_gateway_url == emulator.gateway_url());
  CHECK(ready.user_id == emulator.options().bot_user_id);
  CHECK(emulator.identifies() == 1);
  CHECK(emulator.session_starts_remaining() == emulator.options().session_start_total - 1);
  auto identify_frame = emulator.received().at(0);
  CHECK(identify_frame["d"]["intents"] == kTendIntents);
}

TEST_CASE("heartbeats are ACKed, a server op 1 asks for one, and a zombie stops ACKing") {
  DiscordEmulator emulator;
  GatewayClient client(emulator.port());
  identify(client, emulator);
  client.write(json::parse(encode_heartbeat(1)));
  CHECK(std::holds_alternative<HeartbeatAck>(decode(client.read()).event));
  emulator.send_heartbeat_request();
  CHECK(std::holds_alternative<HeartbeatRequest>(decode(client.read()).event));

  emulator.set_zombie(true);
  client.write(json::parse(encode_heartbeat(1)));
  emulator.dispatch("TYPING_START", json::object());  // something that does come, after the missing ACK
  auto next = decode(client.read());
  CHECK(std::holds_alternative<OtherDispatch>(next.event));
  CHECK(emulator.received().back()["op"] == 1);
}

TEST_CASE("interactions arrive as numbered dispatches Tend decodes") {
  DiscordEmulator emulator;
  GatewayClient client(emulator.port());
  identify(client, emulator);
  auto sequence = emulator.send_interaction(interaction("500"));
  auto frame = decode(client.read());
  CHECK(frame.sequence == sequence);
  REQUIRE(std::holds_alternative<InteractionCreate>(frame.event));
  const auto& inbound = std::get<InteractionCreate>(frame.event).interaction.inbound;
  REQUIRE(std::holds_alternative<tend::platform::Command>(inbound));
  CHECK(std::get<tend::platform::Command>(inbound).name == "checkin");
}

TEST_CASE("after a dropped link, RESUME replays exactly what was missed, then RESUMED") {
  DiscordEmulator emulator;
  auto first = std::make_unique<GatewayClient>(emulator.port());
  auto ready = identify(*first, emulator);
  emulator.send_interaction(interaction("1"));
  auto seen = decode(first->read()).sequence;
  REQUIRE(seen);
  emulator.drop_sockets();
  CHECK_FALSE(first->read());
  first.reset();
  REQUIRE(emulator.wait_for_sockets(0, std::chrono::seconds(5)));
  // Sent while nobody was attached.
  auto s2 = emulator.send_interaction(interaction("2"));
  auto s3 = emulator.send_interaction(interaction("3"));

  GatewayClient second(emulator.port());
  CHECK(std::holds_alternative<Hello>(decode(second.read()).event));
  second.write(json::parse(encode_resume(emulator.options().token, ready.session_id, *seen)));
  CHECK(decode(second.read()).sequence == s2);
  CHECK(decode(second.read()).sequence == s3);
  auto resumed = decode(second.read());
  CHECK(std::holds_alternative<Resumed>(resumed.event));
  CHECK(resumed.sequence == s3 + 1);
  CHECK(emulator.identifies() == 1);
  CHECK(emulator.openings().back().outcome == GatewayOpening::Outcome::resumed);
  CHECK(emulator.openings().back().replayed == 2);
}

TEST_CASE("op 7 asks for a reconnect; the session still resumes") {
  DiscordEmulator emulator;
  GatewayClient first(emulator.port());
  auto ready = identify(first, emulator);
  emulator.send_reconnect();
  CHECK(std::holds_alternative<Reconnect>(decode(first.read()).event));
  GatewayClient second(emulator.port());
  second.read();
  second.write(json::parse(encode_resume(emulator.options().token, ready.session_id, 1)));
  CHECK(std::holds_alternative<Resumed>(decode(second.read()).event));
}

TEST_CASE("op 9 false ends the session: a RESUME is refused with op 9 and only IDENTIFY works") {
  DiscordEmulator emulator;
  GatewayClient first(emulator.port());
  auto ready = identify(first, emulator);
  emulator.send_invalid_session(false);
  auto invalid = decode(first.read());
  REQUIRE(std::holds_alternative<InvalidSession>(invalid.event));
  CHECK_FALSE(std::get<InvalidSession>(invalid.event).resumable);

  GatewayClient second(emulator.port());
  second.read();
  second.write(json::parse(encode_resume(emulator.options().token, ready.session_id, 1)));
  auto refused = decode(second.read());
  REQUIRE(std::holds_alternative<InvalidSession>(refused.event));
  CHECK_FALSE(std::get<InvalidSession>(refused.event).resumable);
  second.write(json::parse(encode_identify(emulator.options().token)));
  CHECK(std::holds_alternative<Ready>(decode(second.read()).event));
  CHECK(emulator.identifies() == 2);
}

TEST_CASE("op 9 true keeps the session resumable") {
  DiscordEmulator emulator;
  GatewayClient first(emulator.port());
  auto ready = identify(first, emulator);
  emulator.send_invalid_session(true);
  CHECK(std::get<InvalidSession>(decode(first.read()).event).resumable);
  GatewayClient second(emulator.port());
  second.read();
  second.write(json::parse(encode_resume(emulator.options().token, ready.session_id, 1)));
  CHECK(std::holds_alternative<Resumed>(decode(second.read()).event));
}

TEST_CASE("close codes reach the client; 4009 also ends the session on the server") {
  for (int code : {4000, 4004, 4009, 4014}) {
    DiscordEmulator emulator;
    GatewayClient client(emulator.port());
    auto ready = identify(client, emulator);
    emulator.close_sockets(code);
    CHECK_FALSE(client.read());
    CHECK(client.close_code() == code);
    // 4009 forgets the session on the server too; 4000 does not.
    GatewayClient again(emulator.port());
    again.read();
    again.write(json::parse(encode_resume(emulator.options().token, ready.session_id, 1)));
    auto answer = decode(again.read());
    bool resumed = std::holds_alternative<Resumed>(answer.event);
    CHECK(resumed == (code != 4009));
  }
}

TEST_CASE("a wrong token is closed with 4004, which Tend treats as fatal") {
  DiscordEmulator emulator;
  GatewayClient client(emulator.port());
  client.read();
  client.write(json::parse(encode_identify("wrong-token")));
  CHECK_FALSE(client.read());
  CHECK(client.close_code() == 4004);
  CHECK(classify_close(client.close_code()).next == CloseVerdict::Next::fatal);
}

TEST_CASE("the IDENTIFY budget is counted, and an IDENTIFY past it is refused") {
  DiscordEmulator::Options options;
  options.session_start_total = 2;
  DiscordEmulator emulator(options);
  for (int i = 0; i < 2; ++i) {
    GatewayClient client(emulator.port());
    identify(client, emulator);
  }
  CHECK(emulator.session_starts_remaining() == 0);
  GatewayClient third(emulator.port());
  third.read();
  third.write(json::parse(encode_identify(options.token)));
  CHECK_FALSE(third.read());
  CHECK(third.close_code() == 4004);
  CHECK(emulator.identifies() == 3);
}
