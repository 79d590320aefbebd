// network_harness [reconnects=10000]
//
// Tend under a steady load of check-ins (about 200 a second) while the emulator does to the
// connection what Slack and networks do: drops the socket, sends each `disconnect` reason,
// stops answering pings, refuses connections for 30 s, and answers a storm of 429s. Like Slack,
// the load generator holds what it could not deliver and delivers again (with a new envelope id,
// the same trigger_id) what was not acknowledged. It prints, per fault, the time until Tend was
// connected again and had acknowledged a new command; then the commands lost and handled twice,
// the alerts lost and delivered twice, the most sockets open at once; and finally file
// descriptors and memory before and after `reconnects` dropped connections.
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "bench/network_faults.hpp"

using namespace tend;
using namespace std::chrono;
using json = nlohmann::json;

namespace {

constexpr int kVolunteers = 20;

// Slack's side of the deliveries: every command once, redelivered until acknowledged.
class Load {
 public:
  explicit Load(emulator::SlackEmulator& slack) : slack_(slack) {}

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    running_ = false;
    thread_.join();
  }
  // A low check-in, which also queues an alert to the coordinators.
  void alert(int n) { deliver("1 net-alert-" + std::to_string(n)); }

  // Delivers again whatever has waited `older_than` without an ack; returns how many are still
  // unacknowledged.
  int redeliver(milliseconds older_than) {
    std::lock_guard lock(mutex_);
    int waiting = 0;
    const auto now = steady_clock::now();
    for (auto& [note, delivery] : deliveries_) {
      bool acked = false;
      for (const auto& id : delivery.ids) acked = acked || slack_.acks_for(id) > 0;
      if (acked) continue;
      ++waiting;
      if (now - delivery.last < older_than) continue;
      try {
        // Never sent (no socket at the time): send it now; sent but unanswered: as Slack retries.
        delivery.ids.push_back(delivery.ids.empty()
                                   ? slack_.send(delivery.envelope)
                                   : slack_.redeliver(delivery.ids.front(), /*new_envelope_id=*/true));
        ++redeliveries_;
      } catch (const std::exception&) {
        // No socket at the moment: Slack holds it too.
      }
      delivery.last = now;
    }
    return waiting;
  }
  std::set<std::string> notes() const {
    std::lock_guard lock(mutex_);
    std::set<std::string> out;
    for (const auto& [note, delivery] : deliveries_) out.insert(note);
    return out;
  }
  int redeliveries() const { return redeliveries_; }

 private:
  struct Delivery {
    json envelope;
    std::vector<std::string> ids;  // every envelope id it was sent under; empty until first sent
    steady_clock::time_point last;
  };

  void run() {
    for (int n = 0; running_; ++n) {
      deliver("4 net-" + std::to_string(n));
      std::this_thread::sleep_for(5ms);
    }
  }
  void deliver(const std::string& text) {
    const auto note = text.substr(2);
    std::lock_guard lock(mutex_);
    auto envelope =
        slack_.slash_command_envelope("U" + std::to_string(next_user_++ % kVolunteers), "/checkin", text);
    Delivery delivery{envelope, {}, steady_clock::now()};
    try {
      delivery.ids.push_back(slack_.send(envelope));
    } catch (const std::exception&) {
    }
    deliveries_[note] = std::move(delivery);
  }

  emulator::SlackEmulator& slack_;
  std::thread thread_;
  std::atomic<bool> running_{true};
  mutable std::mutex mutex_;
  std::map<std::string, Delivery> deliveries_;
  int next_user_ = 0;
  std::atomic<int> redeliveries_{0};
};

int connections_opened(const emulator::SlackEmulator& slack) {
  return slack.sockets_opened();
}

