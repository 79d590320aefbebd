// The gateway codec against the frames Discord really sends (tests/fixtures/discord).
#include <catch2/catch.hpp>

#include "bot/platform/discord/gateway_codec.hpp"
#include "tests/integration/discord/fixtures.hpp"

using namespace tend::discord;
using tend::testing::discord::fixture;
using tend::testing::discord::read_fixture;
using json = nlohmann::json;

namespace {

const std::string kKey = "signing-key";

template <class T>
T as(const GatewayFrame& f) {
  REQUIRE(std::holds_alternative<T>(f.event));
  return std::get<T>(f.event);
}

}  // namespace

TEST_CASE("HELLO gives the heartbeat interval, with or without t and s") {
  auto captured = decode_gateway(read_fixture("gateway_hello.json"), kKey);
  CHECK(as<Hello>(captured).heartbeat_interval == std::chrono::milliseconds(41250));
  CHECK_FALSE(captured.sequence);
  CHECK(as<Hello>(decode_gateway(read_fixture("gateway_hello_docs.json"), kKey)).heartbeat_interval ==
        std::chrono::milliseconds(45000));
  CHECK(std::holds_alternative<DecodeError>(decode_gateway(R"({"op":10,"d":{}})", kKey).event));
}

TEST_CASE("READY keeps what RESUME needs and the bot's own id; its sequence number counts") {
  auto frame = decode_gateway(read_fixture("gateway_ready.json"), kKey);
  const auto& ready = as<Ready>(frame);
  CHECK(ready.session_id == "bf8eb88e4939e52df093261f3abbc638");
  CHECK(ready.resume_gateway_url == "wss://gateway-us-east1-c.discord.gg");
  CHECK(ready.user_id == "1030118727418646629");
  CHECK(ready.application_id == "1030118727418646629");
  CHECK(frame.sequence == 1);
}

TEST_CASE("RESUMED, heartbeat ACK, op 1, op 7 and op 9 decode to their events") {
  auto resumed = decode_gateway(read_fixture("gateway_resumed.json"), kKey);
  as<Resumed>(resumed);
  CHECK(resumed.sequence == 37448);
  as<HeartbeatAck>(decode_gateway(read_fixture("gateway_heartbeat_ack.json"), kKey));
  as<HeartbeatAck>(decode_gateway(R"({"op":11,"d":null,"s":null,"t":null})", kKey));
  as<HeartbeatRequest>(decode_gateway(read_fixture("gateway_heartbeat.json"), kKey));
  as<Reconnect>(decode_gateway(read_fixture("gateway_reconnect.json"), kKey));
  CHECK_FALSE(
      as<InvalidSession>(decode_gateway(read_fixture("gateway_invalid_session.json"), kKey)).resumable);
  CHECK(as<InvalidSession>(decode_gateway(R"({"op":9,"d":true})", kKey)).resumable);
}

TEST_CASE("an INTERACTION_CREATE dispatch carries its sequence and the decoded interaction") {
  auto frame = decode_gateway(read_fixture("dispatch_interaction_create_modal_submit.json"), kKey);
  CHECK(frame.sequence == 6);
  const auto& interaction = as<InteractionCreate>(frame).interaction;
  CHECK(interaction.id == "1095661440997806172");
  CHECK(interaction.application_id == "1016612301262041098");
  // The capture's custom_id was not signed by Tend: the submit is refused, not dispatched.
  CHECK(std::holds_alternative<Refused>(interaction.inbound));
}

TEST_CASE("other dispatches only advance the sequence; garbage is a DecodeError") {
  auto guild = decode_gateway(read_fixture("zlib_stream/frame3.decoded.json"), kKey);
  CHECK(as<OtherDispatch>(guild).type == "GUILD_CREATE");
  CHECK(guild.sequence.has_value());
  for (auto bad : {"", "[]", "{", R"({"d":1})", R"({"op":"10"})", R"({"op":0,"t":"READY","d":{}})",
                   R"({"op":0,"s":2,"t":"READY","d":{}})", R"({"op":99})"})
    CHECK(std::holds_alternative<DecodeError>(decode_gateway(bad, kKey).event));
}

TEST_CASE("IDENTIFY, HEARTBEAT and RESUME have the documented shapes") {
  auto identify = json::parse(encode_identify("tok"));
  auto documented = fixture("gateway_identify.json");
  CHECK(identify["op"] == documented["op"]);
  CHECK(identify["d"]["token"] == "tok");
  CHECK(identify["d"]["intents"] == kTendIntents);
  for (const auto& [key, value] : documented["d"]["properties"].items())
    CHECK(identify["d"]["properties"][key].is_string());

  CHECK(json::parse(encode_heartbeat(251)) == fixture("gateway_heartbeat.json"));
  CHECK(json::parse(encode_heartbeat(std::nullopt)) == json::parse(R"({"op":1,"d":null})"));
  CHECK(json::parse(encode_resume("randomstring", "evenmorerandomstring", 1337)) ==
        fixture("gateway_resume.json"));
}

TEST_CASE("close codes: which resume, which need a new session, which stop Tend") {
  using Next = CloseVerdict::Next;
  for (int code : {4000, 4001, 4002, 4003, 4005, 4008, 1006, kResumableCloseCode})
    CHECK(classify_close(code).next == Next::resume);
  for (int code : {4007, 4009, 1000, 1001}) CHECK(classify_close(code).next == Next::identify);
  for (int code : {4004, 4010, 4011, 4012, 4013, 4014}) CHECK(classify_close(code).next == Next::fatal);
  CHECK_THAT(classify_close(4004).reason, Catch::Contains("DISCORD_TOKEN"));
  CHECK_THAT(classify_close(4014).reason, Catch::Contains("developer portal"));
}

TEST_CASE("zlib-stream: the real capture inflates on one context, in order") {
  ZlibStream stream;
  for (int i = 1; i <= 3; ++i) {
    auto result = stream.feed(read_fixture("zlib_stream/frame" + std::to_string(i) + ".bin"));
    REQUIRE(result.error.empty());
    REQUIRE(result.frame);
    // The .decoded.json files end with a newline the inflated frames do not have.
    auto expected = read_fixture("zlib_stream/frame" + std::to_string(i) + ".decoded.json");
    CHECK(*result.frame + "\n" == expected);
  }
}

TEST_CASE("zlib-stream: a frame split across messages waits for the flush suffix") {
  ZlibStream stream;
  auto frame1 = read_fixture("zlib_stream/frame1.bin");
  auto first = stream.feed(std::string_view(frame1).substr(0, 10));
  CHECK_FALSE(first.frame);
  CHECK(first.error.empty());
  auto rest = stream.feed(std::string_view(frame1).substr(10));
  REQUIRE(rest.frame);
  CHECK(as<Hello>(decode_gateway(*rest.frame, kKey)).heartbeat_interval.count() > 0);
}

TEST_CASE("zlib-stream: a later frame on a fresh context is an error, not garbage") {
  ZlibStream stream;
  auto result = stream.feed(read_fixture("zlib_stream/frame2.bin"));
  CHECK_FALSE(result.frame);
  CHECK_FALSE(result.error.empty());
}
