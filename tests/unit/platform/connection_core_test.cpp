// The connection core, event by event, without sockets: what a link does when it opens, drops,
// stalls, is refused again and again, is told to stop, is replaced, and resumes.
#include <catch2/catch.hpp>

#include "tests/unit/platform/link_script.hpp"

using namespace tend;
using namespace tend::link;
using namespace std::chrono_literals;
using Lines = std::vector<std::string>;
using tend::testing::LinkScript;

namespace {

// Started, with socket 1 live.
void go_live(LinkScript& link) {
  REQUIRE(link(Start{}) == Lines{"open 1"});
  REQUIRE(link(Opened{1}).empty());
  REQUIRE(link(Ready{1, std::nullopt, "1 open at Slack"}).empty());
}

}  // namespace

TEST_CASE("a link opens one socket, fresh, and says so when the platform greets it") {
  LinkScript link;
  CHECK(link(Start{}) == Lines{"open 1"});
  CHECK(link.log().empty());
  CHECK(link(Opened{1}).empty());
  CHECK_FALSE(link.core().live());
  CHECK(link(Ready{1, std::nullopt, "1 open at Slack"}).empty());
  CHECK(link.log() == Lines{"info Slack: connection 1 open (1 open at Slack)"});
  CHECK(link.core().live() == 1);
  CHECK(link.core().sockets() == 1);
}

TEST_CASE("a dropped socket is replaced at once") {
  LinkScript link;
  go_live(link);
  CHECK(link(ReadError{1, "end of stream"}) == Lines{"open 2"});
  CHECK(link.log() == Lines{"warn Slack: connection 1 lost (end of stream); reconnecting"});
}

TEST_CASE("a socket that stops answering pings is closed and replaced") {
  LinkScript link;
  go_live(link);
  CHECK(link(PingDue{1}) == Lines{"ping 1"});
  CHECK(link(PongMissing{1}) == Lines{"close 1 abruptly"});
  CHECK(link.log() == Lines{"warn Slack: connection 1 stopped answering pings; replacing it"});
  // Its reader ends, as the close makes it: that is expected, so nothing more is logged.
  CHECK(link(ReadError{1, "The socket was closed due to a timeout"}) == Lines{"open 2"});
  CHECK(link.log().empty());
}

TEST_CASE("a frame that cannot be written closes the socket, and a new one opens once it is gone") {
  LinkScript link;
  go_live(link);
  CHECK(link(WriteError{1, "Broken pipe"}) == Lines{"close 1 abruptly"});
  CHECK(link.log() == Lines{"warn Slack: connection 1: a frame could not be sent (Broken pipe); closing it"});
  CHECK(link(ReadError{1, "Operation canceled"}) == Lines{"open 2"});
}

TEST_CASE("a refusal storm: waits double from 0.5 s, are capped at 30 s, and start again after a success") {
  LinkScript link;
  go_live(link);
  REQUIRE(link(ReadError{1, "end of stream"}) == Lines{"open 2"});
  int socket = 2;
  for (const long wait : {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000}) {
    INFO("wait " << wait);
    CHECK(link(ConnectFailed{socket, "HTTP 503"}) == Lines{"wait " + std::to_string(wait) + " ms"});
    CHECK(link.log() ==
          Lines{"warn Slack: could not connect (HTTP 503); trying again in " + std::to_string(wait) + " ms"});
    link.advance(std::chrono::milliseconds(wait - 1));
    CHECK(link(TimerFired{}) == Lines{"wait 1 ms"});  // woken early: nothing opens yet
    link.advance(1ms);
    CHECK(link(TimerFired{}) == Lines{"open " + std::to_string(++socket)});
  }
  CHECK(link(Ready{socket, std::nullopt, ""}).empty());
  CHECK(link(ReadError{socket, "end of stream"}) == Lines{"open " + std::to_string(socket + 1)});
  CHECK(link(ConnectFailed{socket + 1, "HTTP 503"}) == Lines{"wait 500 ms"});
}

TEST_CASE("the waits are jittered by up to half again, never above the cap") {
  LinkScript link(0.5);
  go_live(link);
  REQUIRE(link(ReadError{1, "end of stream"}) == Lines{"open 2"});
  CHECK(link(ConnectFailed{2, "refused"}) == Lines{"wait 625 ms"});
  link.advance(625ms);
  REQUIRE(link(TimerFired{}) == Lines{"open 3"});
  link.set_jitter(0.999);
  CHECK(link(ConnectFailed{3, "refused"}) == Lines{"wait 1499 ms"});
  for (int socket = 4; socket < 12; ++socket) {
    link.advance(30s);
    REQUIRE(link(TimerFired{}) == Lines{"open " + std::to_string(socket)});
    const auto waited = link(ConnectFailed{socket, "refused"});
    REQUIRE(waited.size() == 1);
    CHECK(std::stol(waited.front().substr(5)) <= 30000);
  }
}

TEST_CASE("stop during a reconnect's wait ends the run at once; the wait opens nothing") {
  LinkScript link;
  go_live(link);
  REQUIRE(link(ReadError{1, "end of stream"}) == Lines{"open 2"});
  REQUIRE(link(ConnectFailed{2, "refused"}) == Lines{"wait 500 ms"});
  CHECK(link(Stop{}) == Lines{"finished"});
  CHECK(link.log() == Lines{"info Slack: all connections closed"});
  link.advance(1s);
  CHECK(link(TimerFired{}).empty());
  CHECK(link(Start{}).empty());
}

