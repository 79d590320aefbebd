#include "bot/platform/discord/session_starts.hpp"

#include <algorithm>

namespace tend::discord {

using namespace std::chrono;

SessionStarts::SessionStarts(Limit limit, Clock::time_point now)
    : limit_(limit), reset_at_(now + limit.reset_after) {
  limit_.max_concurrency = std::max(1, limit_.max_concurrency);
}

int SessionStarts::reserve() const {
  return std::max(2, limit_.total / 20);
}

void SessionStarts::roll_over(Clock::time_point now) {
  if (now >= reset_at_) {
    // A new day's budget; its own reset is a day later (GET /gateway/bot would tell exactly,
    // and a day is the longest it can be).
    limit_.remaining = limit_.total;
    reset_at_ = now + hours(24);
  }
  while (!last_hour_.empty() && now - last_hour_.front() >= hours(1)) last_hour_.pop_front();
}

int SessionStarts::remaining(Clock::time_point now) {
  roll_over(now);
  return limit_.remaining;
}

bool SessionStarts::holding_reserve(Clock::time_point now) {
  roll_over(now);
  return limit_.remaining <= reserve();
}

SessionStarts::Clock::time_point SessionStarts::next_at(Clock::time_point now) {
  if (holding_reserve(now)) return reset_at_;
  if (last_hour_.empty()) return now;
  auto gap = duration_cast<milliseconds>(seconds(5)) / limit_.max_concurrency;
  const auto storm = static_cast<int>(last_hour_.size()) - kFreeInAnHour;
  for (int i = 0; i < storm && gap < kLongestWait; ++i) gap *= 2;
  gap = std::min<milliseconds>(gap, kLongestWait);
  return std::max(now, last_hour_.back() + gap);
}

void SessionStarts::spent(Clock::time_point now) {
  roll_over(now);
  --limit_.remaining;
  last_hour_.push_back(now);
}

}  // namespace tend::discord
