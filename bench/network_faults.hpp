#pragma once
// What the network harnesses count after their faults, the same way for every platform: the
// notes of the check-ins sent against those stored (lost, handled twice) and the alerts
// delivered, and descriptors and memory across many reconnects.
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "bench/harness.hpp"

namespace tend::bench {

struct Tally {
  int lost = 0, twice = 0;                            // check-ins
  int alerts = 0, alerts_lost = 0, alerts_twice = 0;  // notes starting "net-alert-"
};

// How many times each note starting "net-" was stored as a check-in.
inline std::map<std::string, int> stored_notes(const std::filesystem::path& database) {
  SQLite::Database db(database.string(), SQLite::OPEN_READONLY);
  std::map<std::string, int> stored;
  SQLite::Statement notes(db, "SELECT note FROM checkins WHERE note LIKE 'net-%'");
  while (notes.executeStep()) ++stored[notes.getColumn(0).getString()];
  return stored;
}

// "net-alert-12" in a message Tend sent, or nothing.
inline std::string alert_note(const std::string& text) {
  const auto at = text.find("net-alert-");
  if (at == std::string::npos) return {};
  return text.substr(at, text.find_first_not_of("net-alert-0123456789", at) - at);
}

inline Tally tally(const std::set<std::string>& sent, const std::map<std::string, int>& stored,
                   const std::map<std::string, int>& alerts_delivered) {
  Tally t;
  for (const auto& note : sent) {
    const auto copies = stored.find(note);
    const int n = copies == stored.end() ? 0 : copies->second;
    t.lost += n == 0;
    t.twice += n > 1;
    if (note.rfind("net-alert-", 0) == 0) {
      ++t.alerts;
      const auto delivered = alerts_delivered.find(note);
      const int d = delivered == alerts_delivered.end() ? 0 : delivered->second;
      t.alerts_lost += d == 0;
      t.alerts_twice += d > 1;
    }
  }
  return t;
}

struct Reconnects {
  int count = 0;
  double seconds = 0;
  int fds_before = 0, fds_after = 0;
  double rss_before = 0, rss_after = 0;  // MiB
};

// `count` times: `drop` the connection and wait until `opened()` has grown and one socket is
// open again; the process's descriptors and memory before and after.
inline Reconnects reconnect_many(pid_t pid, int count, const std::function<void()>& drop,
                                 const std::function<std::size_t()>& opened,
                                 const std::function<int()>& open_sockets) {
  using namespace std::chrono;
  Reconnects r;
  r.count = count;
  r.fds_before = open_descriptors(pid);
  r.rss_before = status_mib(pid, "VmRSS");
  const auto start = steady_clock::now();
  for (int i = 0; i < count; ++i) {
    const auto before = opened();
    drop();
    while (!(opened() > before && open_sockets() == 1)) std::this_thread::sleep_for(100us);
  }
  r.seconds = duration<double>(steady_clock::now() - start).count();
  std::this_thread::sleep_for(1s);
  r.fds_after = open_descriptors(pid);
  r.rss_after = status_mib(pid, "VmRSS");
  return r;
}

// The rows every network harness ends its table with.
inline void print_steadiness(int max_sockets, const Reconnects& r, int exit_code) {
  std::printf("| most sockets open at once | %d |\n", max_sockets);
  std::printf("| reconnects | %d in %.1f s |\n", r.count, r.seconds);
  std::printf("| open file descriptors before → after | %d → %d |\n", r.fds_before, r.fds_after);
  std::printf("| resident memory before → after | %.1f MiB → %.1f MiB |\n", r.rss_before, r.rss_after);
  std::printf("| exit code after SIGTERM | %d |\n", exit_code);
}

}  // namespace tend::bench
