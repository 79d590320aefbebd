#include "bot/simulated_time.hpp"

#include <algorithm>
#include <optional>

#include "storage/jobs.hpp"
#include "storage/outbox.hpp"

namespace tend {

boost::asio::awaitable<void> advance_through_due(storage::Database& db, const Clock& clock,
                                                 std::chrono::seconds by, const ClockSteps& steps) {
  const auto target = clock.now() + by;
  for (;;) {
    auto next = storage::Jobs(db).earliest();
    if (steps.stop_at_messages)
      if (auto message = storage::Outbox(db).earliest_pending())
        next = next ? std::min(*next, *message) : *message;
    if (!next || *next > target) break;
    if (*next > clock.now()) {
      steps.move(*next - clock.now());
      if (steps.arrived) steps.arrived();
    }
    co_await steps.settle();
  }
  if (target > clock.now()) steps.move(target - clock.now());
  co_await steps.settle();
}

}  // namespace tend
