// bench_slack [runs=3] [burst=20000] [steady_seconds=5]
//
// Tend (`tend run`, every check-in committed to SQLite before its ack), the floor (floor_bot.cpp:
// a minimal C++ bot that only parses the envelope, commits one row to SQLite as Tend does, several
// envelopes to a commit when they are already readable, and acks; no routing, people, stored
// replies, scheduling or outbox, so how far Tend is above it is what those cost) and a minimal Bolt
// for JavaScript 5 app (tests/bolt/app.js, answering `/checkin <score>` in its ack, storing
// nothing), each driven in turn by the same load generator through the same in-repo Slack emulator
// over loopback Socket Mode, every command a `/checkin 4` from one of 100 people. For each bot,
// `runs` fresh processes; each run measures:
//   - resident memory when idle (after connecting and 200 warm-up commands),
//   - ack latency (envelope queued → its ack read) at a steady 1,000 commands/s, and the CPU
//     seconds of the bot process per 1,000 commands at that rate (batches are small there, so
//     what a command costs alone shows),
//   - a burst of `burst` commands sent at once: throughput at saturation, CPU seconds of the bot
//     process per 1,000 commands, and peak resident memory (VmHWM).
// Prints the medians over the runs and the ratios Tend/Bolt and floor/Bolt for each figure.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/harness.hpp"
#include "tests/bolt/pinned_node.hpp"

using namespace tend;
using namespace std::chrono;
using json = nlohmann::json;
using bench::cpu_seconds;
using bench::median;
using bench::percentile;
using bench::status_mib;

