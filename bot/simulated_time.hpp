#pragma once
// Moving a simulated clock forward (the console's `:advance`, the test workspace's) the way time
// passing would: the clock stops at each moment something falls due, in order, and what is due
// there runs before it moves on, so each reminder or prompt sees what ran before it.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>

#include "base/clock.hpp"
#include "storage/database.hpp"

namespace tend {

struct ClockSteps {
  // Whether queued outbox rows are stops too, as well as due jobs: the console delivers them at
  // their time; the test workspace leaves them queued for the test to read.
  bool stop_at_messages = false;
  // Moves the simulated clock forward by this much.
  std::function<void(std::chrono::seconds)> move;
  // Runs what is due at the clock's now.
  std::function<boost::asio::awaitable<void>()> settle;
  // Optional: the clock has just stopped at a due moment, before what is due there runs.
  std::function<void()> arrived;
};

// Leaves `clock` `by` later, with everything due by then run at its own time.
boost::asio::awaitable<void> advance_through_due(storage::Database& db, const Clock& clock,
                                                 std::chrono::seconds by, const ClockSteps& steps);

}  // namespace tend
