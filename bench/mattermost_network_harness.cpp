// mattermost_network_harness [reconnects=2000] [refused_seconds=10]
//
// Tend on Mattermost under a steady load (about 200 check-ins a second typed in DMs, and 20 a
// second as slash commands) while the emulator does to the link what Mattermost servers and
// networks do: drops the socket, loses an event on the way, replays events Tend already had,
// restarts and forgets the connection, refuses to resume it, refuses connections for a while, and
// answers a storm of 429s. Mattermost does not deliver a post again: the server keeps it (for a
// resume, or in the channel for Tend to fetch), so every post sent must be handled exactly once.
// Prints, per fault, the time until Tend was connected again and had answered a new DM; then the
// commands lost and handled twice, the alerts lost and delivered twice, the most sockets open at
// once; and file descriptors and memory before and after `reconnects` dropped connections. Exits
// non-zero when a must-be-zero count is not.
#include <atomic>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "bench/network_faults.hpp"

using namespace tend;
using namespace std::chrono;
using json = nlohmann::json;
using bench::mattermost_user;

namespace {

constexpr int kVolunteers = 20;
const int kProbe = kVolunteers;  // a person who only sends probes, so their answers are theirs

// The people's side: DMs and slash commands, each with a note of its own.
class Load {
 public:
  Load(emulator::MattermostEmulator& mm, std::string command_url)
      : mm_(mm), command_url_(std::move(command_url)) {}

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    running_ = false;
    thread_.join();
  }
  // A low check-in, which also queues an alert to the coordinators.
  void alert(int n) { dm("1 net-alert-" + std::to_string(n)); }

  std::set<std::string> notes() const {
    std::lock_guard lock(mutex_);
    return notes_;
  }
  // Slash commands answered other than 200 (Mattermost shows the person an error; it does not retry).
  int slash_refused() {
    std::lock_guard lock(mutex_);
    int refused = 0;
    for (auto& answer : answers_) refused += answer.get().status != 200;
    answers_.clear();
    return refused;
  }

 private:
  void run() {
    for (int n = 0; running_; ++n) {
      dm("4 net-" + std::to_string(n));
      if (n % 10 == 0) {
        const auto note = "net-slash-" + std::to_string(n);
        std::lock_guard lock(mutex_);
        notes_.insert(note);
        answers_.push_back(mm_.post_slash_command(
            command_url_,
            {mattermost_user(n % kVolunteers), "/checkin", "4 " + note, bench::kMattermostCheckinToken, ""}));
      }
      std::this_thread::sleep_for(5ms);
    }
  }
  void dm(const std::string& text) {
    std::lock_guard lock(mutex_);
    notes_.insert(text.substr(2));
    mm_.send_post(mattermost_user(next_user_++ % kVolunteers), "checkin " + text);
  }

  emulator::MattermostEmulator& mm_;
  const std::string command_url_;
  std::thread thread_;
  std::atomic<bool> running_{true};
  mutable std::mutex mutex_;
  std::set<std::string> notes_;
  std::vector<std::future<emulator::HttpAnswer>> answers_;
  int next_user_ = 0;
};

