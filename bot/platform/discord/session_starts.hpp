#pragma once
// When Tend may start a new gateway session (IDENTIFY). Discord allows `total` a day (1,000 for
// most bots; GET /gateway/bot says how many are left and when they reset) and resets the bot's
// token when they run out, so a reconnect storm must never spend them. A RESUME costs nothing;
// only new sessions are counted. The rule, without I/O:
//   - Discord's own pace: at most `max_concurrency` new sessions per 5 seconds;
//   - a storm slows down: after three new sessions within an hour, each next one waits twice as
//     long as the last, up to ten minutes (at most about twenty an hour, far below the budget);
//   - a reserve is kept for a person who restarts Tend: with only a twentieth of the day's budget
//     left (at least two), no new session starts until the budget resets.
#include <chrono>
#include <deque>
#include <string>

namespace tend::discord {

class SessionStarts {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limit {
    int total = 1000;
    int remaining = 1000;
    std::chrono::milliseconds reset_after{std::chrono::hours(24)};
    int max_concurrency = 1;
  };
  static constexpr int kFreeInAnHour = 3;
  static constexpr std::chrono::minutes kLongestWait{10};

  SessionStarts(Limit limit, Clock::time_point now);

  // The earliest moment the next IDENTIFY may go (`now` when it may go at once).
  Clock::time_point next_at(Clock::time_point now);
  // An IDENTIFY went out at `now`.
  void spent(Clock::time_point now);

  int remaining(Clock::time_point now);
  int total() const { return limit_.total; }
  int reserve() const;
  // Whether next_at waits for the daily reset (only the reserve is left), for the log.
  bool holding_reserve(Clock::time_point now);

 private:
  void roll_over(Clock::time_point now);

  Limit limit_;
  Clock::time_point reset_at_;
  std::deque<Clock::time_point> last_hour_;  // IDENTIFYs sent in the last hour, oldest first
};

}  // namespace tend::discord
