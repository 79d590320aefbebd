// bench_mattermost [runs=3] [burst=20000] [steady_seconds=5]
//
// Tend on Mattermost beside Tend on Slack, measured in the same run with the same load: every
// command a `/checkin 4` from one of 100 people. Three paths, each a fresh `tend run` against its
// in-repo emulator over loopback:
//   - Slack: slash commands over Socket Mode; acknowledged when the ack frame is read (the Tend
//     column of bench_slack);
//   - Mattermost, typed in a DM ("checkin 4 bench"): `posted` events over the WebSocket;
//     acknowledged when Tend's answer post reaches the server (POST /api/v4/posts);
//   - Mattermost, slash commands: the server's POSTs to /mattermost/command (up to 32 at once,
//     kept alive, as the server's HTTP client sends them); acknowledged when the answer is read.
// Each run measures ack latency at a steady 1,000 commands/s, then a burst of `burst` commands
// sent at once: throughput, and CPU seconds of the Tend process per 1,000 commands. Prints the
// medians over the runs and each Mattermost figure's ratio to Slack's.
#include <cstdio>
#include <future>
#include <iostream>
#include <map>
#include <thread>

#include "bench/harness.hpp"

using namespace tend;
using namespace std::chrono;
using json = nlohmann::json;
using bench::cpu_seconds;
using bench::median;
using bench::percentile;