TEST_CASE("stop while a socket is opening: it is closed as soon as it is greeted, then the run ends") {
  LinkScript link;
  REQUIRE(link(Start{}) == Lines{"open 1"});
  CHECK(link(Stop{}).empty());
  CHECK(link(Ready{1, std::nullopt, ""}) == Lines{"close 1 properly 1000"});
  CHECK(link(ReadError{1, "closed"}) == Lines{"finished"});
}

TEST_CASE("stop while a connect fails: no retry, the run ends") {
  LinkScript link;
  REQUIRE(link(Start{}) == Lines{"open 1"});
  CHECK(link(Stop{}).empty());
  CHECK(link(ConnectFailed{1, "refused"}) == Lines{"finished"});
}

TEST_CASE("stop with work in flight: the socket finishes it, closes properly, and the run ends") {
  LinkScript link;
  go_live(link);
  CHECK(link(Stop{}) == Lines{"retire 1", "wait 10000 ms"});
  CHECK(link(Drained{1}) == Lines{"close 1 properly 1000"});
  CHECK(link(ReadError{1, "closed"}) == Lines{"finished"});
  CHECK(link.log() == Lines{"info Slack: all connections closed"});
}

TEST_CASE("never more than two sockets: a second refresh waits until the retiring socket is gone") {
  LinkScript link;
  go_live(link);
  const DisconnectNotice refresh{1, NoticeKind::refresh, "refresh_requested", ""};
  CHECK(link(refresh) == Lines{"open 2"});
  CHECK(link(Ready{2, std::nullopt, ""}) == Lines{"retire 1", "wait 10000 ms"});
  CHECK(link.core().live() == 2);
  CHECK(link(DisconnectNotice{2, NoticeKind::refresh, "refresh_requested", ""}).empty());
  CHECK(link.core().sockets() == 2);
  CHECK(link(Drained{1}) == Lines{"close 1 properly 1000"});
  CHECK(link.core().sockets() == 2);  // until its reader sees the close
  CHECK(link(ReadError{1, "closed"}) == Lines{"open 3"});
  CHECK(link(Ready{3, std::nullopt, ""}) == Lines{"retire 2", "wait 10000 ms"});
}

TEST_CASE("a retired socket closes properly once drained, or abruptly when its work never finishes") {
  LinkScript link;
  go_live(link);
  REQUIRE(link(DisconnectNotice{1, NoticeKind::refresh, "warning", ""}) == Lines{"open 2"});
  REQUIRE(link(Ready{2, std::nullopt, ""}) == Lines{"retire 1", "wait 10000 ms"});
  // A drained live socket is not closed: only retiring ones are.
  CHECK(link(Drained{2}).empty());
  link.advance(9999ms);
  CHECK(link(TimerFired{}) == Lines{"wait 1 ms"});
  link.advance(1ms);
  CHECK(link(TimerFired{}) == Lines{"close 1 abruptly"});
  CHECK(link.log() == Lines{"warn Slack: connection 1 still had work in flight after 10000 ms; closing it"});
  CHECK(link(Drained{1}).empty());  // too late to matter
  CHECK(link(ReadError{1, "closed"}).empty());
  CHECK(link.core().sockets() == 1);
}

TEST_CASE("a known session is resumed where it stopped; without one the next connect is fresh") {
  CoreOptions options;
  options.platform = "Mattermost";
  options.socket_name = "WebSocket";
  LinkScript link(0.0, options);
  REQUIRE(link(Start{}) == Lines{"open 1"});
  CHECK(link(Ready{1, Session{"conn-a", 0}, ""}).empty());
  CHECK(link.log() == Lines{"info Mattermost: WebSocket 1 open"});
  CHECK(link(FrameReceived{1, 41}).empty());
  CHECK(link(FrameReceived{1, 42}).empty());
  CHECK(link(FrameReceived{1, std::nullopt}).empty());
  CHECK(link(ReadError{1, "reset by peer"}) == Lines{"open 2 resume conn-a@42"});
  CHECK(link.log() == Lines{"warn Mattermost: WebSocket 1 lost (reset by peer); reconnecting"});
  // A failed resume keeps the session for the next try.
  CHECK(link(ConnectFailed{2, "HTTP 502"}) == Lines{"wait 500 ms"});
  link.advance(500ms);
  CHECK(link(TimerFired{}) == Lines{"open 3 resume conn-a@42"});
  // The platform answered with no session to resume: the one after that starts fresh.
  CHECK(link(Ready{3, std::nullopt, ""}).empty());
  CHECK_FALSE(link.core().session());
  CHECK(link(ReadError{3, "reset by peer"}) == Lines{"open 4"});
}

TEST_CASE("a refused credential ends the run with the platform's words, and nothing is retried") {
  LinkScript link;
  REQUIRE(link(Start{}) == Lines{"open 1"});
  const std::string why = "Slack refused SLACK_APP_TOKEN: apps.connections.open answered \"invalid_auth\"";
  CHECK(link(ConnectFailed{1, why, /*permanent=*/true}) == Lines{"fatal: " + why, "finished"});
  CHECK(link.log() == Lines{"error " + why, "info Slack: all connections closed"});
  link.advance(1min);
  CHECK(link(TimerFired{}).empty());
}

TEST_CASE("events about sockets the core does not hold change nothing") {
  LinkScript link;
  go_live(link);
  CHECK(link(ReadError{7, "closed"}).empty());
  CHECK(link(DisconnectNotice{7, NoticeKind::disabled, "link_disabled", ""}).empty());
  CHECK(link(ConnectFailed{1, "late"}).empty());
  CHECK(link(PongMissing{7}).empty());
  CHECK(link.core().live() == 1);
}
