// Outbox messages delivered to the emulator through the real OutboxSender: DMs and channels,
// and a 429 honoured per channel with nothing lost.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "bot/outbox_sender.hpp"
#include "bot/platform/slack/delivery.hpp"
#include "storage/outbox.hpp"
#include "tests/emulator/slack_emulator.hpp"

using namespace tend;
using namespace std::chrono;

TEST_CASE("outbox messages reach Slack as DMs and channel posts; a 429 is honoured and nothing is lost") {
  emulator::SlackEmulator slack;
  slack.rate_limit("chat.postMessage", 1, 1);
  storage::Database db({":memory:"});
  SystemClock clock;
  {
    storage::Transaction tx(db);
    storage::Outbox outbox(db);
    outbox.enqueue({storage::OutboxRecipient::Kind::person, "U1", std::nullopt}, {"to a person", {}, {}},
                   clock.now(), "a");
    outbox.enqueue({storage::OutboxRecipient::Kind::channel, "C9", std::nullopt},
                   {"to the coordinators", {}, {}}, clock.now(), "b");
    outbox.enqueue({storage::OutboxRecipient::Kind::person, "U1", std::nullopt}, {"again", {}, {}},
                   clock.now(), "c");
    tx.commit();
  }
  boost::asio::io_context io;
  slack::WebApi api(io.get_executor(), slack.api_base(), "xoxb-emulator");
  slack::Delivery delivery(api);
  OutboxSender sender(io.get_executor(), db, clock, delivery, {milliseconds{100}, 8});
  boost::asio::co_spawn(io, sender.run(), boost::asio::detached);
  const auto deadline = steady_clock::now() + seconds(10);
  while (sender.delivered() < 3 && steady_clock::now() < deadline) io.run_for(milliseconds(50));
  sender.stop();
  io.run_for(milliseconds(50));

  CHECK(sender.delivered() == 3);
  auto posts = slack.calls("chat.postMessage");
  REQUIRE(posts.size() == 4);  // one was refused with 429 and sent again
  std::map<std::string, std::vector<steady_clock::time_point>> by_channel;
  for (const auto& p : posts) by_channel[p.args["channel"].get<std::string>()].push_back(p.at);
  CHECK(by_channel.count("DU1") == 1);
  CHECK(by_channel.count("C9") == 1);
  // The 429 answered the first post; the next one to that channel waited its Retry-After (1 s).
  const auto& first = posts.front();
  const auto limited = first.args["channel"].get<std::string>();
  CHECK(by_channel[limited][1] - by_channel[limited][0] >= milliseconds(950));
  CHECK(slack.calls("conversations.open").size() == 1);
  CHECK(db.sql().execAndGet("SELECT count(*) FROM outbox WHERE status = 'sent'").getInt() == 3);
}
