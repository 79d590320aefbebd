// discord_network_harness
//
// Tend on Discord under a steady load of check-ins (one every 6 ms at most, a low one now and
// then, which alerts the supervisor by DM) while the emulator does to the link what Discord and networks
// do: drops the socket, sends op 7, op 9 resumable and not, stops acknowledging heartbeats (a
// zombie link), closes with 4000 and 4009, refuses connections for 10 s, answers a storm of 429s,
// and refuses DMs to someone (50007). Like a person whose client said "interaction failed", the
// load generator tries again what Discord never delivered to Tend (sent while no session could
// take it). It prints, per fault, the time until Tend answered a new command and how many
// IDENTIFYs (new sessions, of the day's budget) the fault cost; then the commands lost (delivered
// to Tend, never stored) and handled twice, the alerts lost and delivered twice, the admins'
// notices about the person who takes no DMs, the most sockets open at once, and the budget left.
// Exits 1 when a must-be-zero count is not.
#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "bench/harness.hpp"
#include "tests/emulator/discord/discord_emulator.hpp"

using namespace tend;
using namespace std::chrono;
using json = nlohmann::json;

namespace {

constexpr int kVolunteers = 20;
const std::string kAdmin = "920000000000000001";
const std::string kSupervisor = "920000000000000002";
const std::string kUnreachable = "920000000000000003";  // takes no DMs
const std::string kUnreachableVolunteer = "920000000000000004";

std::string volunteer(int n) {
  return std::to_string(921000000000000000LL + n);
}

// The people's side: every check-in sent once, and again (as a new interaction, the same note)
// when Discord never delivered it.
class Load {
 public:
  explicit Load(emulator::DiscordEmulator& discord) : discord_(discord) {}
  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    running_ = false;
    thread_.join();
  }
  void alert(int n) { deliver("1 dnet-alert-" + std::to_string(n)); }

  // Tries again what was sent before `before` and never delivered; returns how many.
  int retry_undelivered(steady_clock::time_point before) {
    std::lock_guard lock(mutex_);
    int retried = 0;
    for (auto& [note, sent] : notes_) {
      if (sent.last >= before) continue;
      bool delivered = false;
      for (const auto& id : sent.ids) {
        const auto answer = discord_.answer(id);
        delivered = delivered || (answer && answer->delivered);
      }
      if (delivered) continue;
      sent.ids.push_back(discord_.command(volunteer(sent.user), "checkin", {{"args", sent.text}}));
      sent.last = steady_clock::now();
      ++retried;
      ++retries_;
    }
    return retried;
  }
  // Notes with whether any of their interactions reached Tend.
  std::map<std::string, bool> delivered() {
    std::lock_guard lock(mutex_);
    std::map<std::string, bool> out;
    for (const auto& [note, sent] : notes_) {
      bool any = false;
      for (const auto& id : sent.ids) {
        const auto answer = discord_.answer(id);
        any = any || (answer && answer->delivered);
      }
      out[note] = any;
    }
    return out;
  }
  int retries() const { return retries_; }

 private:
  struct Sent {
    std::string text;
    int user;
    std::vector<std::string> ids;
    steady_clock::time_point last;
  };
  void run() {
    for (int n = 0; running_; ++n) {
      deliver("4 dnet-" + std::to_string(n));
      std::this_thread::sleep_for(6ms);
    }
  }
  void deliver(const std::string& text) {
    std::lock_guard lock(mutex_);
    const int user = next_user_++ % kVolunteers;
    Sent sent{
        text, user, {discord_.command(volunteer(user), "checkin", {{"args", text}})}, steady_clock::now()};
    notes_[text.substr(2)] = std::move(sent);
  }

  emulator::DiscordEmulator& discord_;
  std::thread thread_;
  std::atomic<bool> running_{true};
  std::mutex mutex_;
  std::map<std::string, Sent> notes_;
  int next_user_ = 0;
  std::atomic<int> retries_{0};
};

int ready_sessions(const emulator::DiscordEmulator& discord) {
  int n = 0;
  for (const auto& o : discord.openings())
    n += o.outcome == emulator::GatewayOpening::Outcome::identified ||
         o.outcome == emulator::GatewayOpening::Outcome::resumed;
  return n;
}

