#pragma once
// A whole Tend in one process for tests: real SQLite (in memory), the real registry, router and
// scheduler, and a clock that only moves when the test says. People talk to it by typing
// commands and pressing buttons, which reach the router the way Slack's do (a batch of one);
// what Tend sends is read back from the outbox.
#include <date/tz.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "bot/router.hpp"
#include "bot/scheduler.hpp"
#include "bot/simulated_time.hpp"
#include "commands/families.hpp"
#include "config/parse.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"

namespace tend::testing {

inline Instant london(int y, int mo, int d, int h, int mi) {
  return config::local_to_instant(
      date::local_days{date::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi},
      date::locate_zone("Europe/London"));
}

inline std::string london_text(Instant t) {
  return config::format_local(t, date::locate_zone("Europe/London"));
}

class TestWorkspace {
 public:
  // Wednesday 3 June 2026, 10:00 in London, unless told otherwise; "ada" is an admin by config.
  explicit TestWorkspace(Instant start = london(2026, 6, 3, 10, 0), storage::SettingValues file_settings = {})
      : clock(start), file_settings_(std::move(file_settings)) {
    commands::add_all(registry);
    router = std::make_unique<Router>(db, clock, registry, RouterOptions{"console", {"ada"}, file_settings_});
    router->on_outbox_written([this] { ++outbox_wakes; });
    scheduler = std::make_unique<Scheduler>(io.get_executor(), db, clock, registry, file_settings_);
  }

  storage::Database db{{":memory:"}};
  ManualClock clock;
  commands::Registry registry;
  std::unique_ptr<Router> router;
  // Before the scheduler: its timer must be destroyed while the io_context still exists.
  boost::asio::io_context io;
  std::unique_ptr<Scheduler> scheduler;
  int outbox_wakes = 0;

  // "/checkin 4 fine" typed by `who`.
  Reply say(const std::string& who, const std::string& line, std::vector<std::string> delivery_ids = {}) {
    const auto space = line.find(' ');
    const auto name = line.substr(1, space == std::string::npos ? std::string::npos : space - 1);
    const auto text = space == std::string::npos ? std::string() : line.substr(space + 1);
    return alone(platform::Command{{who, who, "", std::move(delivery_ids)}, name, text});
  }
  Reply press(const std::string& who, const Button& b) {
    return alone(platform::Action{{who, who, "", {}}, b.action_id, b.value, {}});
  }
  // Runs `task` on this workspace's io_context to its end (and no longer: a test may have other
  // work waiting there).
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    auto result = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    while (result.wait_for(std::chrono::seconds{0}) != std::future_status::ready) {
      io.restart();
      io.run_one();
    }
    return result.get();
  }
  // ada makes sam staff and sam the supervisor of bo.
  void set_up_team() {
    say("sam", "/tend help");
    say("bo", "/tend help");
    say("ada", "/tend admin person @sam staff");
    say("ada", "/tend admin supervisor @bo @sam");
  }
  // Moves time job by job, as the running scheduler would; messages stay queued for the test.
  void advance(std::chrono::seconds by) {
    ClockSteps steps;
    steps.move = [this](std::chrono::seconds step) { clock.advance(step); };
    steps.settle = [this]() -> boost::asio::awaitable<void> {
      scheduler->run_due();
      co_return;
    };
    run(advance_through_due(db, clock, by, steps));
  }
  const storage::SettingValues& file_settings() const { return file_settings_; }
  storage::Person person(const std::string& id) { return *storage::People(db).by_platform_id("console", id); }
  // Messages Tend has queued that are due now.
  std::vector<storage::OutboxItem> outbox() { return storage::Outbox(db).due(clock.now(), 10000); }
  // Every message queued for `who` whose text contains `text`, sent or not, in delivery order.
  std::vector<storage::OutboxItem> to_containing(const std::string& who, const std::string& text) {
    std::vector<storage::OutboxItem> out;
    for (auto& item : storage::Outbox(db).due(Instant{std::chrono::seconds{253402300799}}, 10000))
      if (item.recipient.id == who && item.message.text.find(text) != std::string::npos) out.push_back(item);
    return out;
  }

 private:
  Reply alone(platform::Inbound item) {
    std::vector<platform::Inbound> batch;
    batch.push_back(std::move(item));
    return run(router->together(std::move(batch))).front();
  }

  storage::SettingValues file_settings_;
};

}  // namespace tend::testing
