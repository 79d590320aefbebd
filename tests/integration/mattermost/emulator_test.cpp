// The emulator behaves as a Mattermost server does on its WebSocket: authentication by header or
// challenge, hello, seq on every event, replay of what a resumed connection missed, a new hello
// when the connection is forgotten. The client side is Tend's codec (decode_frame, ResumePoint).
#include <catch2/catch.hpp>

#include "bot/platform/mattermost/codec.hpp"
#include "tests/emulator/mattermost/mattermost_emulator.hpp"
#include "tests/integration/mattermost/ws_client.hpp"

using namespace tend;
using namespace tend::mattermost;
using testing::WsClient;
using json = nlohmann::json;
using Outcome = emulator::SocketOpening::Outcome;

namespace {

const std::string kToken = "mm-emulator-bot-token";

Frame next_frame(WsClient& client) {
  auto text = client.read();
  REQUIRE(text);
  return decode_frame(*text);
}

// Reads one frame, which must be an event, and feeds it to the resume point.
template <class T>
T next_event(WsClient& client, ResumePoint& point) {
  auto frame = next_frame(client);
  REQUIRE(frame.seq);
  REQUIRE(std::holds_alternative<T>(frame.body));
  if constexpr (std::is_same_v<T, Hello>)
    point.on_hello(std::get<Hello>(frame.body), *frame.seq);
  else
    CHECK(point.on_event(*frame.seq) == ResumePoint::Order::next);
  return std::get<T>(frame.body);
}

std::string message_of(WsClient& client, ResumePoint& point) {
  return next_event<Posted>(client, point).post.message;
}

// A first connection that receives `messages` from ada, then loses its socket to `fault`; returns
// where the client stood, once the emulator has seen the socket go.
ResumePoint connected_then(emulator::MattermostEmulator& mm, const std::vector<std::string>& messages,
                           void (emulator::MattermostEmulator::*fault)()) {
  ResumePoint point;
  WsClient client(mm.port(), "/api/v4/websocket", kToken);
  next_event<Hello>(client, point);
  for (const auto& m : messages) mm.send_post("ada0000000000000000000000a", m);
  for (const auto& m : messages) CHECK(message_of(client, point) == m);
  (mm.*fault)();
  CHECK_FALSE(client.read());
  REQUIRE(mm.wait_for_sockets(0, std::chrono::seconds(5)));
  return point;
}

}  // namespace

TEST_CASE("with the token in the header: hello with a connection id, then events numbered from 1") {
  emulator::MattermostEmulator mm;
  WsClient client(mm.port(), "/api/v4/websocket", kToken);
  ResumePoint point;
  const auto hello = next_event<Hello>(client, point);
  CHECK_FALSE(hello.connection_id.empty());
  CHECK(point.next() == 1);
  mm.send_post("ada0000000000000000000000a", "checkin 4");
  CHECK(message_of(client, point) == "checkin 4");
  CHECK(point.next() == 2);
  REQUIRE(mm.openings().size() == 1);
  CHECK(mm.openings()[0].outcome == Outcome::fresh);
}

TEST_CASE("with the authentication challenge: nothing until the token is presented, then OK and hello") {
  emulator::MattermostEmulator mm;
  WsClient client(mm.port(), "/api/v4/websocket");
  REQUIRE(mm.wait_for_sockets(1, std::chrono::seconds(5)));
  client.write(R"({"seq":1,"action":"user_typing","data":{"channel_id":"x","parent_id":""}})");
  auto refused = next_frame(client);
  REQUIRE(std::holds_alternative<Response>(refused.body));
  CHECK_FALSE(std::get<Response>(refused.body).ok);
  CHECK(std::get<Response>(refused.body).error_id == "api.web_socket_router.not_authenticated.app_error");

  client.write(authentication_challenge(2, kToken));
  auto ok = next_frame(client);
  REQUIRE(std::holds_alternative<Response>(ok.body));
  CHECK(std::get<Response>(ok.body).ok);
  CHECK(std::get<Response>(ok.body).seq_reply == 2);
  ResumePoint point;
  CHECK_FALSE(next_event<Hello>(client, point).connection_id.empty());
  CHECK(mm.requests().size() == 2);
}