namespace {

constexpr int kUsers = 100;
constexpr int kWarmup = 200;
const std::filesystem::path kBoltDir = std::filesystem::path(TEND_SOURCE_DIR) / "tests" / "bolt";

struct Figures {
  double cpu_ms_per_1000 = 0;         // in the burst
  double steady_cpu_ms_per_1000 = 0;  // at 1,000 commands/s
  double throughput = 0;              // commands/s at saturation
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double idle_mib = 0, peak_mib = 0;
};

// Memory of the bot: the process itself, or for Bolt the node process (the only one).
double rss_mib(pid_t pid) {
  return status_mib(pid, "VmRSS");
}
double peak_mib(pid_t pid) {
  return status_mib(pid, "VmHWM");
}

std::vector<json> commands(emulator::SlackEmulator& slack, int count, int& next) {
  std::vector<json> out;
  for (int i = 0; i < count; ++i, ++next)
    out.push_back(slack.slash_command_envelope("U" + std::to_string(next % kUsers), "/checkin", "4 bench"));
  return out;
}

Figures run_once(const std::string& bot, int burst, int steady_seconds) {
  emulator::SlackEmulator slack;
  bench::add_people(slack, kUsers);
  const auto dir = bench::fresh_directory("bench-" + bot);
  std::unique_ptr<testing::ChildProcess> process;
  if (bot == "tend") {
    // BENCH_TEND_LOG=debug keeps Tend's log as bench-tend.log (how many envelopes shared a commit).
    const char* log_level = std::getenv("BENCH_TEND_LOG");
    process = bench::start_tend(dir, slack, log_level ? log_level : "warn");
  } else {
    // Bolt, or the floor: a single process each, started alike.
    const auto argv = bot == "floor" ? std::vector<std::string>{FLOOR_BINARY}
                                     : std::vector<std::string>{testing::pinned_node(kBoltDir).string(),
                                                                (kBoltDir / "app.js").string()};
    process = std::make_unique<testing::ChildProcess>(
        dir, argv,
        std::vector<std::string>{"SLACK_APP_TOKEN=xapp-emulator", "SLACK_BOT_TOKEN=xoxb-emulator",
                                 "SLACK_API_URL=" + slack.api_base()});
    if (!slack.wait_for_sockets(1, 30s))
      throw std::runtime_error(bot + " did not connect:\n" + process->log());
  }
  const pid_t pid = process->pid();

  int next = 0, sent = 0;
  Figures f;
  // Warm-up: every user seen once (Tend looks each up and stores them), JIT warmed for Bolt.
  slack.send_all(commands(slack, kWarmup, next));
  sent += kWarmup;
  if (!slack.wait_for_acked(sent, 60s)) throw std::runtime_error(bot + " did not ack the warm-up");
  std::this_thread::sleep_for(1s);
  f.idle_mib = rss_mib(pid);

  // Steady 1,000 commands/s: one every millisecond on a fixed schedule.
  std::vector<std::string> steady_ids;
  const double steady_cpu_before = cpu_seconds(pid);
  const auto start = steady_clock::now();
  for (int i = 0; i < steady_seconds * 1000; ++i) {
    std::this_thread::sleep_until(start + milliseconds(i));
    steady_ids.push_back(slack.send(commands(slack, 1, next).front()));
  }
  sent += steady_seconds * 1000;
  if (!slack.wait_for_acked(sent, 60s)) throw std::runtime_error(bot + " fell behind at 1,000/s");
  f.steady_cpu_ms_per_1000 = (cpu_seconds(pid) - steady_cpu_before) * 1000.0 / steady_seconds;
  std::vector<double> latencies;
  for (const auto& id : steady_ids)
    if (auto l = slack.ack_latency(id)) latencies.push_back(duration<double, std::milli>(*l).count());
  f.p50_ms = percentile(latencies, 0.5);
  f.p99_ms = percentile(latencies, 0.99);
  f.max_ms = percentile(latencies, 1.0);
  std::this_thread::sleep_for(500ms);

  // Burst: everything queued at once; throughput from the first send to the last ack.
  const double cpu_before = cpu_seconds(pid);
  const auto burst_envelopes = commands(slack, burst, next);
  const auto burst_start = steady_clock::now();
  const auto ids = slack.send_all(burst_envelopes);
  sent += burst;
  if (!slack.wait_for_acked(sent, 300s)) throw std::runtime_error(bot + " did not ack the burst");
  steady_clock::time_point last = burst_start;
  for (const auto& id : ids)
    if (auto t = slack.ack_time(id)) last = std::max(last, *t);
  const double cpu_after = cpu_seconds(pid);
  f.throughput = burst / duration<double>(last - burst_start).count();
  f.cpu_ms_per_1000 = (cpu_after - cpu_before) * 1000.0 / (burst / 1000.0);
  f.peak_mib = peak_mib(pid);

  process->signal(SIGTERM);
  process->wait(10s);
  if (std::getenv("BENCH_TEND_LOG")) std::ofstream("bench-" + bot + ".log") << process->log();
  std::filesystem::remove_all(dir);
  return f;
}

Figures medians(const std::vector<Figures>& runs) {
  auto pick = [&](double Figures::*field) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(r.*field);
    return median(v);
  };
  return {pick(&Figures::cpu_ms_per_1000), pick(&Figures::steady_cpu_ms_per_1000),
          pick(&Figures::throughput),      pick(&Figures::p50_ms),
          pick(&Figures::p99_ms),          pick(&Figures::max_ms),
          pick(&Figures::idle_mib),        pick(&Figures::peak_mib)};
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 3;
  const int burst = argc > 2 ? std::atoi(argv[2]) : 20000;
  const int steady_seconds = argc > 3 ? std::atoi(argv[3]) : 5;
  if (!std::filesystem::exists(kBoltDir / "node_modules" / "@slack" / "bolt") ||
      testing::pinned_node(kBoltDir).empty()) {
    std::cerr << "Bolt is not installed: run `npm ci` in tests/bolt (./dev test does)\n";
    return 1;
  }
  std::map<std::string, std::vector<Figures>> all;
  // Interleaved, so a slow spell of the machine falls on every bot alike.
  for (int r = 0; r < runs; ++r)
    for (const std::string bot : {"tend", "floor", "bolt"}) {
      std::cerr << "run " << r + 1 << "/" << runs << ": " << bot << "\n";
      all[bot].push_back(run_once(bot, burst, steady_seconds));
    }
  const auto t = medians(all["tend"]);
  const auto fl = medians(all["floor"]);
  const auto b = medians(all["bolt"]);
  std::printf("Medians of %d runs each; burst of %d commands; steady 1,000 commands/s for %d s.\n\n", runs,
              burst, steady_seconds);
  std::printf(
      "| figure | Tend | floor | Bolt 5 | Tend/Bolt | floor/Bolt | target |\n"
      "|---|---|---|---|---|---|---|\n");
  auto row = [&](const char* name, double Figures::*field, const char* unit, const char* target) {
    auto figure = [](double v) {
      char text[32];
      std::snprintf(text, sizeof text, v >= 1000 ? "%.0f" : "%.3g", v);
      return std::string(text);
    };
    const double tend = t.*field, floor = fl.*field, bolt = b.*field;
    std::printf("| %s | %s %s | %s %s | %s %s | %.2f | %.2f | %s |\n", name, figure(tend).c_str(), unit,
                figure(floor).c_str(), unit, figure(bolt).c_str(), unit, bolt > 0 ? tend / bolt : 0,
                bolt > 0 ? floor / bolt : 0, target);
  };
  row("CPU per 1,000 commands (burst)", &Figures::cpu_ms_per_1000, "ms", "≤ 0.20");
  row("CPU per 1,000 commands (steady 1,000/s)", &Figures::steady_cpu_ms_per_1000, "ms", "≤ 0.20");
  row("throughput at saturation", &Figures::throughput, "cmd/s", "");
  row("ack latency p50 at 1,000/s", &Figures::p50_ms, "ms", "");
  row("ack latency p99 at 1,000/s", &Figures::p99_ms, "ms", "≤ 0.20");
  row("ack latency max at 1,000/s", &Figures::max_ms, "ms", "");
  row("resident memory, idle", &Figures::idle_mib, "MiB", "≤ 0.10");
  row("resident memory, burst peak", &Figures::peak_mib, "MiB", "≤ 0.10");
  return 0;
}
