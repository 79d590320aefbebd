// The Slack codec against the payloads Slack really sends (tests/fixtures/slack).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/platform/slack/codec.hpp"

using namespace tend;
using namespace tend::slack;
using json = nlohmann::json;
using Catch::Contains;

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(TEND_FIXTURES_DIR) / "slack";

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

template <class T>
const T& as(const Frame& f) {
  REQUIRE(std::holds_alternative<T>(f));
  return std::get<T>(f);
}

template <class T>
const T& inbound(const Frame& f) {
  const auto& e = as<Envelope>(f);
  REQUIRE(std::holds_alternative<T>(e.inbound));
  return std::get<T>(e.inbound);
}

}  // namespace

TEST_CASE("every socket-mode fixture decodes without error") {
  int decoded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kFixtures / "socket_mode")) {
    const auto name = entry.path().filename().string();
    if (name.rfind("ack_", 0) == 0) continue;  // client → server
    INFO(name);
    auto frame = decode_frame(read(entry.path()));
    CHECK_FALSE(std::holds_alternative<DecodeError>(frame));
    ++decoded;
  }
  CHECK(decoded >= 14);
}

TEST_CASE("hello and each disconnect reason") {
  CHECK(as<Hello>(decode_frame(read(kFixtures / "socket_mode/hello.json"))).num_connections == 2);
  CHECK(as<Hello>(decode_frame(read(kFixtures / "socket_mode/hello.json"))).app_id == "A111");
  for (auto [file, reason] : {std::pair{"disconnect_warning.json", "warning"},
                              std::pair{"disconnect_refresh_requested.json", "refresh_requested"},
                              std::pair{"disconnect_link_disabled.json", "link_disabled"},
                              std::pair{"disconnect_too_many_websockets.json", "too_many_websockets"}})
    CHECK(as<Disconnect>(decode_frame(read(kFixtures / "socket_mode" / file))).reason == reason);
}

TEST_CASE("a slash command becomes a Command with its ids for de-duplication") {
  auto frame = decode_frame(read(kFixtures / "socket_mode/envelope_slash_commands.docs.json"));
  const auto& e = as<Envelope>(frame);
  CHECK(e.accepts_response_payload);
  const auto& slash = inbound<SlashCommand>(frame);
  CHECK(slash.command.name == "randorilke");
  CHECK(slash.command.origin.user_id == "U123ABC456");
  CHECK(slash.command.origin.channel_id == "C123ABC456");
  CHECK(slash.response_url.rfind("https://", 0) == 0);
  CHECK(slash.command.origin.delivery_ids.size() == 2);
  CHECK(slash.command.origin.delivery_ids[1] == slash.trigger_id);
}

TEST_CASE("a block action becomes an Action; the button index suffix is removed") {
  auto frame = decode_frame(read(kFixtures / "socket_mode/envelope_interactive_block_actions.json"));
  const auto& action = inbound<BlockAction>(frame);
  CHECK_FALSE(action.action.action_id.empty());
  CHECK_FALSE(action.action.origin.user_id.empty());
  CHECK(action_id_of("checkin.score:3") == "checkin.score");
  CHECK(action_id_of("checkin.score") == "checkin.score");
  CHECK(action_id_of("nudge:x") == "nudge:x");
}

TEST_CASE("interactive payloads from the fixtures decode inside an envelope") {
  for (auto file :
       {"view_submission.json", "view_submission_enterprise.json", "block_actions_ephemeral_message.json"}) {
    INFO(file);
    json envelope{{"envelope_id", "e-1"},
                  {"type", "interactive"},
                  {"accepts_response_payload", true},
                  {"payload", json::parse(read(kFixtures / "payloads" / file))}};
    auto frame = decode_frame(envelope.dump());
    const auto& e = as<Envelope>(frame);
    CHECK_FALSE(std::holds_alternative<Ignored>(e.inbound));
  }
  json envelope{{"envelope_id", "e-2"},
                {"type", "interactive"},
                {"payload", json::parse(read(kFixtures / "payloads/view_submission.json"))}};
  const auto submitted = decode_frame(envelope.dump());
  const auto& submission = inbound<ViewSubmission>(submitted);
  CHECK_FALSE(submission.action.action_id.empty());
  CHECK_FALSE(submission.action.fields.empty());
}

