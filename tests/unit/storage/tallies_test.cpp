// /metrics reads the pending jobs and messages from counts that triggers keep. Whatever Tend does
// to jobs and the outbox (including what a deleted person takes with them and what a rollback takes
// back), those counts must equal what count(*) finds: a few thousand random steps, checked after
// each against count(*) itself.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "storage/database.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"

using namespace tend;
using namespace tend::storage;

namespace {

const Instant kNow{std::chrono::seconds{1'800'000'000}};

int64_t counted(Database& db, const char* sql) {
  return db.sql().execAndGet(sql).getInt64();
}

}  // namespace

TEST_CASE("the pending counts /metrics reads agree with count(*) after every kind of change") {
  Database db({":memory:"});
  People people(db);
  Jobs jobs(db);
  Outbox outbox(db);
  std::mt19937 rng(7);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };

  std::vector<int64_t> persons;
  for (int k = 0; k < 6; ++k) persons.push_back(people.create("t", "p" + std::to_string(k), "p", kNow).id);
  int made = 0;
  auto some_job = [&]() -> std::optional<int64_t> {
    auto all = jobs.due(kNow + std::chrono::days(9999), 1000);
    if (all.empty()) return std::nullopt;
    return all[static_cast<std::size_t>(pick(static_cast<int>(all.size())))].id;
  };
  auto some_row = [&]() -> std::optional<int64_t> {
    const auto rows = counted(db, "SELECT count(*) FROM outbox");
    if (rows == 0) return std::nullopt;
    SQLite::Statement row(db.sql(), "SELECT id FROM outbox ORDER BY id LIMIT 1 OFFSET ?");
    row.bind(1, static_cast<int64_t>(pick(static_cast<int>(rows))));
    row.executeStep();
    return row.getColumn(0).getInt64();
  };
  int64_t most_jobs = 0, most_pending = 0;

  for (int step = 0; step < 3000; ++step) {
    const auto person = persons[static_cast<std::size_t>(pick(static_cast<int>(persons.size())))];
    const bool roll_back = pick(5) == 0;
    {
      Transaction tx(db);
      const auto key = "k" + std::to_string(pick(40)) + ":" + std::to_string(pick(3));
      const NewJob job{JobKind::checkin_prompt, kNow + std::chrono::hours(pick(100)), PersonJob{person}, key,
                       person};
      switch (pick(16)) {
        case 0:
          jobs.schedule(job);
          break;
        case 1:
          jobs.reschedule(job);
          break;
        case 2:
          if (auto id = some_job()) jobs.remove(*id);
          break;
        case 3:
          jobs.remove_by_key_prefix("k" + std::to_string(pick(40)) + ":");
          break;
        case 4:
          jobs.remove_about(person);
          break;
        case 5:
        case 13:
        case 14:
        case 15:
          outbox.enqueue({OutboxRecipient::Kind::person, "u", person}, Message{"hi", {}, {}}, kNow,
                         "m" + std::to_string(pick(1000)), {config::MessageKind::prompt, person, kNow});
          break;
        case 6:
          if (auto id = some_row()) outbox.mark_sent(*id, kNow);
          break;
        case 7:
          if (auto id = some_row()) outbox.hold(*id);
          break;
        case 8:
          if (auto id = some_row()) outbox.set_aside(*id, "merged", "given back");
          break;
        case 9:
          if (auto id = some_row()) outbox.retry_later(*id, kNow + std::chrono::minutes(5), "busy");
          break;
        case 10:
          if (auto id = some_row()) outbox.mark_dead(*id, "gone");
          break;
        case 11:
          if (auto id = some_job()) jobs.hold(*id);
          break;
        case 12:
          // A person deleted takes their jobs and messages with them (by cascade).
          people.forget(person);
          persons.erase(std::find(persons.begin(), persons.end(), person));
          persons.push_back(people.create("t", "n" + std::to_string(++made), "n", kNow).id);
          break;
      }
      if (!roll_back) tx.commit();
    }
    if (roll_back) {
      // The people list may name someone the rollback brought back or never made: start it again.
      persons.clear();
      SQLite::Statement everyone(db.sql(), "SELECT id FROM people");
      while (everyone.executeStep()) persons.push_back(everyone.getColumn(0).getInt64());
    }
    INFO("step " << step);
    REQUIRE(jobs.count() == counted(db, "SELECT count(*) FROM jobs"));
    REQUIRE(outbox.count_pending() == counted(db, "SELECT count(*) FROM outbox WHERE status = 'pending'"));
    most_jobs = std::max(most_jobs, jobs.count());
    most_pending = std::max(most_pending, outbox.count_pending());
  }
  // The steps went through many states, not only empty ones.
  CHECK(most_jobs > 10);
  CHECK(most_pending > 10);
}
