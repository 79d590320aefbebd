// New gateway sessions against Discord's daily budget: its own pace, a storm that slows down, and
// a reserve that is never spent, so that a day of reconnects cannot get the bot's token reset.
#include <algorithm>
#include <catch2/catch.hpp>

#include "bot/platform/discord/session_starts.hpp"

using namespace tend::discord;
using namespace std::chrono;
using Clock = SessionStarts::Clock;

namespace {

const Clock::time_point kStart{hours(100)};

// The gaps between new sessions when each starts as soon as it may, for `count` sessions.
std::vector<seconds> gaps(SessionStarts& starts, int count, Clock::time_point& now) {
  std::vector<seconds> out;
  for (int i = 0; i < count; ++i) {
    const auto at = starts.next_at(now);
    out.push_back(duration_cast<seconds>(at - now));
    now = at;
    starts.spent(now);
  }
  return out;
}

}  // namespace

TEST_CASE("the first session starts at once; then Discord's pace, then a storm slows down to 10 minutes") {
  SessionStarts starts({1000, 1000, hours(24), 1}, kStart);
  auto now = kStart;
  CHECK(gaps(starts, 12, now) ==
        std::vector<seconds>{0s, 5s, 5s, 5s, 10s, 20s, 40s, 80s, 160s, 320s, 600s, 600s});
  CHECK(starts.remaining(now) == 988);
}

TEST_CASE("a larger max_concurrency shortens Discord's pace, not the storm's ceiling") {
  SessionStarts starts({1000, 1000, hours(24), 16}, kStart);
  auto now = kStart;
  const auto waits = gaps(starts, 20, now);
  CHECK(waits[1] == 0s);  // 312 ms, rounded down
  CHECK(*std::max_element(waits.begin(), waits.end()) == 600s);
}

TEST_CASE("quiet for an hour, the pace is Discord's again") {
  SessionStarts starts({1000, 1000, hours(24), 1}, kStart);
  auto now = kStart;
  gaps(starts, 8, now);
  now += hours(1) + seconds(1);
  CHECK(starts.next_at(now) == now);
}

TEST_CASE("a day of reconnect storms never spends the reserve, and so never the budget") {
  SessionStarts starts({1000, 1000, hours(24), 1}, kStart);
  auto now = kStart;
  int started = 0;
  while (now < kStart + hours(24) - minutes(1)) {
    now = starts.next_at(now);
    if (now >= kStart + hours(24)) break;
    starts.spent(now);
    ++started;
  }
  CHECK(started < 1000 - starts.reserve());
  CHECK(starts.remaining(now) > starts.reserve());
}

TEST_CASE("with only the reserve left, the next session waits for the daily reset") {
  SessionStarts starts({1000, 52, minutes(90), 1}, kStart);
  CHECK(starts.reserve() == 50);
  CHECK(starts.next_at(kStart) == kStart);
  starts.spent(kStart);
  CHECK(starts.next_at(kStart + seconds(5)) == kStart + seconds(5));
  starts.spent(kStart + seconds(5));
  CHECK(starts.holding_reserve(kStart + seconds(10)));
  CHECK(starts.next_at(kStart + seconds(10)) == kStart + minutes(90));
  // After the reset, the day's budget is whole again.
  CHECK(starts.remaining(kStart + minutes(90)) == 1000);
  CHECK(starts.next_at(kStart + minutes(90)) >= kStart + minutes(90));
  CHECK_FALSE(starts.holding_reserve(kStart + minutes(90)));
}

TEST_CASE("a small budget keeps at least two") {
  SessionStarts starts({10, 3, hours(24), 1}, kStart);
  CHECK(starts.reserve() == 2);
  CHECK(starts.next_at(kStart) == kStart);
  starts.spent(kStart);
  CHECK(starts.next_at(kStart + hours(1)) == kStart + hours(24));
}
