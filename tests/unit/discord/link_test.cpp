// What each thing Discord does to a gateway connection means, decided by the connection core from
// the codec's notices (the real op 7 and op 9 payloads in tests/fixtures/discord, and each close
// code): resume on a new socket, start a new session, or stop with what the operator must fix.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/platform/discord/gateway_codec.hpp"
#include "tests/unit/platform/link_script.hpp"

using namespace tend;
using namespace tend::link;
using namespace std::chrono_literals;
using Lines = std::vector<std::string>;
using tend::testing::LinkScript;

namespace {

CoreOptions discord_options() {
  CoreOptions o;
  o.platform = "Discord";
  o.socket_name = "gateway connection";
  return o;
}

discord::GatewayEvent fixture_event(const std::string& name) {
  std::ifstream in(std::filesystem::path(TEND_FIXTURES_DIR) / "discord" / name);
  std::stringstream text;
  text << in.rdbuf();
  return discord::decode_gateway(text.str(), "key").event;
}

// Started, socket 1 greeted and READY in session "s1" at sequence 1.
LinkScript live() {
  LinkScript link(0.0, discord_options());
  REQUIRE(link(Start{}) == Lines{"open 1"});
  REQUIRE(link(Opened{1}).empty());
  REQUIRE(link(Ready{1, Session{"s1", 1}, "new session"}).empty());
  REQUIRE(link(FrameReceived{1, 7}).empty());
  return link;
}

}  // namespace

TEST_CASE("op 7: a replacement resumes the session, then the old socket closes") {
  auto link = live();
  const auto event = fixture_event("gateway_reconnect.json");
  REQUIRE(std::holds_alternative<discord::Reconnect>(event));
  CHECK(link(discord::link_notice(1, std::get<discord::Reconnect>(event))) == Lines{"open 2 resume s1@7"});
  CHECK(link.log() == Lines{"info Discord: gateway connection 1 asked to refresh (op 7 reconnect)"});
  CHECK(link(Opened{2}).empty());
  CHECK(link(Ready{2, Session{"s1", 8}, "session resumed"}) == Lines{"retire 1", "wait 10000 ms"});
  CHECK(link(Drained{1}) == Lines{"close 1 properly 1000"});
  CHECK(link(ReadError{1, "closed"}).empty());
  CHECK(link.core().sockets() == 1);
  CHECK(link.core().session() == Session{"s1", 8});
}

TEST_CASE("op 9 not resumable: the socket goes and the next one starts a new session") {
  auto link = live();
  const auto event = fixture_event("gateway_invalid_session.json");
  REQUIRE(std::holds_alternative<discord::InvalidSession>(event));
  CHECK(link(discord::link_notice(1, std::get<discord::InvalidSession>(event))) == Lines{"close 1 abruptly"});
  CHECK(
      link.log() ==
      Lines{"warn Discord: gateway connection 1 cannot resume its session (op 9 invalid session); starting a "
            "new one"});
  CHECK_FALSE(link.core().session());
  CHECK(link(ReadError{1, "closed"}) == Lines{"open 2"});
}

TEST_CASE("op 9 resumable: resumed on a new socket, also when it answered a RESUME") {
  SECTION("on a live socket") {
    auto link = live();
    CHECK(link(discord::link_notice(1, discord::InvalidSession{true})) == Lines{"open 2 resume s1@7"});
  }
  SECTION("on a socket still greeting: it goes, and the next one resumes") {
    auto link = live();
    REQUIRE(link(ReadError{1, "reset"}) == Lines{"open 2 resume s1@7"});
    REQUIRE(link(Opened{2}).empty());
    CHECK(link(discord::link_notice(2, discord::InvalidSession{true})) == Lines{"close 2 abruptly"});
    CHECK(link(ReadError{2, "closed"}) == Lines{"open 3 resume s1@7"});
  }
  SECTION("a refused RESUME (op 9 false on the resuming socket) starts a new session") {
    auto link = live();
    REQUIRE(link(ReadError{1, "reset"}) == Lines{"open 2 resume s1@7"});
    REQUIRE(link(Opened{2}).empty());
    CHECK(link(discord::link_notice(2, discord::InvalidSession{false})) == Lines{"close 2 abruptly"});
    CHECK(link(ReadError{2, "closed"}) == Lines{"open 3"});
  }
}

TEST_CASE("close codes: resume, a new session, or stop saying what to fix") {
  for (int code : {4000, 4001, 4002, 4003, 4005, 4008, 1006, 4900}) {
    INFO(code);
    auto link = live();
    CHECK_FALSE(discord::link_notice(1, code));
    CHECK(link(ReadError{1, discord::classify_close(code).reason}) == Lines{"open 2 resume s1@7"});
  }
  for (int code : {4007, 4009, 1000, 1001}) {
    INFO(code);
    auto link = live();
    const auto notice = discord::link_notice(1, code);
    REQUIRE(notice);
    CHECK(link(*notice) == Lines{"close 1 abruptly"});
    CHECK(link(ReadError{1, discord::classify_close(code).reason}) == Lines{"open 2"});
  }
  for (int code : {4004, 4010, 4011, 4012, 4013, 4014}) {
    INFO(code);
    auto link = live();
    const auto notice = discord::link_notice(1, code);
    REQUIRE(notice);
    const auto why = "Discord closed the gateway connection: " + discord::classify_close(code).reason;
    CHECK(link(*notice) == Lines{"fatal: " + why, "retire 1", "wait 10000 ms"});
    CHECK(link.log() == Lines{"error " + why});
    CHECK(link(Drained{1}) == Lines{"close 1 properly 1000"});
    CHECK(link(ReadError{1, "closed"}) == Lines{"finished"});
  }
  CHECK_THAT(discord::link_notice(1, 4004)->explanation, Catch::Contains("DISCORD_TOKEN"));
}

TEST_CASE("a zombie link (a heartbeat never acknowledged) is closed and resumed") {
  auto link = live();
  CHECK(link(PingDue{1}) == Lines{"ping 1"});
  CHECK(link(PongMissing{1}) == Lines{"close 1 abruptly"});
  CHECK(link.log() == Lines{"warn Discord: gateway connection 1 stopped answering pings; replacing it"});
  CHECK(link(ReadError{1, "closed"}) == Lines{"open 2 resume s1@7"});
}

TEST_CASE("heartbeats start with HELLO, before the session is ready") {
  LinkScript link(0.0, discord_options());
  REQUIRE(link(Start{}) == Lines{"open 1"});
  CHECK(link(PingDue{1}).empty());  // not connected yet
  REQUIRE(link(Opened{1}).empty());
  CHECK(link(PingDue{1}) == Lines{"ping 1"});
}
