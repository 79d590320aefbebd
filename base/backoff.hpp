#pragma once
// How long to wait before trying again, written once for every retry in Tend (reconnects, Web
// API calls, outbox deliveries): the first wait doubles with each failure, up to half of it
// again is added at random so that many clients that failed together do not retry together,
// and no wait is ever above the cap.
#include <algorithm>
#include <chrono>
#include <functional>
#include <random>

namespace tend {

// Where in its jitter range a wait falls: a number in [0, 1). Tests pass a fixed one.
using Jitter = std::function<double()>;

inline double random_jitter() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

struct Backoff {
  std::chrono::milliseconds first;
  std::chrono::milliseconds cap;

  // The wait before try number `attempt + 1` (attempt 0 is the wait after the first failure).
  std::chrono::milliseconds delay(int attempt, double jitter) const {
    const auto doubled = first * (std::int64_t{1} << std::clamp(attempt, 0, 20));
    const auto base = std::min(cap, doubled);
    const auto extra = std::chrono::milliseconds(
        static_cast<std::int64_t>(static_cast<double>(base.count()) / 2 * std::clamp(jitter, 0.0, 1.0)));
    return std::min(cap, base + extra);
  }
  std::chrono::milliseconds delay(int attempt) const { return delay(attempt, random_jitter()); }
};

}  // namespace tend
