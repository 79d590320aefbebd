#pragma once
// Turns due jobs into messages. One timer, armed for the earliest due_at (an index lookup, never
// a scan); when it fires, each due job runs in its own transaction, so a failure in one cannot
// lose another. Jobs that fell due while Tend was down run at start and say they are late.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>

#include "base/clock.hpp"
#include "commands/registry.hpp"
#include "storage/database.hpp"
#include "storage/settings_store.hpp"

namespace tend {

class Scheduler {
 public:
  Scheduler(boost::asio::any_io_executor executor, storage::Database& db, const Clock& clock,
            const commands::Registry& registry, const storage::SettingValues& file_settings);

  // Called after a job queued outbox messages, so the sender wakes at once.
  void on_outbox_written(std::function<void()> callback) { on_outbox_ = std::move(callback); }
  // A job was committed that may be earlier than the one the timer waits for.
  void wake();
  void stop();
  boost::asio::awaitable<void> run();
  // Runs every job due at the clock's now; returns how many ran.
  int run_due();
  int64_t jobs_run() const { return jobs_run_; }

 private:
  boost::asio::steady_timer timer_;
  storage::Database& db_;
  const Clock& clock_;
  const commands::Registry& registry_;
  const storage::SettingValues& file_settings_;
  std::function<void()> on_outbox_;
  bool stopping_ = false;
  int64_t jobs_run_ = 0;
};

}  // namespace tend