TEST_CASE("a wrong token: the upgrade is refused, or the socket closed after the challenge") {
  emulator::MattermostEmulator mm;
  CHECK_THROWS(WsClient(mm.port(), "/api/v4/websocket", "wrong"));
  WsClient client(mm.port(), "/api/v4/websocket");
  client.write(authentication_challenge(1, "wrong"));
  CHECK_FALSE(client.read());
  CHECK(client.closed());
}

TEST_CASE("after a drop, a resume gets exactly what was missed, in order, without a new hello") {
  emulator::MattermostEmulator mm;
  auto point = connected_then(mm, {"one"}, &emulator::MattermostEmulator::drop_sockets);
  mm.send_post("ada0000000000000000000000a", "two");
  mm.send_post("bo00000000000000000000000b", "three");

  WsClient again(mm.port(), point.websocket_target(), kToken);
  CHECK(message_of(again, point) == "two");
  CHECK(message_of(again, point) == "three");
  mm.send_post("ada0000000000000000000000a", "four");
  CHECK(message_of(again, point) == "four");
  const auto opening = mm.openings().back();
  CHECK(opening.outcome == Outcome::resumed);
  CHECK(opening.asked_sequence == 2);
  CHECK(opening.replayed == 2);
  CHECK(opening.connection_id == point.connection_id());
}

TEST_CASE("a resume that asks again for events it already had gets them again; the resume point skips them") {
  emulator::MattermostEmulator mm;
  auto point = connected_then(mm, {"one", "two"}, &emulator::MattermostEmulator::drop_sockets);
  const auto connection = point.connection_id();
  WsClient again(mm.port(), "/api/v4/websocket?connection_id=" + connection + "&sequence_number=1", kToken);
  auto replayed = next_frame(again);
  CHECK(replayed.seq == 1);
  CHECK(point.on_event(*replayed.seq) == ResumePoint::Order::repeated);
  CHECK(point.on_event(*next_frame(again).seq) == ResumePoint::Order::repeated);
  mm.send_post("ada0000000000000000000000a", "three");
  CHECK(message_of(again, point) == "three");
}

TEST_CASE("a restarted server has forgotten the connection: a new hello with a new id") {
  emulator::MattermostEmulator mm;
  auto point = connected_then(mm, {"one"}, &emulator::MattermostEmulator::restart_server);
  const auto old_id = point.connection_id();
  WsClient again(mm.port(), point.websocket_target(), kToken);
  auto frame = next_frame(again);
  REQUIRE(std::holds_alternative<Hello>(frame.body));
  CHECK(frame.seq == 0);
  CHECK(point.on_hello(std::get<Hello>(frame.body), *frame.seq));  // told: the server forgot us
  CHECK(point.connection_id() != old_id);
  CHECK(mm.openings().back().outcome == Outcome::forgotten);
  mm.send_post("ada0000000000000000000000a", "after");
  CHECK(message_of(again, point) == "after");
}

TEST_CASE("more missed than the server keeps: a new hello instead of a partial replay") {
  emulator::MattermostEmulator::Options options;
  options.replay_buffer = 4;
  emulator::MattermostEmulator mm(options);
  auto point = connected_then(mm, {}, &emulator::MattermostEmulator::drop_sockets);
  for (int i = 0; i < 6; ++i) mm.send_post("ada0000000000000000000000a", "missed " + std::to_string(i));
  CHECK(mm.buffered(point.connection_id()).size() == 4);
  CHECK(mm.buffered(point.connection_id()).front().first == 3);

  WsClient again(mm.port(), point.websocket_target(), kToken);
  auto frame = next_frame(again);
  REQUIRE(std::holds_alternative<Hello>(frame.body));
  CHECK(point.on_hello(std::get<Hello>(frame.body), *frame.seq));
  CHECK(mm.openings().back().outcome == Outcome::forgotten);
}

