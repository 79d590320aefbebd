#pragma once
// Stored times are whole seconds since the Unix epoch, UTC: the one conversion each way.
#include <chrono>
#include <cstdint>

#include "base/clock.hpp"

namespace tend::storage {

inline int64_t unix_seconds(Instant t) {
  return t.time_since_epoch().count();
}
inline Instant from_unix_seconds(int64_t s) {
  return Instant{std::chrono::seconds{s}};
}

}  // namespace tend::storage
