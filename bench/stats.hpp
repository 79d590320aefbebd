#pragma once
// The summaries every bench prints: what needs no emulator, so benches without one can use it.
#include <algorithm>
#include <vector>

namespace tend::bench {

// The value at fraction p (0 to 1) of the sorted values, nearest rank.
inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

inline double median(std::vector<double> values) {
  return percentile(std::move(values), 0.5);
}

}  // namespace tend::bench
