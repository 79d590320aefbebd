#pragma once
// What /metrics shows: counters and one histogram that the router, the outbox sender and the
// adapters add to with one line each, rendered in Prometheus's text exposition format.
//
// Labels are only ever the platform ("slack"), a command family's name from the registry
// ("checkin", never what a person typed) and an outcome: nothing here can carry a person's
// name, id or note. The registry is touched only from the io_context thread, like everything
// else in Tend, so it takes no locks.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace tend {

enum class Outcome { ok, refused, error };

// A value read at scrape time (outbox pending, jobs pending, resident memory).
struct Gauge {
  std::string name;  // "tend_jobs_pending"
  std::string help;
  double value = 0;
};

class Metrics {
 public:
  // Upper bounds, in seconds, of the ack latency buckets: fine below Slack's 3 s deadline.
  static constexpr std::array<double, 12> kAckBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1,    2.5};

  // `command`: the registry's family name, or "unknown" for a command Tend does not have.
  void command_handled(std::string_view platform, std::string_view command, Outcome outcome);
  // From receiving a command or button press to sending its acknowledgement.
  void ack_latency(std::string_view platform, std::chrono::nanoseconds latency);
  void outbox_sent(std::string_view platform);
  void outbox_dead(std::string_view platform);
  // A platform connection opened after the first one (a reconnect or a refresh).
  void reconnected(std::string_view platform);

  // Every series, each labelled with its platform; `platform`'s counters appear even at zero, so
  // a scrape right after start already shows every name. `gauges` are labelled with `platform`.
  std::string render(std::string_view platform, const std::vector<Gauge>& gauges) const;

 private:
  struct Histogram {
    std::array<uint64_t, kAckBuckets.size()> buckets{};  // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  // Compares (platform, command, outcome) keys as views, so a series is found without allocating.
  // Spelled out because clang 14 with libstdc++ 12 cannot compare a tuple of strings with a tuple
  // of string_views directly, as std::less<> would.
  struct CommandKeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
    template <class Key>
    static std::tuple<std::string_view, std::string_view, Outcome> view(const Key& k) {
      return {std::get<0>(k), std::get<1>(k), std::get<2>(k)};
    }
  };
  std::map<std::tuple<std::string, std::string, Outcome>, uint64_t, CommandKeyLess> commands_;
  std::map<std::string, Histogram, std::less<>> ack_latency_;
  std::map<std::string, uint64_t, std::less<>> outbox_sent_;
  std::map<std::string, uint64_t, std::less<>> outbox_dead_;
  std::map<std::string, uint64_t, std::less<>> reconnects_;
};

// The process's one registry.
Metrics& metrics();

// The process's resident memory in bytes, from /proc/self/statm (0 where there is none).
double resident_memory_bytes();

}  // namespace tend
