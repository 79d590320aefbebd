// bench_discord [runs=3] [burst=20000] [steady_seconds=5]
//
// Tend on Discord beside Tend on Slack, each `tend run` driven in turn by the same load through its
// in-repo emulator over loopback: every command a `/checkin 4` from one of 100 people. On Discord
// a command is an INTERACTION_CREATE on the gateway and its answer an HTTP callback (each
// committed to SQLite first); on Slack an envelope on Socket Mode and its ack on the socket. For
// each platform, `runs` fresh processes; each run measures:
//   - resident memory when idle (after connecting and 200 warm-up commands),
//   - ack latency (dispatched → its answer received by the emulator) at a steady 1,000 commands/s,
//   - a burst of `burst` commands sent at once: throughput at saturation, CPU seconds of Tend per
//     1,000 commands, and peak resident memory (VmHWM).
// Prints the medians over the runs, and Discord's figures as a ratio of Slack's, the peer
// measured in the same run.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

#include "bench/harness.hpp"
#include "tests/emulator/discord/discord_emulator.hpp"

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

struct Figures {
  double cpu_ms_per_1000 = 0;
  double throughput = 0;  // commands/s at saturation
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double idle_mib = 0, peak_mib = 0;
};

// One platform as the load generator sees it: send commands, wait for their answers, read latencies.
class Platform {
 public:
  virtual ~Platform() = default;
  virtual pid_t pid() const = 0;
  // Sent together; their ids. `sent_at`, when given, is when the first left (after building them).
  virtual std::vector<std::string> send(int count, steady_clock::time_point* sent_at = nullptr) = 0;
  virtual bool wait_answered(int total, seconds timeout) = 0;
  virtual std::optional<steady_clock::duration> latency(const std::string& id) = 0;
  // When the answer arrived, for the burst's throughput.
  virtual std::optional<steady_clock::time_point> answered_at(const std::string& id) = 0;
  virtual void stop() = 0;
};

class OnSlack final : public Platform {
 public:
  OnSlack() : dir_(bench::fresh_directory("bench-slack")) {
    bench::add_people(slack_, kUsers);
    tend_ = bench::start_tend(dir_, slack_);
  }
  ~OnSlack() override { std::filesystem::remove_all(dir_); }
  pid_t pid() const override { return tend_->pid(); }
  std::vector<std::string> send(int count, steady_clock::time_point* sent_at) override {
    std::vector<json> envelopes;
    for (int i = 0; i < count; ++i, ++next_)
      envelopes.push_back(
          slack_.slash_command_envelope("U" + std::to_string(next_ % kUsers), "/checkin", "4 bench"));
    if (sent_at) *sent_at = steady_clock::now();
    return count == 1 ? std::vector<std::string>{slack_.send(envelopes.front())} : slack_.send_all(envelopes);
  }
  bool wait_answered(int total, seconds timeout) override { return slack_.wait_for_acked(total, timeout); }
  std::optional<steady_clock::duration> latency(const std::string& id) override {
    return slack_.ack_latency(id);
  }
  std::optional<steady_clock::time_point> answered_at(const std::string& id) override {
    return slack_.ack_time(id);
  }
  void stop() override {
    tend_->signal(SIGTERM);
    tend_->wait(10s);
  }

 private:
  emulator::SlackEmulator slack_;
  std::filesystem::path dir_;
  std::unique_ptr<testing::ChildProcess> tend_;
  int next_ = 0;
};

class OnDiscord final : public Platform {
 public:
  OnDiscord() : dir_(bench::fresh_directory("bench-discord")) {
    for (int u = 0; u < kUsers; ++u) discord_.set_user({user(u), "user" + std::to_string(u), ""});
    tend_ = std::make_unique<testing::ChildProcess>(
        dir_, std::vector<std::string>{bench::tend_binary(), "run"},
        std::vector<std::string>{"DISCORD_TOKEN=" + discord_.options().token,
                                 "DISCORD_APPLICATION_ID=" + discord_.options().application_id,
                                 "TEND_DISCORD_API_URL=" + discord_.api_base(), "TEND_LOG_LEVEL=warn"});
    if (!discord_.wait_for_sockets(1, 30s) ||
        !testing::eventually(
            [&] { return discord_.identifies() == 1 && !discord_.registered_commands().empty(); }, 30s))
      throw std::runtime_error("Tend did not connect to Discord:\n" + tend_->log());
  }
  ~OnDiscord() override { std::filesystem::remove_all(dir_); }
  pid_t pid() const override { return tend_->pid(); }
  std::vector<std::string> send(int count, steady_clock::time_point* sent_at) override {
    std::vector<json> interactions;
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i, ++next_) {
      interactions.push_back(
          discord_.command_interaction(user(next_ % kUsers), "checkin", {{"args", "4 bench"}}));
      ids.push_back(interactions.back()["id"]);
    }
    if (sent_at) *sent_at = steady_clock::now();
    discord_.dispatch_interactions(interactions);
    return ids;
  }
  bool wait_answered(int total, seconds timeout) override {
    return discord_.wait_for_answered(total, timeout);
  }
  std::optional<steady_clock::duration> latency(const std::string& id) override {
    auto answer = discord_.answer(id);
    return answer ? answer->latency : std::nullopt;
  }
  std::optional<steady_clock::time_point> answered_at(const std::string& id) override {
    auto answer = discord_.answer(id);
    return answer ? answer->answered_at : std::nullopt;
  }
  void stop() override {
    tend_->signal(SIGTERM);
    tend_->wait(10s);
  }

 private:
  static std::string user(int u) { return std::to_string(910000000000000000LL + u); }
  emulator::DiscordEmulator discord_;
  std::filesystem::path dir_;
  std::unique_ptr<testing::ChildProcess> tend_;
  int next_ = 0;
};

