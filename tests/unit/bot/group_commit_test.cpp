// Commands that arrive together are handled in one transaction (group commit), each under its
// own savepoint, so one that fails takes none of its neighbours' work with it.
#include <catch2/catch.hpp>

#include "storage/audit.hpp"
#include "storage/checkins.hpp"
#include "test_workspace.hpp"

using namespace tend;
using Catch::Contains;

TEST_CASE("commands handled together: each keeps its own outcome, a failing one leaves no trace") {
  testing::TestWorkspace w;
  // A command whose handler writes, then fails the way a bug or a full disk would.
  w.registry.add(commands::Family{
      "boom",
      "fails after writing",
      {{"", "", "always fails", commands::anyone, [](commands::Context& ctx, std::string_view) -> Reply {
          ctx.audit("boom.half", std::nullopt, "half done");
          throw std::runtime_error("disk on fire");
        }}}});
  auto command = [](std::string id, std::string name, std::string text) -> platform::Inbound {
    return platform::Command{{"bo", "bo", "", {std::move(id)}}, std::move(name), std::move(text)};
  };
  const auto replies = w.router->handle_together({
      command("e1", "checkin", "4 first"), command("e2", "boom", ""), command("e3", "checkin", "7"),
      command("e4", "checkin", "5 second"),
      command("e1", "checkin", "4 first"),  // Slack's redelivery of e1, arriving in the same batch
  });
  REQUIRE(replies.size() == 5);
  CHECK_THAT(replies[0].text, Contains("Checked in at *4/5*"));
  CHECK_THAT(replies[1].text, Contains("something went wrong on my side") && Contains("reference"));
  CHECK_THAT(replies[2].text, Contains("from 1"));
  CHECK_THAT(replies[3].text, Contains("Checked in at *5/5*"));
  CHECK(replies[4] == replies[0]);

  const auto bo = storage::People(w.db).by_platform_id("console", "bo");
  REQUIRE(bo);
  const auto checkins = storage::Checkins(w.db).latest(bo->id, 10);
  REQUIRE(checkins.size() == 2);
  CHECK(checkins[0].note == "second");
  CHECK(checkins[1].note == "first");
  for (const auto& entry : storage::Audit(w.db).latest(100)) CHECK(entry.action != "boom.half");
}

TEST_CASE("two low check-ins in the same second are two alerts to the supervisor") {
  testing::TestWorkspace w;
  w.set_up_team();
  // Commands handled together share a clock reading; so do quick successive ones.
  w.say("bo", "/checkin 2 first thing");
  w.say("bo", "/checkin 1 worse now");
  CHECK(w.to_containing("sam", "first thing").size() == 1);
  CHECK(w.to_containing("sam", "worse now").size() == 1);
}

TEST_CASE("a newcomer with several commands in one batch is looked up once, and gets their profile") {
  testing::TestWorkspace w;
  int lookups = 0;
  w.router->set_profile_lookup(
      [&](std::string) -> boost::asio::awaitable<std::optional<platform::UserProfile>> {
        ++lookups;
        co_return platform::UserProfile{"Zed Quinn", "America/New_York"};
      });
  auto command = [](std::string id, std::string text) -> platform::Inbound {
    return platform::Command{{"zed", "zed", "", {std::move(id)}}, "checkin", std::move(text)};
  };
  const auto replies =
      w.run(w.router->together({command("z1", "4"), command("z2", "5"), command("z3", "3")}));
  REQUIRE(replies.size() == 3);
  CHECK(lookups == 1);
  const auto zed = storage::People(w.db).by_platform_id("console", "zed");
  REQUIRE(zed);
  CHECK(zed->display_name == "Zed Quinn");
  CHECK(zed->zone == "America/New_York");
}