// From the fault until Tend answered a new command on a session ready after it.
double seconds_to_recover(emulator::DiscordEmulator& discord, int ready_before,
                          steady_clock::time_point since) {
  while (ready_sessions(discord) <= ready_before) {
    if (steady_clock::now() - since > 120s) return -1;
    std::this_thread::sleep_for(1ms);
  }
  for (;;) {
    const auto probe = discord.command(kAdmin, "tend", {{"what", "me"}});
    if (discord.wait_for_answer(probe, 2s)) break;
    if (steady_clock::now() - since > 120s) return -1;
  }
  return duration<double>(steady_clock::now() - since).count();
}

// A command from `user` and its answer's text.
std::string ask(emulator::DiscordEmulator& discord, const std::string& user, const std::string& what,
                const std::string& args) {
  const auto id = discord.command(user, "tend", {{"what", what}, {"args", args}});
  const auto answer = discord.wait_for_answer(id, 10s);
  if (!answer) throw std::runtime_error("no answer to /tend " + what);
  return answer->content();
}

}  // namespace

int main() {
  emulator::DiscordEmulator::Options options;
  options.heartbeat_interval_ms = 1000;  // so that a zombie link shows within seconds
  emulator::DiscordEmulator discord(options);
  discord.set_user({kAdmin, "ada", ""});
  discord.set_user({kSupervisor, "sam", ""});
  discord.set_user({kUnreachable, "kim", ""});
  discord.set_user({kUnreachableVolunteer, "lee", ""});
  for (int n = 0; n < kVolunteers; ++n) discord.set_user({volunteer(n), "v" + std::to_string(n), ""});
  const auto dir = bench::fresh_directory("discord-network");
  testing::ChildProcess tend(
      dir, {bench::tend_binary(), "run"},
      {"DISCORD_TOKEN=" + options.token, "DISCORD_APPLICATION_ID=" + options.application_id,
       "TEND_DISCORD_API_URL=" + discord.api_base(), "TEND_LOG_LEVEL=warn", "TEND_ADMINS=" + kAdmin});
  if (!testing::eventually([&] { return ready_sessions(discord) == 1; }, 30s)) {
    std::cerr << "Tend did not connect:\n" << tend.log();
    return 1;
  }
  // The team: sam supervises every volunteer; kim, who takes no DMs, supervises lee.
  ask(discord, kAdmin, "admin person", "<@" + kSupervisor + "> staff");
  ask(discord, kAdmin, "admin person", "<@" + kUnreachable + "> staff");
  ask(discord, kAdmin, "admin supervisor", "<@" + kUnreachableVolunteer + "> <@" + kUnreachable + ">");
  for (int n = 0; n < kVolunteers; ++n)
    ask(discord, kAdmin, "admin supervisor", "<@" + volunteer(n) + "> <@" + kSupervisor + ">");

  Load load(discord);
  const auto load_started = steady_clock::now();
  load.start();
  std::this_thread::sleep_for(1s);

  struct Fault {
    std::string name;
    std::function<void()> inject;
  };
  const std::vector<Fault> faults{
      {"socket dropped", [&] { discord.drop_sockets(); }},
      {"op 7 reconnect", [&] { discord.send_reconnect(); }},
      {"op 9 invalid session, resumable", [&] { discord.send_invalid_session(true); }},
      {"op 9 invalid session, not resumable", [&] { discord.send_invalid_session(false); }},
      {"heartbeats not acknowledged (zombie link)",
       [&] {
         const auto opened = discord.openings().size();
         discord.set_zombie(true);
         testing::eventually([&] { return discord.openings().size() > opened; }, 30s);
         discord.set_zombie(false);
       }},
      {"close 4000 (unknown error: resumable)", [&] { discord.close_sockets(4000); }},
      {"close 4009 (session timed out)", [&] { discord.close_sockets(4009); }},
      {"connections refused for 10 s",
       [&] {
         discord.refuse_sockets(true);
         discord.drop_sockets();
         std::this_thread::sleep_for(10s);
         discord.refuse_sockets(false);
       }},
  };
  struct Row {
    std::string name;
    double seconds;
    int identifies;
  };
  std::vector<Row> rows;
  for (const auto& fault : faults) {
    std::cerr << "fault: " << fault.name << "\n";
    const auto identifies = discord.identifies();
    const auto ready = ready_sessions(discord);
    const auto t0 = steady_clock::now();
    fault.inject();
    const auto seconds = seconds_to_recover(discord, ready, t0);
    rows.push_back({fault.name, seconds, discord.identifies() - identifies});
    std::this_thread::sleep_for(1s);
    load.retry_undelivered(steady_clock::now() - 500ms);
  }

  // A 429 storm on the DM route while alerts are queued.
  std::cerr << "fault: 429 storm\n";
  discord.rate_limit("POST /channels/", 30, 1.0);
  for (int n = 0; n < 30; ++n) load.alert(n);
  // Someone who takes no DMs: two alerts for them, one notice to the admins.
  std::cerr << "fault: 50007\n";
  discord.block_dms(kUnreachable);
  for (const auto* note : {"1 dnet-unreachable-a", "1 dnet-unreachable-b"})
    discord.wait_for_answer(discord.command(kUnreachableVolunteer, "checkin", {{"args", note}}), 10s);
  std::this_thread::sleep_for(2s);
  load.stop();
  const double load_seconds = duration<double>(steady_clock::now() - load_started).count();
  for (int round = 0; round < 5 && load.retry_undelivered(steady_clock::now() - 1s) > 0; ++round)
    std::this_thread::sleep_for(2s);
  // Until the outbox is quiet.
  for (std::size_t before = 0;;) {
    std::this_thread::sleep_for(3s);
    const auto now = discord.calls("POST /channels/").size();
    if (now == before) break;
    before = now;
  }

  tend.signal(SIGTERM);
  const auto exit_code = tend.wait(30s);
  SQLite::Database db((dir / "data" / "tend.db").string(), SQLite::OPEN_READONLY);
  std::map<std::string, int> stored;
  SQLite::Statement notes(db, "SELECT note FROM checkins WHERE note LIKE 'dnet-%'");
  while (notes.executeStep()) ++stored[notes.getColumn(0).getString()];
  std::map<std::string, int> alerted;
  for (const auto& body : discord.dms_to(kSupervisor)) {
    const auto text = body.value("content", "");
    const auto at = text.find("dnet-alert-");
    if (at != std::string::npos)
      ++alerted[text.substr(at, text.find_first_not_of("dnet-alert-0123456789", at) - at)];
  }
  int notices = 0;
  for (const auto& body : discord.dms_to(kAdmin))
    notices += body.value("content", "").find("cannot send direct messages") != std::string::npos;
  int rate_limited = 0;
  for (const auto& call : discord.calls("POST /channels/")) rate_limited += call.http_status == 429;

  int sent = 0, undelivered = 0, lost = 0, twice = 0, alerts = 0, alerts_lost = 0, alerts_twice = 0;
  for (const auto& [note, delivered] : load.delivered()) {
    ++sent;
    const int copies = stored.count(note) ? stored[note] : 0;
    undelivered += !delivered;
    lost += delivered && copies == 0;
    twice += copies > 1;
    if (note.rfind("dnet-alert-", 0) == 0) {
      ++alerts;
      const int d = alerted.count(note) ? alerted[note] : 0;
      alerts_lost += d == 0;
      alerts_twice += d > 1;
    }
  }
  std::printf("Discord network harness: Tend under %.0f check-ins/s through each fault\n\n",
              sent / load_seconds);
  std::printf("| fault | answering again after | IDENTIFYs it cost |\n|---|---|---|\n");
  for (const auto& row : rows)
    std::printf("| %s | %.1f ms | %d |\n", row.name.c_str(), row.seconds * 1000, row.identifies);
  std::printf("\n| figure | count |\n|---|---|\n");
  std::printf("| commands sent | %d |\n", sent);
  std::printf("| sent again after Discord never delivered them (no session took them) | %d |\n",
              load.retries());
  std::printf("| never delivered to Tend in the end | %d |\n", undelivered);
  std::printf("| **commands lost** (delivered, never stored) | %d |\n| **commands handled twice** | %d |\n",
              lost, twice);
  std::printf("| alerts queued during the 429 storm | %d |\n| DM calls answered 429 | %d |\n", alerts,
              rate_limited);
  std::printf("| **alerts lost** | %d |\n| **alerts delivered twice** | %d |\n", alerts_lost, alerts_twice);
  std::printf("| admins' notices that someone takes no DMs (two messages to them) | %d |\n", notices);
  std::printf("| most sockets open at once | %d |\n", discord.max_open_sockets());
  std::printf("| IDENTIFYs in all (new sessions) | %d |\n", discord.identifies());
  std::printf("| new sessions left of the day's %d | %d |\n", options.session_start_total,
              discord.session_starts_remaining());
  std::printf("| exit code after SIGTERM | %d |\n", exit_code.value_or(-1));
  std::filesystem::remove_all(dir);
  const bool ok = lost == 0 && twice == 0 && alerts_lost == 0 && alerts_twice == 0 && notices == 1 &&
                  discord.max_open_sockets() <= 2 && discord.session_starts_remaining() > 0;
  return ok ? 0 : 1;
}
