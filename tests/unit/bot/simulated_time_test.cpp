// The console's `:advance` and the test workspace move a simulated clock the way passing time
// would: each queued message and due job is handled at its own time, in order.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "bot/simulated_time.hpp"
#include "storage/outbox.hpp"

using namespace tend;
using namespace std::chrono;

namespace {

const Instant t0{seconds{1'780'000'000}};

struct Stepping {
  storage::Database db{{":memory:"}};
  ManualClock clock{t0};
  boost::asio::io_context io;
  std::vector<std::string> delivered;  // "<text> at +<minutes>"
  int arrivals = 0;

  void queue(const std::string& text, minutes at) {
    storage::Outbox(db).enqueue({storage::OutboxRecipient::Kind::person, "bo", std::nullopt},
                                Message{text, {}, {}}, t0 + at, text);
  }
  // Delivers the due messages, as the outbox sender would.
  boost::asio::awaitable<void> settle() {
    storage::Outbox outbox(db);
    for (const auto& item : outbox.due(clock.now(), 100)) {
      delivered.push_back(item.message.text + " at +" +
                          std::to_string(duration_cast<minutes>(clock.now() - t0).count()));
      outbox.mark_sent(item.id, clock.now());
    }
    co_return;
  }
  void advance(seconds by, bool stop_at_messages) {
    ClockSteps steps;
    steps.stop_at_messages = stop_at_messages;
    steps.move = [this](seconds step) { clock.advance(step); };
    steps.settle = [this] { return settle(); };
    steps.arrived = [this] { ++arrivals; };
    auto done = boost::asio::co_spawn(io, advance_through_due(db, clock, by, steps), boost::asio::use_future);
    io.run();
    io.restart();
    done.get();
  }
};

}  // namespace

TEST_CASE("stepping through queued messages delivers each at its own time, in order, up to the target") {
  Stepping s;
  s.queue("second", minutes(180));
  s.queue("first", minutes(60));
  s.queue("too late", minutes(600));
  s.advance(hours(5), true);
  CHECK(s.delivered == std::vector<std::string>{"first at +60", "second at +180"});
  CHECK(s.arrivals == 2);
  CHECK(s.clock.now() == t0 + hours(5));
  CHECK(storage::Outbox(s.db).count_pending() == 1);
}

TEST_CASE("without message stops the clock passes queued messages: they wait for the test to read") {
  Stepping s;
  s.queue("a message", minutes(60));
  s.advance(hours(5), false);
  CHECK(s.arrivals == 0);
  CHECK(s.delivered == std::vector<std::string>{"a message at +300"});  // only the final settle saw it
  CHECK(s.clock.now() == t0 + hours(5));
}