// From the fault to a new connection that has acknowledged a new command.
double seconds_to_recover(emulator::SlackEmulator& slack, int opened_before, steady_clock::time_point since) {
  while (!(connections_opened(slack) > opened_before && slack.open_sockets() == 1)) {
    if (steady_clock::now() - since > 120s) return -1;
    std::this_thread::sleep_for(1ms);
  }
  for (;;) {
    try {
      const auto probe = slack.send_slash_command("UADA", "/tend", "me");
      if (slack.wait_for_ack(probe, 2s)) break;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(5ms);
    }
    if (steady_clock::now() - since > 120s) return -1;
  }
  return duration<double>(steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int reconnects = argc > 1 ? std::atoi(argv[1]) : 10000;
  emulator::SlackEmulator slack;
  bench::add_people(slack, kVolunteers);
  const auto dir = bench::fresh_directory("network");
  const auto tend = bench::start_tend(dir, slack);
  slack.wait_for_ack(slack.send_slash_command("UADA", "/tend", "help"), 10s);

  Load load(slack);
  load.start();
  std::this_thread::sleep_for(1s);

  struct Fault {
    std::string name;
    std::function<void()> inject;
  };
  const std::vector<Fault> faults{
      {"socket dropped", [&] { slack.drop_sockets(); }},
      {"disconnect: refresh_requested", [&] { slack.send_disconnect("refresh_requested"); }},
      {"disconnect: warning", [&] { slack.send_disconnect("warning"); }},
      {"disconnect: too_many_websockets", [&] { slack.send_disconnect("too_many_websockets"); }},
      {"pings unanswered (stalled socket)", [&] { slack.stall_sockets(); }},
      {"connections refused for 30 s",
       [&] {
         slack.refuse_sockets(true);
         slack.drop_sockets();
         std::this_thread::sleep_for(30s);
         slack.refuse_sockets(false);
       }},
  };
  std::vector<std::pair<std::string, double>> recovery;
  for (const auto& fault : faults) {
    std::cerr << "fault: " << fault.name << "\n";
    const auto opened = connections_opened(slack);
    const auto t0 = steady_clock::now();
    fault.inject();
    recovery.emplace_back(fault.name, seconds_to_recover(slack, opened, t0));
    load.redeliver(3s);
    std::this_thread::sleep_for(1s);
  }

  // A 429 storm on chat.postMessage while alerts are queued.
  std::cerr << "fault: 429 storm\n";
  slack.rate_limit("chat.postMessage", 30, 1);
  for (int n = 0; n < 30; ++n) load.alert(n);
  std::this_thread::sleep_for(2s);
  load.stop();

  // Slack keeps redelivering what was not acknowledged.
  for (int round = 0; round < 20 && load.redeliver(2s) > 0; ++round) std::this_thread::sleep_for(1s);
  for (std::size_t before = 0;;) {
    std::this_thread::sleep_for(3s);
    const auto now = slack.calls("chat.postMessage").size();
    if (now == before) break;
    before = now;
  }
  const int max_sockets = slack.max_open_sockets();

  // Reconnects: descriptors and memory before and after.
  std::cerr << reconnects << " reconnects\n";
  const auto steadiness = bench::reconnect_many(
      tend->pid(), reconnects, [&] { slack.drop_sockets(); },
      [&] { return static_cast<std::size_t>(connections_opened(slack)); },
      [&] { return slack.open_sockets(); });

  tend->signal(SIGTERM);
  const auto exit_code = tend->wait(30s);

  const auto stored = bench::stored_notes(dir / "data" / "tend.db");
  std::map<std::string, int> delivered;
  int rate_limited = 0;
  for (const auto& call : slack.calls("chat.postMessage")) {
    if (call.http_status != 200) {
      ++rate_limited;
      continue;
    }
    if (const auto note = bench::alert_note(call.args.value("text", "")); !note.empty()) ++delivered[note];
  }
  const auto sent = load.notes();
  const auto [lost, twice, alerts, alerts_lost, alerts_twice] = bench::tally(sent, stored, delivered);
  std::printf("network harness: Tend under ~200 check-ins/s through each fault\n\n");
  std::printf("| fault | connected again and acknowledging after |\n|---|---|\n");
  for (const auto& [name, seconds] : recovery)
    std::printf("| %s | %.1f ms |\n", name.c_str(), seconds * 1000);
  std::printf("\n| figure | count |\n|---|---|\n");
  std::printf(
      "| commands sent | %zu |\n| deliveries held while disconnected or repeated for want of an ack (as "
      "Slack does) | %d |\n",
      sent.size(), load.redeliveries());
  std::printf("| **commands lost** | %d |\n| **commands handled twice** | %d |\n", lost, twice);
  std::printf("| alerts queued during the 429 storm | %d |\n| chat.postMessage calls answered 429 | %d |\n",
              alerts, rate_limited);
  std::printf("| **alerts lost** | %d |\n| alerts delivered twice | %d |\n", alerts_lost, alerts_twice);
  bench::print_steadiness(max_sockets, steadiness, exit_code.value_or(-1));
  std::filesystem::remove_all(dir);
  return lost == 0 && twice == 0 && alerts_lost == 0 && max_sockets <= 2 ? 0 : 1;
}
