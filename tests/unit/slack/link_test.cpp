// Each disconnect Slack sends (the real payloads in tests/fixtures/slack/socket_mode), decoded by
// the codec and handed to the connection core: what Tend does next and what it logs.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/platform/slack/codec.hpp"
#include "tests/unit/platform/link_script.hpp"

using namespace tend;
using namespace tend::link;
using Lines = std::vector<std::string>;
using tend::testing::LinkScript;

namespace {

// The notice Slack's fixture `disconnect_<reason>.json` becomes, as if it came on `socket`.
DisconnectNotice notice(const std::string& reason, SocketId socket) {
  const auto path =
      std::filesystem::path(TEND_FIXTURES_DIR) / "slack" / "socket_mode" / ("disconnect_" + reason + ".json");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const auto frame = slack::decode_frame(text.str());
  REQUIRE(std::holds_alternative<slack::Disconnect>(frame));
  REQUIRE(std::get<slack::Disconnect>(frame).reason == reason);
  return slack::link_notice(socket, std::get<slack::Disconnect>(frame));
}

void go_live(LinkScript& link) {
  REQUIRE(link(Start{}) == Lines{"open 1"});
  REQUIRE(link(Ready{1, std::nullopt, "1 open at Slack"}).empty());
}

}  // namespace

TEST_CASE("refresh_requested and warning: the next socket opens first, the old one closes when drained") {
  for (const std::string reason : {"refresh_requested", "warning"}) {
    INFO(reason);
    LinkScript link;
    go_live(link);
    CHECK(link(notice(reason, 1)) == Lines{"open 2"});
    CHECK(link.log() == Lines{"info Slack: connection 1 asked to refresh (" + reason + ")"});
    CHECK(link(Ready{2, std::nullopt, "2 open at Slack"}) == Lines{"retire 1", "wait 10000 ms"});
    CHECK(link.log() == Lines{"info Slack: connection 2 open (2 open at Slack)"});
    CHECK(link.core().sockets() == 2);
    CHECK(link(Drained{1}) == Lines{"close 1 properly 1000"});
    CHECK(link(ReadError{1, "closed"}).empty());
    CHECK(link.core().sockets() == 1);
    CHECK(link.core().live() == 2);
    // Slack repeats itself on the retiring socket: nothing more opens.
  }
}

TEST_CASE("a second refresh notice on a retiring socket opens nothing more") {
  LinkScript link;
  go_live(link);
  REQUIRE(link(notice("warning", 1)) == Lines{"open 2"});
  REQUIRE(link(Ready{2, std::nullopt, ""}) == Lines{"retire 1", "wait 10000 ms"});
  CHECK(link(notice("refresh_requested", 1)).empty());
  CHECK(link.core().sockets() == 2);
}

TEST_CASE("too_many_websockets: the extra socket closes and Tend keeps one") {
  SECTION("on the only socket: a replacement opens, then it retires") {
    LinkScript link;
    go_live(link);
    CHECK(link(notice("too_many_websockets", 1)) == Lines{"open 2"});
    CHECK(link.log() ==
          Lines{"warn Slack: too many sockets open (too_many_websockets); closing connection 1"});
    CHECK(link(Ready{2, std::nullopt, ""}) == Lines{"retire 1", "wait 10000 ms"});
    CHECK(link(Drained{1}) == Lines{"close 1 properly 1000"});
    CHECK(link(ReadError{1, "closed"}).empty());
    CHECK(link.core().sockets() == 1);
  }
  SECTION("on the socket being replaced: it closes, nothing new opens") {
    LinkScript link;
    go_live(link);
    REQUIRE(link(notice("warning", 1)) == Lines{"open 2"});
    REQUIRE(link(Ready{2, std::nullopt, ""}) == Lines{"retire 1", "wait 10000 ms"});
    CHECK(link(notice("too_many_websockets", 1)).empty());
    CHECK(link(Drained{1}) == Lines{"close 1 properly 1000"});
    CHECK(link(ReadError{1, "closed"}).empty());
    CHECK(link.core().live() == 2);
  }
}

TEST_CASE("link_disabled: Tend stops with a message that says what to do") {
  LinkScript link;
  go_live(link);
  const std::string why =
      "Slack disabled Socket Mode for this app (disconnect: link_disabled); turn Socket Mode back on in the "
      "app's settings and start Tend again";
  CHECK(link(notice("link_disabled", 1)) == Lines{"fatal: " + why, "retire 1", "wait 10000 ms"});
  CHECK(link.log() == Lines{"error " + why});
  CHECK(link(Drained{1}) == Lines{"close 1 properly 1000"});
  CHECK(link(ReadError{1, "closed"}) == Lines{"finished"});
  CHECK(link.log() == Lines{"info Slack: all connections closed"});
}

TEST_CASE("a reason Slack adds later is treated as a refresh") {
  const auto unknown = slack::link_notice(1, slack::Disconnect{"something_new"});
  CHECK(unknown.kind == NoticeKind::refresh);
  CHECK(unknown.reason == "something_new");
}
