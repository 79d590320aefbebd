#pragma once
// What the benchmarks and harnesses share: a scratch directory with Tend's config, the
// emulator's people, starting `tend run` against the emulator, and reading a process's CPU time,
// memory and open descriptors from /proc.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/stats.hpp"
#include "tests/emulator/mattermost/mattermost_emulator.hpp"
#include "tests/emulator/slack_emulator.hpp"
#include "tests/integration/child_process.hpp"

namespace tend::bench {

// The Tend the benches run: this build's, or BENCH_TEND_BINARY's (to measure another build of it,
// a Release or TEND_LEAN one, against the same load).
inline std::string tend_binary() {
  const char* other = std::getenv("BENCH_TEND_BINARY");
  return other && *other ? other : TEND_BINARY;
}

inline double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The fields after the command name, which is in parentheses and may hold spaces: utime and
  // stime are the 14th and 15th of the line, the 12th and 13th after the name.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::stod(fields.at(11)) + std::stod(fields.at(12))) / ticks;
}

inline double status_mib(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  return 0;
}

inline int open_descriptors(pid_t pid) {
  int n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    ++n;
  return n;
}

// A data directory for Tend with delivery windows off (the harnesses run at any hour) and
// the outbox unpaced, so what is queued goes out as fast as the emulator takes it.
// `extra` is appended to the config file (a Mattermost run's [http] listen).
inline std::filesystem::path fresh_directory(const std::string& name, const std::string& extra = "") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("tend-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "config");
  std::ofstream(dir / "config" / "tend.toml") << "[settings]\n\"nudge.quiet_hours\" = \"none\"\n"
                                                 "\"nudge.working_days\" = \"mon-sun\"\n"
                                                 "\"outbox.pace\" = \"none\"\n"
                                              << extra;
  return dir;
}

inline std::vector<std::string> tend_environment(const emulator::SlackEmulator& slack,
                                                 const std::string& log_level = "warn") {
  return {"SLACK_APP_TOKEN=xapp-emulator", "SLACK_BOT_TOKEN=xoxb-emulator",
          "TEND_SLACK_API_URL=" + slack.api_base(), "TEND_LOG_LEVEL=" + log_level, "TEND_ADMINS=UADA"};
}

// Starts `tend run` against the emulator in `dir` and waits for its Socket Mode connection.
inline std::unique_ptr<testing::ChildProcess> start_tend(const std::filesystem::path& dir,
                                                         emulator::SlackEmulator& slack,
                                                         const std::string& log_level = "warn") {
  auto tend = std::make_unique<testing::ChildProcess>(dir, std::vector<std::string>{tend_binary(), "run"},
                                                      tend_environment(slack, log_level));
  if (!slack.wait_for_sockets(1, std::chrono::seconds(30)))
    throw std::runtime_error("Tend did not connect:\n" + tend->log());
  return tend;
}

// ---- Mattermost ----

// Tend's listener for a Mattermost run, on a port it chooses (read back with listener_url).
inline const char* const kMattermostHttp = "[http]\nlisten = \"127.0.0.1:0\"\n";
inline const char* const kMattermostCheckinToken = "bench-checkin-token";

// A Mattermost user id (26 characters) for volunteer `n`, or for the admin with n < 0.
inline std::string mattermost_user(int n) {
  const auto digits = n < 0 ? std::string("ada") : std::to_string(n);
  return "u" + std::string(25 - digits.size(), '0') + digits;
}

inline std::vector<std::string> tend_environment(const emulator::MattermostEmulator& mm,
                                                 const std::string& log_level = "warn") {
  return {"MATTERMOST_URL=" + mm.url(), "MATTERMOST_TOKEN=" + mm.options().bot_token,
          std::string("MATTERMOST_CHECKIN_TOKEN=") + kMattermostCheckinToken, "TEND_LOG_LEVEL=" + log_level,
          "TEND_ADMINS=" + mattermost_user(-1)};
}

// Starts `tend run` on Mattermost in `dir` (made with kMattermostHttp) and waits for its WebSocket.
// The log level stays at info: the listener's port is read from the log, and nothing is logged
// per command at info.
inline std::unique_ptr<testing::ChildProcess> start_tend(const std::filesystem::path& dir,
                                                         emulator::MattermostEmulator& mm,
                                                         const std::string& log_level = "info") {
  auto tend = std::make_unique<testing::ChildProcess>(dir, std::vector<std::string>{tend_binary(), "run"},
                                                      tend_environment(mm, log_level));
  if (!mm.wait_for_sockets(1, std::chrono::seconds(30)))
    throw std::runtime_error("Tend did not connect:\n" + tend->log());
  return tend;
}

// "http://127.0.0.1:PORT": Tend's listener, from its log line.
inline std::string listener_url(const testing::ChildProcess& tend) {
  const auto log = tend.log();
  const std::string marker = "HTTP listener on 127.0.0.1:";
  const auto at = log.find(marker);
  if (at == std::string::npos) throw std::runtime_error("Tend logged no listener:\n" + log);
  const auto start = at + marker.size();
  return "http://127.0.0.1:" + log.substr(start, log.find_first_not_of("0123456789", start) - start);
}

inline void add_people(emulator::MattermostEmulator& mm, int volunteers) {
  mm.set_user(mattermost_user(-1), {"ada", "Ada", "Lovelace", "", false, "", "Europe/London"});
  for (int u = 0; u < volunteers; ++u)
    mm.set_user(mattermost_user(u), {"user" + std::to_string(u), "User", "", "", false, "", "Europe/London"});
}

inline void add_people(emulator::SlackEmulator& slack, int volunteers) {
  slack.set_user("UADA", {"ada", "Ada Lovelace", "Europe/London"});
  for (int u = 0; u < volunteers; ++u)
    slack.set_user("U" + std::to_string(u), {"user" + std::to_string(u), "User", "Europe/London"});
}

}  // namespace tend::bench