namespace {

constexpr int kUsers = 100;
constexpr int kWarmup = 200;

struct Figures {
  double cpu_ms_per_1000 = 0;
  double throughput = 0;  // commands/s at saturation
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

// One way of sending commands to Tend: `send` sends `count` commands at once and returns, for
// each, when it was sent and when it was acknowledged (waiting up to `timeout` for all).
struct Path {
  std::function<std::vector<std::pair<steady_clock::time_point, steady_clock::time_point>>(int count,
                                                                                           seconds timeout)>
      send;
  pid_t pid = 0;
};

Figures measure(Path& path, int burst, int steady_seconds, const std::string& name) {
  Figures f;
  path.send(kWarmup, 60s);  // every user seen once: Tend looks each up and stores them
  std::this_thread::sleep_for(500ms);

  // Steady 1,000 commands/s: one every millisecond on a fixed schedule.
  const auto start = steady_clock::now();
  for (int i = 0; i < steady_seconds * 1000; ++i) {
    std::this_thread::sleep_until(start + milliseconds(i));
    path.send(1, 0s);
  }
  // Then one call that waits for every answer.
  const auto times = path.send(0, 60s);
  std::vector<double> latencies;
  for (const auto& [sent, acked] : times)
    if (sent >= start && acked >= sent)
      latencies.push_back(duration<double, std::milli>(acked - sent).count());
  if (latencies.size() < static_cast<std::size_t>(steady_seconds * 1000))
    throw std::runtime_error(name + " fell behind at 1,000/s");
  f.p50_ms = percentile(latencies, 0.5);
  f.p99_ms = percentile(latencies, 0.99);
  f.max_ms = percentile(latencies, 1.0);
  std::this_thread::sleep_for(500ms);

  // Burst: everything sent at once; throughput from the first send to the last ack.
  const double cpu_before = cpu_seconds(path.pid);
  const auto burst_start = steady_clock::now();
  const auto burst_times = path.send(burst, 300s);
  auto last = burst_start;
  int acked = 0;
  for (const auto& [sent, at] : burst_times)
    if (sent >= burst_start && at >= sent) {
      last = std::max(last, at);
      ++acked;
    }
  if (acked < burst) throw std::runtime_error(name + " did not acknowledge the burst");
  f.cpu_ms_per_1000 = (cpu_seconds(path.pid) - cpu_before) * 1000.0 / (burst / 1000.0);
  f.throughput = burst / duration<double>(last - burst_start).count();
  return f;
}

// A fresh `tend run` against a fresh emulator, stopped and cleaned up when the run ends.
template <class Emulator>
struct Session {
  Emulator platform;
  std::filesystem::path dir;
  std::unique_ptr<testing::ChildProcess> tend;
  Session(const std::string& name, const std::string& config) {
    bench::add_people(platform, kUsers);
    dir = bench::fresh_directory(name, config);
    tend = bench::start_tend(dir, platform);
  }
  ~Session() {
    tend->signal(SIGTERM);
    tend->wait(10s);
    std::filesystem::remove_all(dir);
  }
};

Figures run_slack(int burst, int steady_seconds) {
  Session<emulator::SlackEmulator> session("bench-mm-slack", "");
  auto& slack = session.platform;
  int next = 0, total_sent = 0;
  std::vector<std::pair<std::string, steady_clock::time_point>> sent;  // envelope id, when sent
  Path path;
  path.pid = session.tend->pid();
  path.send = [&](int count, seconds timeout) {
    std::vector<json> envelopes;
    for (int i = 0; i < count; ++i, ++next)
      envelopes.push_back(
          slack.slash_command_envelope("U" + std::to_string(next % kUsers), "/checkin", "4 bench"));
    const auto at = steady_clock::now();
    for (const auto& id :
         count == 1 ? std::vector<std::string>{slack.send(envelopes.front())} : slack.send_all(envelopes))
      sent.emplace_back(id, at);
    total_sent += count;
    std::vector<std::pair<steady_clock::time_point, steady_clock::time_point>> out;
    if (timeout == 0s) return out;
    if (!slack.wait_for_acked(total_sent, timeout))
      throw std::runtime_error("Slack: not every command was acknowledged");
    // Each from the emulator's own clock: the envelope queued, its ack read.
    for (const auto& [id, when] : sent)
      if (auto acked = slack.ack_time(id))
        if (auto latency = slack.ack_latency(id)) out.emplace_back(*acked - *latency, *acked);
    sent.clear();
    return out;
  };
  return measure(path, burst, steady_seconds, "Tend on Slack");
}

Figures run_mattermost_dm(int burst, int steady_seconds) {
  Session<emulator::MattermostEmulator> session("bench-mm-dm", bench::kMattermostHttp);
  auto& mm = session.platform;
  int next = 0;
  std::size_t answered_before = 0;
  std::vector<std::pair<std::string, steady_clock::time_point>> sent;  // post id, when sent
  Path path;
  path.pid = session.tend->pid();
  path.send = [&](int count, seconds timeout) {
    std::vector<std::pair<std::string, std::string>> posts;
    for (int i = 0; i < count; ++i, ++next)
      posts.emplace_back(bench::mattermost_user(next % kUsers), "checkin 4 bench");
    const auto at = steady_clock::now();
    if (count > 0)
      for (const auto& id : mm.send_posts(posts)) sent.emplace_back(id, at);
    std::vector<std::pair<steady_clock::time_point, steady_clock::time_point>> out;
    if (timeout == 0s) return out;
    if (!mm.wait_for_answers(answered_before + sent.size(), timeout))
      throw std::runtime_error("Mattermost: not every DM was answered");
    answered_before += sent.size();
    // Each from the emulator's own clock: the event queued, the answer post received.
    for (const auto& [id, when] : sent)
      if (auto answered = mm.answered_at(id))
        if (auto latency = mm.answer_latency(id)) out.emplace_back(*answered - *latency, *answered);
    sent.clear();
    return out;
  };
  return measure(path, burst, steady_seconds, "Tend on Mattermost (DM)");
}

Figures run_mattermost_slash(int burst, int steady_seconds) {
  Session<emulator::MattermostEmulator> session("bench-mm-slash", bench::kMattermostHttp);
  auto& mm = session.platform;
  const auto url = bench::listener_url(*session.tend) + "/mattermost/command";
  int next = 0;
  std::vector<std::future<emulator::HttpAnswer>> pending;
  Path path;
  path.pid = session.tend->pid();
  path.send = [&](int count, seconds timeout) {
    for (int i = 0; i < count; ++i, ++next)
      pending.push_back(mm.post_slash_command(url, {bench::mattermost_user(next % kUsers), "/checkin",
                                                    "4 bench", bench::kMattermostCheckinToken, ""}));
    std::vector<std::pair<steady_clock::time_point, steady_clock::time_point>> out;
    if (timeout == 0s) return out;
    for (auto& answer : pending) {
      if (answer.wait_for(timeout) != std::future_status::ready)
        throw std::runtime_error("Mattermost: a slash command was not answered");
      const auto a = answer.get();
      if (a.status != 200)
        throw std::runtime_error("Mattermost: a slash command was answered " + std::to_string(a.status));
      out.emplace_back(a.sent_at, a.answered_at);
    }
    pending.clear();
    return out;
  };
  return measure(path, burst, steady_seconds, "Tend on Mattermost (slash)");
}

Figures medians(const std::vector<Figures>& runs) {
  auto pick = [&](double Figures::*field) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(r.*field);
    return median(v);
  };
  return {pick(&Figures::cpu_ms_per_1000), pick(&Figures::throughput), pick(&Figures::p50_ms),
          pick(&Figures::p99_ms), pick(&Figures::max_ms)};
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 3;
  const int burst = argc > 2 ? std::atoi(argv[2]) : 20000;
  const int steady_seconds = argc > 3 ? std::atoi(argv[3]) : 5;
  std::map<std::string, std::vector<Figures>> all;
  // Interleaved, so a slow spell of the machine falls on every path alike.
  for (int r = 0; r < runs; ++r) {
    std::cerr << "run " << r + 1 << "/" << runs << ": Slack\n";
    all["slack"].push_back(run_slack(burst, steady_seconds));
    std::cerr << "run " << r + 1 << "/" << runs << ": Mattermost DM\n";
    all["dm"].push_back(run_mattermost_dm(burst, steady_seconds));
    std::cerr << "run " << r + 1 << "/" << runs << ": Mattermost slash\n";
    all["slash"].push_back(run_mattermost_slash(burst, steady_seconds));
  }
  const auto s = medians(all["slack"]);
  const auto d = medians(all["dm"]);
  const auto c = medians(all["slash"]);
  std::printf("Medians of %d runs each; burst of %d commands; steady 1,000 commands/s for %d s.\n\n", runs,
              burst, steady_seconds);
  std::printf(
      "| figure | Slack (Socket Mode) | Mattermost, DM | DM/Slack | Mattermost, slash command | slash/Slack "
      "|\n|---|---|---|---|---|---|\n");
  auto row = [](const char* name, double slack, double dm, double slash, const char* unit) {
    auto figure = [&](double v) {
      char text[32];
      std::snprintf(text, sizeof text, v >= 1000 ? "%.0f %s" : "%.3g %s", v, unit);
      return std::string(text);
    };
    std::printf("| %s | %s | %s | %.2f | %s | %.2f |\n", name, figure(slack).c_str(), figure(dm).c_str(),
                slack > 0 ? dm / slack : 0, figure(slash).c_str(), slack > 0 ? slash / slack : 0);
  };
  row("CPU per 1,000 commands (burst)", s.cpu_ms_per_1000, d.cpu_ms_per_1000, c.cpu_ms_per_1000, "ms");
  row("throughput at saturation", s.throughput, d.throughput, c.throughput, "cmd/s");
  row("ack latency p50 at 1,000/s", s.p50_ms, d.p50_ms, c.p50_ms, "ms");
  row("ack latency p99 at 1,000/s", s.p99_ms, d.p99_ms, c.p99_ms, "ms");
  row("ack latency max at 1,000/s", s.max_ms, d.max_ms, c.max_ms, "ms");
  return 0;
}