TEST_CASE("the server's pings are answered by the client") {
  emulator::MattermostEmulator mm;
  WsClient client(mm.port(), "/api/v4/websocket", kToken);
  ResumePoint point;
  next_event<Hello>(client, point);
  mm.ping();
  mm.send_post("ada0000000000000000000000a", "after the ping");
  CHECK(message_of(client, point) == "after the ping");
  CHECK(mm.wait_for_pongs(1, std::chrono::seconds(5)));
}

TEST_CASE("requests on the socket are answered with seq_reply; unknown actions fail") {
  emulator::MattermostEmulator mm;
  WsClient client(mm.port(), "/api/v4/websocket", kToken);
  ResumePoint point;
  next_event<Hello>(client, point);
  client.write(
      R"({"action":"user_typing","seq":2,"data":{"channel_id":"nhze199c4j87ped4wannrjdt9c","parent_id":""}})");
  auto typing = next_frame(client);
  REQUIRE(std::holds_alternative<Response>(typing.body));
  CHECK(std::get<Response>(typing.body).ok);
  CHECK(std::get<Response>(typing.body).seq_reply == 2);
  client.write(R"({"action":"no_such_action","seq":3})");
  auto unknown = next_frame(client);
  REQUIRE(std::holds_alternative<Response>(unknown.body));
  CHECK_FALSE(std::get<Response>(unknown.body).ok);
  CHECK(std::get<Response>(unknown.body).seq_reply == 3);
}

TEST_CASE("refused upgrades while the server refuses them") {
  emulator::MattermostEmulator mm;
  mm.refuse_sockets(true);
  CHECK_THROWS(WsClient(mm.port(), "/api/v4/websocket", kToken));
  mm.refuse_sockets(false);
  CHECK_NOTHROW(WsClient(mm.port(), "/api/v4/websocket", kToken));
}

TEST_CASE("events reach every connection of the bot, each with its own sequence") {
  emulator::MattermostEmulator mm;
  WsClient first(mm.port(), "/api/v4/websocket", kToken);
  ResumePoint a;
  next_event<Hello>(first, a);
  mm.send_post("ada0000000000000000000000a", "only the first sees this");
  CHECK(message_of(first, a) == "only the first sees this");
  WsClient second(mm.port(), "/api/v4/websocket", kToken);
  ResumePoint b;
  next_event<Hello>(second, b);
  mm.send_post("ada0000000000000000000000a", "both");
  CHECK(message_of(first, a) == "both");
  CHECK(message_of(second, b) == "both");
  CHECK(a.next() == 3);
  CHECK(b.next() == 2);
}

TEST_CASE("a user_updated event carries the person's new zone to the codec") {
  emulator::MattermostEmulator mm;
  mm.set_user("ada0000000000000000000000a", {"ada", "Ada", "", "", false, "", "Europe/Lisbon"});
  WsClient client(mm.port(), "/api/v4/websocket", kToken);
  ResumePoint point;
  next_event<Hello>(client, point);
  mm.send_user_updated("ada0000000000000000000000a");
  const auto updated = next_event<UserUpdated>(client, point);
  CHECK(updated.user_id == "ada0000000000000000000000a");
  CHECK(updated.profile.display_name == "Ada");
  CHECK(updated.profile.zone == "Europe/Lisbon");
}

TEST_CASE("a malformed frame on the socket is a decode error, and the stream carries on") {
  emulator::MattermostEmulator mm;
  WsClient client(mm.port(), "/api/v4/websocket", kToken);
  ResumePoint point;
  next_event<Hello>(client, point);
  mm.send_raw("{not json");
  CHECK(std::holds_alternative<DecodeError>(next_frame(client).body));
  mm.send_post("ada0000000000000000000000a", "still here");
  CHECK(message_of(client, point) == "still here");
}