// From the fault to a connection that is open again and a new DM answered.
double seconds_to_recover(emulator::MattermostEmulator& mm, std::size_t openings_before,
                          steady_clock::time_point since) {
  while (!(mm.openings().size() > openings_before && mm.open_sockets() == 1)) {
    if (steady_clock::now() - since > 120s) return -1;
    std::this_thread::sleep_for(1ms);
  }
  for (;;) {
    const auto probe = mm.send_post(mattermost_user(kProbe), "tend me");
    for (auto until = steady_clock::now() + 2s; steady_clock::now() < until;) {
      if (mm.answered_at(probe)) return duration<double>(steady_clock::now() - since).count();
      std::this_thread::sleep_for(1ms);
    }
    if (steady_clock::now() - since > 120s) return -1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int reconnects = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int refused_seconds = argc > 2 ? std::atoi(argv[2]) : 10;
  emulator::MattermostEmulator mm;
  bench::add_people(mm, kVolunteers + 1);
  const auto dir = bench::fresh_directory("mattermost-network", bench::kMattermostHttp);
  const auto tend = bench::start_tend(dir, mm);
  const auto command_url = bench::listener_url(*tend) + "/mattermost/command";
  // The admin makes herself known, so that alerts about volunteers without a supervisor reach her.
  mm.send_post(mattermost_user(-1), "tend help");
  if (!mm.wait_for_answers(1, 10s)) throw std::runtime_error("Tend did not answer the admin");

  Load load(mm, command_url);
  load.start();
  std::this_thread::sleep_for(1s);

  struct Fault {
    std::string name;
    std::function<void()> inject;
  };
  const std::vector<Fault> faults{
      {"socket dropped (resumed)", [&] { mm.drop_sockets(); }},
      {"an event lost on the way (gap: reconnect and replay)", [&] { mm.lose_next_events(1); }},
      {"a resume that replays 20 events already handled",
       [&] {
         mm.overlap_next_resume(20);
         mm.drop_sockets();
       }},
      {"server restarted, connection forgotten (posts fetched)",
       [&] {
         mm.refuse_sockets(true);
         mm.restart_server();
         std::this_thread::sleep_for(1s);
         mm.refuse_sockets(false);
       }},
      {"resume refused (a fresh connection, posts fetched)",
       [&] {
         mm.refuse_resumes(true);
         mm.refuse_sockets(true);
         mm.drop_sockets();
         std::this_thread::sleep_for(1s);
         mm.refuse_sockets(false);
       }},
      {"connections refused for " + std::to_string(refused_seconds) + " s",
       [&] {
         mm.refuse_resumes(false);
         mm.refuse_sockets(true);
         mm.drop_sockets();
         std::this_thread::sleep_for(seconds(refused_seconds));
         mm.refuse_sockets(false);
       }},
  };
  std::vector<std::pair<std::string, double>> recovery;
  for (const auto& fault : faults) {
    std::cerr << "fault: " << fault.name << "\n";
    const auto openings = mm.openings().size();
    const auto t0 = steady_clock::now();
    fault.inject();
    recovery.emplace_back(fault.name, seconds_to_recover(mm, openings, t0));
    std::this_thread::sleep_for(1s);
  }

  // A 429 storm on POST /api/v4/posts while alerts are queued.
  std::cerr << "fault: 429 storm\n";
  mm.rate_limit("POST /api/v4/posts", 30, 1);
  for (int n = 0; n < 30; ++n) load.alert(n);
  std::this_thread::sleep_for(2s);
  load.stop();
  const int slash_refused = load.slash_refused();
  // Until Tend has nothing left to say.
  for (std::size_t before = 0;;) {
    std::this_thread::sleep_for(3s);
    const auto now = mm.calls("POST /api/v4/posts").size();
    if (now == before) break;
    before = now;
  }
  const int max_sockets = mm.max_open_sockets();

  std::cerr << reconnects << " reconnects\n";
  const auto steadiness = bench::reconnect_many(
      tend->pid(), reconnects, [&] { mm.drop_sockets(); }, [&] { return mm.openings().size(); },
      [&] { return mm.open_sockets(); });

  tend->signal(SIGTERM);
  const auto exit_code = tend->wait(30s);

  const auto stored = bench::stored_notes(dir / "data" / "tend.db");
  std::map<std::string, int> delivered;
  int rate_limited = 0;
  for (const auto& call : mm.calls("POST /api/v4/posts")) rate_limited += call.http_status == 429;
  for (const auto& post : mm.posts()) {
    // The coordinators' alerts ("… checked in at 1/5 …"), not the volunteer's own answer.
    const auto text = post.value("message", "");
    if (text.find("checked in at") == std::string::npos) continue;
    if (const auto note = bench::alert_note(text); !note.empty()) ++delivered[note];
  }
  const auto sent = load.notes();
  const auto [lost, twice, alerts, alerts_lost, alerts_twice] = bench::tally(sent, stored, delivered);
  std::printf(
      "Mattermost network harness: Tend under ~200 DM check-ins/s and 20 slash commands/s through each "
      "fault\n\n");
  std::printf("| fault | connected again and answering after |\n|---|---|\n");
  for (const auto& [name, seconds] : recovery)
    std::printf("| %s | %.1f ms |\n", name.c_str(), seconds * 1000);
  std::printf("\n| figure | count |\n|---|---|\n");
  std::printf("| commands sent (DMs and slash commands) | %zu |\n", sent.size());
  std::printf("| **commands lost** | %d |\n| **commands handled twice** | %d |\n", lost, twice);
  std::printf("| **slash commands answered other than 200** | %d |\n", slash_refused);
  std::printf("| alerts queued during the 429 storm | %d |\n| POST /api/v4/posts answered 429 | %d |\n",
              alerts, rate_limited);
  std::printf("| **alerts lost** | %d |\n| alerts delivered twice | %d |\n", alerts_lost, alerts_twice);
  bench::print_steadiness(max_sockets, steadiness, exit_code.value_or(-1));
  std::filesystem::remove_all(dir);
  return lost == 0 && twice == 0 && slash_refused == 0 && alerts_lost == 0 && max_sockets <= 2 ? 0 : 1;
}
