#pragma once
// Delivers outbox rows through the adapter: paced per channel, Retry-After honoured, retried
// with capped backoff, and after too many attempts moved to a dead letter that the coordinators
// hear about. A row is marked sent only after the platform said so.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "base/clock.hpp"
#include "bot/platform/adapter.hpp"
#include "commands/registry.hpp"
#include "config/delivery_policy.hpp"
#include "storage/database.hpp"
#include "storage/outbox.hpp"
#include "storage/settings_store.hpp"

namespace tend {

// The delivery policy asked again just before a row goes (commands::Services::recheck): send,
// wait, hold for a break, or drop; with the message as it should read now.
struct OutboxCheck {
  config::Decision decision;
  Message message;
};

// What is asked about each row just before it goes. The runtime and every test of what people
// receive pass delivery_policy(); only tests of pacing and retries alone pass send_as_queued.
using SendCheck = std::function<OutboxCheck(const storage::OutboxItem&)>;
SendCheck delivery_policy(storage::Database& db, const Clock& clock, const commands::Registry& registry,
                          const storage::SettingValues& file_settings);
OutboxCheck send_as_queued(const storage::OutboxItem& item);

struct OutboxOptions {
  std::chrono::milliseconds pace{1000};  // minimum gap between two messages to one channel
  int max_attempts = 8;
};

class OutboxSender {
 public:
  // `platform`: the label on the metrics it counts ("slack").
  OutboxSender(boost::asio::any_io_executor executor, storage::Database& db, const Clock& clock,
               platform::Delivery& adapter, SendCheck check, OutboxOptions options,
               std::string platform = {});

  // Rows were committed: look again now instead of at the next planned time.
  void wake();
  void stop();
  // Runs until stop(): delivers what is due, then sleeps until the next row or pace slot.
  boost::asio::awaitable<void> run();
  // One pass over everything due now. Returns the earliest time anything is left waiting for.
  boost::asio::awaitable<std::optional<std::chrono::steady_clock::time_point>> deliver_due();

  int64_t delivered() const { return delivered_; }

 private:
  // Returns whether it queued alerts, which are due at once.
  bool give_up(const storage::OutboxItem& item, const platform::SendResult& result, bool is_alert);

  boost::asio::steady_timer timer_;
  storage::Database& db_;
  const Clock& clock_;
  platform::Delivery& adapter_;
  OutboxOptions options_;
  std::string platform_;
  SendCheck check_;
  // On the Clock's time line, so tests and the console's simulated clock drive pacing too.
  std::map<std::string, std::chrono::system_clock::time_point> channel_free_at_;
  bool stopping_ = false;
  int64_t delivered_ = 0;
};

}  // namespace tend