Figures measure(Platform& platform, int burst, int steady_seconds) {
  const pid_t pid = platform.pid();
  int sent = 0;
  Figures f;
  // Warm-up: every person seen once (Tend stores them).
  for (int i = 0; i < kWarmup; i += 50) platform.send(50);
  sent += kWarmup;
  if (!platform.wait_answered(sent, 60s)) throw std::runtime_error("no answer to the warm-up");
  std::this_thread::sleep_for(1s);
  f.idle_mib = status_mib(pid, "VmRSS");

  // Steady 1,000 commands/s: one every millisecond on a fixed schedule.
  std::vector<std::string> steady;
  const auto start = steady_clock::now();
  for (int i = 0; i < steady_seconds * 1000; ++i) {
    std::this_thread::sleep_until(start + milliseconds(i));
    steady.push_back(platform.send(1).front());
  }
  sent += steady_seconds * 1000;
  if (!platform.wait_answered(sent, 60s)) throw std::runtime_error("fell behind at 1,000/s");
  std::vector<double> latencies;
  for (const auto& id : steady)
    if (auto l = platform.latency(id)) latencies.push_back(duration<double, std::milli>(*l).count());
  f.p50_ms = percentile(latencies, 0.5);
  f.p99_ms = percentile(latencies, 0.99);
  f.max_ms = percentile(latencies, 1.0);
  std::this_thread::sleep_for(500ms);

  // Burst: everything sent at once; throughput from the first send to the last answer.
  const double cpu_before = cpu_seconds(pid);
  steady_clock::time_point burst_start;
  const auto ids = platform.send(burst, &burst_start);
  sent += burst;
  if (!platform.wait_answered(sent, 300s)) throw std::runtime_error("no answer to the whole burst");
  auto last = burst_start;
  for (const auto& id : ids)
    if (auto t = platform.answered_at(id)) last = std::max(last, *t);
  f.throughput = burst / duration<double>(last - burst_start).count();
  f.cpu_ms_per_1000 = (cpu_seconds(pid) - cpu_before) * 1000.0 / (burst / 1000.0);
  f.peak_mib = status_mib(pid, "VmHWM");
  platform.stop();
  return f;
}

Figures medians(const std::vector<Figures>& runs) {
  auto pick = [&](double Figures::*field) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(r.*field);
    return median(v);
  };
  return {pick(&Figures::cpu_ms_per_1000), pick(&Figures::throughput), pick(&Figures::p50_ms),
          pick(&Figures::p99_ms),          pick(&Figures::max_ms),     pick(&Figures::idle_mib),
          pick(&Figures::peak_mib)};
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 3;
  const int burst = argc > 2 ? std::atoi(argv[2]) : 20000;
  const int steady_seconds = argc > 3 ? std::atoi(argv[3]) : 5;
  std::map<std::string, std::vector<Figures>> all;
  // Interleaved, so a slow spell of the machine falls on both alike.
  for (int r = 0; r < runs; ++r)
    for (const std::string platform : {"discord", "slack"}) {
      std::cerr << "run " << r + 1 << "/" << runs << ": " << platform << "\n";
      std::unique_ptr<Platform> p;
      if (platform == "discord")
        p = std::make_unique<OnDiscord>();
      else
        p = std::make_unique<OnSlack>();
      all[platform].push_back(measure(*p, burst, steady_seconds));
    }
  const auto d = medians(all["discord"]);
  const auto s = medians(all["slack"]);
  std::printf("Medians of %d runs each; burst of %d commands; steady 1,000 commands/s for %d s.\n\n", runs,
              burst, steady_seconds);
  std::printf("| figure | Tend on Discord | Tend on Slack | Discord/Slack |\n|---|---|---|---|\n");
  auto row = [](const char* name, double discord, double slack, const char* unit) {
    auto figure = [](double v) {
      char text[32];
      std::snprintf(text, sizeof text, v >= 1000 ? "%.0f" : "%.3g", v);
      return std::string(text);
    };
    std::printf("| %s | %s %s | %s %s | %.2f |\n", name, figure(discord).c_str(), unit, figure(slack).c_str(),
                unit, slack > 0 ? discord / slack : 0);
  };
  row("CPU per 1,000 commands (burst)", d.cpu_ms_per_1000, s.cpu_ms_per_1000, "ms");
  row("throughput at saturation", d.throughput, s.throughput, "cmd/s");
  row("ack latency p50 at 1,000/s", d.p50_ms, s.p50_ms, "ms");
  row("ack latency p99 at 1,000/s", d.p99_ms, s.p99_ms, "ms");
  row("ack latency max at 1,000/s", d.max_ms, s.max_ms, "ms");
  row("resident memory, idle", d.idle_mib, s.idle_mib, "MiB");
  row("resident memory, burst peak", d.peak_mib, s.peak_mib, "MiB");
  return 0;
}
