// crash_harness [rounds=20] [burst=400] [seed=time]
//
// `kill -9` at a random moment while Tend handles a burst of commands, `rounds` times over one
// database, restarting after each. Every command is a `/checkin 1 <unique note>` from a volunteer
// without a supervisor, so each one Tend keeps also queues a message to the coordinators (here the
// admin's DM): a check-in in the database and a message delivered are both visible afterwards.
// After a last clean run that delivers what is queued, it counts:
//   - acknowledged commands missing from the database (must be 0: an ack follows the commit),
//   - check-ins stored twice (must be 0),
//   - jobs lost: volunteers with a check-in but no overdue-check job (must be 0),
//   - coordinator messages lost (stored check-in, never delivered; must be 0) and delivered twice
//     (possible only when Tend dies between Slack's answer and the commit of `sent`).
#include <SQLiteCpp/SQLiteCpp.h>

#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "bench/harness.hpp"

using namespace tend;
using namespace std::chrono;
using json = nlohmann::json;

namespace {

constexpr int kVolunteers = 20;

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
  const int burst = argc > 2 ? std::atoi(argv[2]) : 400;
  const auto seed = argc > 3 ? std::stoul(argv[3]) : static_cast<unsigned long>(::time(nullptr));
  std::mt19937 rng(seed);

  emulator::SlackEmulator slack;
  bench::add_people(slack, kVolunteers);
  const auto dir = bench::fresh_directory("crash");

  std::map<std::string, std::string> note_of;  // envelope id -> note
  int killed_mid_burst = 0;
  for (int round = 0; round < rounds; ++round) {
    auto tend = bench::start_tend(dir, slack);
    if (round == 0) slack.send_slash_command("UADA", "/tend", "help");
    // Chunks of 20 every 2 ms: a burst of 400 takes about 40 ms to send, and the kill lands
    // anywhere from before the first command to after the last ack.
    std::uniform_int_distribution<int> kill_after_us(0, 60000);
    const auto kill_at = steady_clock::now() + microseconds(kill_after_us(rng));
    bool killed = false;
    for (int sent = 0; sent < burst && !killed; sent += 20) {
      std::vector<json> chunk;
      for (int i = sent; i < std::min(burst, sent + 20); ++i) {
        const auto note = "crash-" + std::to_string(round) + "-" + std::to_string(i);
        chunk.push_back(
            slack.slash_command_envelope("U" + std::to_string(i % kVolunteers), "/checkin", "1 " + note));
        note_of[chunk.back()["envelope_id"]] = note;
      }
      try {
        slack.send_all(chunk);
      } catch (const std::exception&) {
        break;  // the socket is already gone
      }
      std::this_thread::sleep_for(2ms);
      if (steady_clock::now() >= kill_at) {
        tend->signal(SIGKILL);
        killed = true;
        ++killed_mid_burst;
      }
    }
    if (!killed) {
      std::this_thread::sleep_until(kill_at);
      tend->signal(SIGKILL);
    }
    tend->wait(10s);
    slack.wait_for_sockets(0, 10s);
  }

  // A last, clean run: what was queued is delivered. It is done when the outbox holds nothing
  // pending (a minute at most: what is still pending then is counted as lost). Waiting for the
  // calls to stop instead once ended the count before a slow start-up had sent anything.
  auto tend = bench::start_tend(dir, slack);
  const auto database = (dir / "data" / "tend.db").string();
  for (const auto give_up = steady_clock::now() + 60s; steady_clock::now() < give_up;) {
    std::this_thread::sleep_for(500ms);
    SQLite::Database outbox(database, SQLite::OPEN_READONLY);
    if (outbox.execAndGet("SELECT count(*) FROM outbox WHERE status = 'pending'").getInt() == 0) break;
  }
  tend->signal(SIGTERM);
  tend->wait(30s);

  SQLite::Database db(database, SQLite::OPEN_READONLY);
  std::map<std::string, int> stored;
  SQLite::Statement notes(db, "SELECT note FROM checkins WHERE note LIKE 'crash-%'");
  while (notes.executeStep()) ++stored[notes.getColumn(0).getString()];
  SQLite::Statement orphans(
      db,
      "SELECT COUNT(*) FROM people p WHERE EXISTS (SELECT 1 FROM checkins c WHERE c.person_id = "
      "p.id) AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'checkin.overdue' AND "
      "j.subject_person_id = p.id)");
  orphans.executeStep();
  const int jobs_lost = orphans.getColumn(0).getInt();

  std::map<std::string, int> delivered;
  for (const auto& call : slack.calls("chat.postMessage")) {
    const auto text = call.args.value("text", "");
    const auto at = text.find("crash-");
    if (at == std::string::npos) continue;
    const auto end = text.find_first_not_of("crash-0123456789", at);
    ++delivered[text.substr(at, end == std::string::npos ? std::string::npos : end - at)];
  }

  int acked = 0, acked_missing = 0, unacked_stored = 0, stored_twice = 0, lost_messages = 0,
      twice_messages = 0;
  for (const auto& [id, note] : note_of) {
    const bool was_acked = slack.acks_for(id) > 0;
    const int copies = stored.count(note) ? stored[note] : 0;
    acked += was_acked;
    acked_missing += was_acked && copies == 0;
    unacked_stored += !was_acked && copies > 0;
    stored_twice += copies > 1;
    if (copies > 0) {
      const int sent = delivered.count(note) ? delivered[note] : 0;
      lost_messages += sent == 0;
      twice_messages += sent > 1;
    }
  }
  std::cout
      << "crash harness: " << rounds << " kill -9s (" << killed_mid_burst << " mid-burst) over bursts of "
      << burst << " commands, seed " << seed << "\n\n"
      << "| figure | count |\n|---|---|\n"
      << "| commands sent | " << note_of.size() << " |\n"
      << "| acknowledged | " << acked << " |\n"
      << "| stored, not acknowledged (Slack would deliver them again; answered from the stored reply) | "
      << unacked_stored << " |\n"
      << "| **acknowledged but missing from the database** | " << acked_missing << " |\n"
      << "| **check-ins stored twice** | " << stored_twice << " |\n"
      << "| **jobs lost** (volunteers with check-ins but no overdue check) | " << jobs_lost << " |\n"
      << "| **coordinator messages lost** | " << lost_messages << " |\n"
      << "| coordinator messages delivered twice | " << twice_messages << " |\n";
  std::filesystem::remove_all(dir);
  return acked_missing == 0 && stored_twice == 0 && jobs_lost == 0 && lost_messages == 0 ? 0 : 1;
}
