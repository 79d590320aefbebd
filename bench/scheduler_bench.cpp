// bench_scheduler [pending=1000000] [samples=10]
//
// The scheduler with a million pending jobs: how long Tend takes to start (open the database,
// find the earliest due job), resident memory with 0 and with N pending jobs (each measured in a
// fresh child process), and how late a due job reaches the adapter (real clock, real timers,
// the real OutboxSender, quiet hours off). Prints medians.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include <spdlog/spdlog.h>

#include "bot/outbox_sender.hpp"
#include "bot/scheduler.hpp"
#include "commands/families.hpp"
#include "storage/jobs.hpp"
#include "storage/people.hpp"
#include "storage/settings_store.hpp"

using namespace tend;
using namespace std::chrono;

namespace {

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void populate(const std::filesystem::path& file, int pending) {
  std::filesystem::remove(file);
  std::filesystem::remove(file.string() + "-wal");
  std::filesystem::remove(file.string() + "-shm");
  storage::Database db({file});
  storage::Transaction tx(db);
  auto person = storage::People(db).create("bench", "U1", "Bench", SystemClock{}.now());
  const auto start = SystemClock{}.now() + hours(24);
  storage::Jobs jobs(db);
  for (int i = 0; i < pending; ++i)
    jobs.schedule({storage::JobKind::checkin_prompt, start + seconds(i % (30 * 86400)),
                   storage::PersonJob{person.id}, "bench:" + std::to_string(i), person.id});
  tx.commit();
}

// In a fresh process: open the database and find the next due job, as Tend does at start.
struct StartFigures {
  double startup_ms;
  long rss_kib;
};
StartFigures measure_start(const std::filesystem::path& file) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const auto t0 = steady_clock::now();
    storage::Database db({file});
    commands::Registry registry;
    commands::add_all(registry);
    boost::asio::io_context io;
    storage::SettingValues settings;
    SystemClock clock;
    Scheduler scheduler(io.get_executor(), db, clock, registry, settings);
    auto next = storage::Jobs(db).earliest();
    scheduler.run_due();
    const double ms = duration<double, std::milli>(steady_clock::now() - t0).count();
    (void)next;
    StartFigures f{ms, rss_kib()};
    if (write(fds[1], &f, sizeof f) != sizeof f) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  StartFigures f{};
  if (read(fds[0], &f, sizeof f) != sizeof f) throw std::runtime_error("child failed");
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return f;
}

// Records when each message reaches it.
class RecordingAdapter final : public platform::Adapter {
 public:
  std::vector<system_clock::time_point> received;
  std::string platform() const override { return "bench"; }
  boost::asio::awaitable<void> run(platform::Dispatcher&) override { co_return; }
  void stop() override {}
  boost::asio::awaitable<platform::SendResult> send(const platform::Recipient&, const Message&) override {
    received.push_back(system_clock::now());
    co_return platform::SendResult{};
  }
  boost::asio::awaitable<std::optional<platform::UserProfile>> lookup_user(std::string) override {
    co_return std::nullopt;
  }
};

// With `pending` jobs in the database, schedules `samples` jobs due at the next whole seconds and
// measures how long after its due time each reached the adapter.
std::vector<double> measure_lateness(const std::filesystem::path& file, int samples) {
  storage::Database db({file});
  SystemClock clock;
  commands::Registry registry;
  commands::add_all(registry);
  storage::SettingValues settings{{"nudge.quiet_hours", "none"}, {"nudge.working_days", "mon-sun"}};
  boost::asio::io_context io;
  RecordingAdapter adapter;
  Scheduler scheduler(io.get_executor(), db, clock, registry, settings);
  OutboxSender sender(io.get_executor(), db, clock, adapter, {milliseconds{0}, 8});
  scheduler.on_outbox_written([&] { sender.wake(); });

  std::vector<Instant> due;
  {
    storage::Transaction tx(db);
    storage::People people(db);
    auto v = people.create("bench", "U2", "Vol", clock.now());
    auto s = people.create("bench", "U3", "Staff", clock.now());
    people.set_kind(s.id, storage::Kind::staff);
    people.set_supervisor(v.id, s.id);
    auto story = db.sql().exec("INSERT INTO stories (volunteer_id, at, what, created_at) VALUES (" +
                               std::to_string(v.id) + ", 0, 'bench', 0)");
    (void)story;
    const auto story_id = db.sql().getLastInsertRowid();
    const auto first = clock.now() + seconds(2);
    for (int i = 0; i < samples; ++i) {
      due.push_back(first + seconds(i));
      storage::Jobs(db).schedule({storage::JobKind::story_followup, due.back(),
                                  storage::StoryJob{story_id, seconds{86400}},
                                  "lateness:" + std::to_string(i), v.id});
    }
    tx.commit();
  }
  boost::asio::co_spawn(io, scheduler.run(), boost::asio::detached);
  boost::asio::co_spawn(io, sender.run(), boost::asio::detached);
  boost::asio::steady_timer stop_timer(io, seconds(samples + 4));
  stop_timer.async_wait([&](auto) {
    scheduler.stop();
    sender.stop();
  });
  io.run();
  std::vector<double> late;
  for (std::size_t i = 0; i < adapter.received.size() && i < due.size(); ++i)
    late.push_back(duration<double, std::milli>(adapter.received[i] - due[i]).count());
  return late;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  const int pending = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  const int samples = argc > 2 ? std::atoi(argv[2]) : 10;
  const auto dir = std::filesystem::temp_directory_path() / ("tend-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto empty_db = dir / "empty.db", full_db = dir / "full.db";

  populate(empty_db, 0);
  const auto t0 = steady_clock::now();
  populate(full_db, pending);
  const double populate_s = duration<double>(steady_clock::now() - t0).count();

  std::vector<double> start_empty, start_full;
  std::vector<long> rss_empty, rss_full;
  for (int i = 0; i < 5; ++i) {
    auto e = measure_start(empty_db);
    auto f = measure_start(full_db);
    start_empty.push_back(e.startup_ms);
    start_full.push_back(f.startup_ms);
    rss_empty.push_back(e.rss_kib);
    rss_full.push_back(f.rss_kib);
  }
  auto late = measure_lateness(full_db, samples);

  std::printf("scheduler benchmark (%d pending jobs; medians of 5 fresh starts)\n", pending);
  std::printf("  populate %d jobs                 %8.1f s\n", pending, populate_s);
  std::printf("  start-up, 0 pending              %8.1f ms\n", median(start_empty));
  std::printf("  start-up, %d pending        %8.1f ms   (target < 1000 ms)\n", pending, median(start_full));
  std::printf("  resident memory, 0 pending       %8.1f MiB\n", median(rss_empty) / 1024.0);
  std::printf("  resident memory, %d pending %8.1f MiB   (ratio %.2f; target: independent of pending)\n",
              pending, median(rss_full) / 1024.0, double(median(rss_full)) / double(median(rss_empty)));
  if (late.empty()) {
    std::printf("  lateness: no job was delivered (failure)\n");
  } else {
    std::printf("  lateness of a due job, %zu samples: median %.1f ms, max %.1f ms   (target <= 50 ms)\n",
                late.size(), median(late), *std::max_element(late.begin(), late.end()));
  }
  std::filesystem::remove_all(dir);
  return late.size() == static_cast<std::size_t>(samples) ? 0 : 1;
}
