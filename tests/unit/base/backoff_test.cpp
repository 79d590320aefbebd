// The one backoff formula every retry in Tend uses.
#include <catch2/catch.hpp>

#include "base/backoff.hpp"

using namespace tend;
using namespace std::chrono_literals;

TEST_CASE("backoff doubles from the first wait, adds up to half again, and never passes the cap") {
  const Backoff backoff{500ms, 30s};
  CHECK(backoff.delay(0, 0.0) == 500ms);
  CHECK(backoff.delay(1, 0.0) == 1000ms);
  CHECK(backoff.delay(5, 0.0) == 16000ms);
  CHECK(backoff.delay(6, 0.0) == 30s);
  CHECK(backoff.delay(60, 0.0) == 30s);
  CHECK(backoff.delay(0, 0.5) == 625ms);
  CHECK(backoff.delay(4, 0.999) == 11996ms);
  CHECK(backoff.delay(5, 0.999) == 23992ms);
  CHECK(backoff.delay(6, 0.999) == 30s);
  CHECK(backoff.delay(-3, 0.0) == 500ms);
}

TEST_CASE("random jitter stays within its range and varies") {
  const Backoff backoff{1000ms, 1h};
  bool varied = false;
  for (int i = 0; i < 100; ++i) {
    const auto wait = backoff.delay(0);
    CHECK(wait >= 1000ms);
    CHECK(wait < 1500ms);
    varied = varied || wait != backoff.delay(0);
  }
  CHECK(varied);
}
