#pragma once
// Every time-dependent piece asks a Clock, so tests and the console can move time.
#include <chrono>

namespace tend {

using Instant = std::chrono::sys_seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Whole seconds: what is stored and compared with due times.
  virtual Instant now() const = 0;
  // Sub-second, for timers: waiting for "due - now()" with now() floored would wake up to a
  // second late.
  virtual std::chrono::system_clock::time_point precise_now() const { return now(); }
};

class SystemClock final : public Clock {
 public:
  Instant now() const override { return std::chrono::floor<std::chrono::seconds>(precise_now()); }
  std::chrono::system_clock::time_point precise_now() const override {
    return std::chrono::system_clock::now();
  }
};

// The console's simulated clock: real time plus an offset that `:advance` grows (and that is
// stored with the data, so it keeps its place across restarts).
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::chrono::seconds offset = {}) : offset_(offset) {}
  Instant now() const override { return SystemClock{}.now() + offset_; }
  std::chrono::system_clock::time_point precise_now() const override {
    return std::chrono::system_clock::now() + offset_;
  }
  void advance(std::chrono::seconds by) { offset_ += by; }
  std::chrono::seconds offset() const { return offset_; }

 private:
  std::chrono::seconds offset_;
};

// A clock that only moves when told: for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : now_(start) {}
  Instant now() const override { return now_; }
  void set(Instant t) { now_ = t; }
  void advance(std::chrono::seconds by) { now_ += by; }

 private:
  Instant now_;
};

}  // namespace tend