TEST_CASE("an app_home_opened event asks for the home view; other events are acknowledged and ignored") {
  json wrapped{
      {"envelope_id", "e-3"},
      {"type", "events_api"},
      {"payload",
       {{"event_id", "Ev1"}, {"event", {{"type", "app_home_opened"}, {"user", "U1"}, {"tab", "home"}}}}}};
  const auto opened = decode_frame(wrapped.dump());
  const auto& home = inbound<HomeOpened>(opened);
  CHECK(home.origin.user_id == "U1");
  CHECK(home.origin.delivery_ids == std::vector<std::string>{"e-3", "Ev1"});
  auto mention = decode_frame(read(kFixtures / "socket_mode/envelope_events_api_app_mention.json"));
  inbound<Ignored>(mention);
}

TEST_CASE("malformed frames become errors, with the envelope id kept when there is one") {
  CHECK(as<DecodeError>(decode_frame("not json")).what == "frame is not JSON");
  CHECK(as<DecodeError>(decode_frame("[1,2]")).what == "frame is not a JSON object");
  CHECK(as<DecodeError>(decode_frame(R"({"type":"slash_commands"})")).envelope_id.empty());
  CHECK(as<DecodeError>(decode_frame(R"({"envelope_id":"e9","type":"slash_commands","payload":7})"))
            .envelope_id == "e9");
  CHECK(as<DecodeError>(decode_frame(std::string(1 << 20, ' '))).what.find("refused") != std::string::npos);
  // A 1 MB envelope is refused unparsed but keeps its id, so it can be acknowledged.
  const auto huge = R"({"envelope_id": "big-1", "type":"slash_commands","payload":{"text":")" +
                    std::string(1 << 20, 'x') + "\"}}";
  const auto huge_frame = decode_frame(huge);
  const auto& refused = as<DecodeError>(huge_frame);
  CHECK(refused.envelope_id == "big-1");
  CHECK(refused.what.find("refused") != std::string::npos);
  const auto odd_frame =
      decode_frame(R"({"envelope_id":"e8","type":"slash_commands","payload":{"command":5}})");
  const auto& odd = inbound<Ignored>(odd_frame);
  CHECK_THAT(odd.what, Contains("without command"));
  // Truncations of a real envelope never crash.
  const auto full = read(kFixtures / "socket_mode/envelope_slash_commands.docs.json");
  for (std::size_t n = 0; n < full.size(); n += 7) decode_frame(full.substr(0, n));
}

TEST_CASE("the ack carries the reply in the shape Slack documents") {
  const auto documented =
      json::parse(read(kFixtures / "socket_mode/ack_with_payload_slash_command.docs.json"));
  Message reply{"Checked in at *4/5*.", {{"1", "checkin.score", "1"}, {"2", "checkin.score", "2"}}, {}};
  const auto ack = json::parse(encode_ack("env-1", message_body(reply, true)));
  CHECK(ack["envelope_id"] == "env-1");
  for (const auto& [key, value] : documented.items()) CHECK(ack.contains(key));
  for (const auto& [key, value] : documented["payload"].items()) CHECK(ack["payload"].contains(key));
  CHECK(ack["payload"]["response_type"] == "ephemeral");
  const auto& blocks = ack["payload"]["blocks"];
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0]["type"] == "section");
  CHECK(blocks[1]["elements"][1]["action_id"] == "checkin.score:1");
  CHECK(json::parse(encode_ack("env-2")) == json{{"envelope_id", "env-2"}});
}

TEST_CASE("long text is split into sections Slack accepts; a form becomes a modal") {
  Message long_message{std::string(7000, 'x'), {}, {}};
  auto blocks = blocks_of(long_message);
  CHECK(blocks.size() == 3);
  for (const auto& b : blocks) CHECK(b["text"]["text"].get<std::string>().size() <= 3000);
  Form form{"checkin.form",
            "Check in",
            "Check in",
            {{"score", "How are you?", {{"1", "x", "1"}}, false}, {"note", "Note", {}, true}}};
  auto view = modal_view(form);
  CHECK(view["type"] == "modal");
  CHECK(view["callback_id"] == "checkin.form");
  CHECK(view["blocks"][0]["element"]["type"] == "radio_buttons");
  CHECK(view["blocks"][1]["element"]["type"] == "plain_text_input");
  CHECK(view["blocks"][1]["optional"] == true);
  CHECK(home_view(Message{"hi", {}, {}})["type"] == "home");
}
