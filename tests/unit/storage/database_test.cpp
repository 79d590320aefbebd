#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/checkins.hpp"
#include "storage/database.hpp"
#include "storage/inbound.hpp"
#include "storage/jobs.hpp"
#include "storage/migrations.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"
#include "storage/time.hpp"

using namespace tend;
using namespace tend::storage;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("tend-storage-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

const Instant t0{std::chrono::seconds{1'780'000'000}};

// A database file as a Tend of schema `version` left it, for a test of what migrating it does.
SQLite::Database database_at_version(const std::filesystem::path& file, int version) {
  SQLite::Database old(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  old.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER "
      "NOT NULL)");
  for (const auto& m : migrations()) {
    if (m.version > version) break;
    old.exec(std::string(m.sql));
    old.exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'v', 0)");
  }
  return old;
}

}  // namespace

TEST_CASE("a new database gets every migration and the current schema version") {
  Database db({":memory:"});
  CHECK(db.schema_version() == Database::latest_schema_version());
  for (auto table : {"people", "roles", "checkins", "settings", "audit", "jobs", "outbox", "inbound", "meta"})
    CHECK(db.sql().tableExists(table));
}

TEST_CASE("reopening a database keeps its data and does not migrate twice") {
  TempDir dir;
  const auto file = dir.path / "tend.db";
  {
    Database db({file});
    Transaction tx(db);
    auto ada = People(db).create("console", "ada", "Ada", t0);
    Checkins(db).add({0, ada.id, 4, "fine", false, false, t0});
    tx.commit();
  }
  Database again({file});
  CHECK(again.schema_version() == Database::latest_schema_version());
  CHECK(again.sql().execAndGet("SELECT count(*) FROM schema_migrations").getInt() ==
        Database::latest_schema_version());
  auto ada = People(again).by_platform_id("console", "ada");
  REQUIRE(ada);
  CHECK(Checkins(again).latest(ada->id, 5).size() == 1);
  CHECK(again.sql().execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(again.sql().execAndGet("PRAGMA foreign_keys").getInt() == 1);
}

TEST_CASE("a database from a newer Tend is refused with a clear message") {
  TempDir dir;
  const auto file = dir.path / "tend.db";
  {
    Database db({file});
    db.sql().exec("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)");
  }
  try {
    Database db({file});
    FAIL("opened a newer schema");
  } catch (const StorageError& e) {
    CHECK_THAT(e.what(),
               Catch::Contains("schema version 999") && Catch::Contains("newer than this Tend knows"));
  }
}

TEST_CASE("a file that is not a database is refused with a clear message") {
  TempDir dir;
  const auto file = dir.path / "tend.db";
  std::ofstream(file) << "these are somebody's notes, not a database\n" << std::string(4096, 'x');
  try {
    Database db({file});
    FAIL("opened a text file as a database");
  } catch (const StorageError& e) {
    CHECK_THAT(e.what(), Catch::Contains("not a usable Tend database") && Catch::Contains(file.string()));
  }
}

TEST_CASE("a place where no database can be created is refused with a clear message") {
  try {
    Database db({"/proc/tend-cannot-be-here/tend.db"});
    FAIL("created a database under /proc");
  } catch (const StorageError& e) {
    CHECK_THAT(e.what(), Catch::Contains("/proc/tend-cannot-be-here"));
  }
}

TEST_CASE("a transaction that is not committed leaves nothing behind") {
  Database db({":memory:"});
  {
    Transaction tx(db);
    People(db).create("console", "ada", "Ada", t0);
  }
  CHECK_FALSE(People(db).by_platform_id("console", "ada"));
}

TEST_CASE("a failed command is undone and the transaction still commits, alone in it or not") {
  // alone: no SQL savepoint; the whole transaction is rolled back and begun again.
  const auto scope = GENERATE(Savepoint::Scope::shared, Savepoint::Scope::alone);
  Database db({":memory:"});
  People people(db);
  {
    Transaction tx(db);
    {
      Savepoint failing(db, scope);
      people.create("console", "ada", "Ada", t0);
      REQUIRE(people.by_platform_id("console", "ada"));
    }  // not released
    CHECK_FALSE(people.by_platform_id("console", "ada"));
    Savepoint next(db, scope);
    people.create("console", "bo", "Bo", t0);
    next.release();
    tx.commit();
  }
  CHECK_FALSE(people.by_platform_id("console", "ada"));
  CHECK(people.by_platform_id("console", "bo"));
}

TEST_CASE("a command after SQLite rolled the batch back on its own is refused, not committed alone") {
  Database db({":memory:"});
  Transaction tx(db);
  db.sql().exec("ROLLBACK");  // what SQLite does itself after a full disk or an I/O error
  CHECK_THROWS_AS(Savepoint(db), StorageError);
  CHECK(sqlite3_get_autocommit(db.sql().getHandle()) != 0);  // no transaction was opened by it
}

TEST_CASE("a transaction left open by an earlier failure does not stop every later one") {
  Database db({":memory:"});
  db.sql().exec("BEGIN");
  People(db).create("console", "ada", "Ada", t0);  // in the transaction nobody will commit
  {
    Transaction tx(db);
    People(db).create("console", "bo", "Bo", t0);
    tx.commit();
  }
  CHECK(People(db).by_platform_id("console", "bo"));
  CHECK_FALSE(People(db).by_platform_id("console", "ada"));
}

TEST_CASE("a write waits for another process's write, also after a read left a statement on a row") {
  TempDir dir;
  Database db({dir.path / "tend.db"});
  {
    Transaction tx(db);
    People(db).create("console", "ada", "Ada", t0);
    tx.commit();
  }
  REQUIRE(People(db).by_platform_id("console", "ada"));  // its statement stays on the row it found
  SQLite::Database other((dir.path / "tend.db").string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    other.exec("ROLLBACK");
  });
  // Without settling that read, SQLite would refuse at once ("database is locked").
  CHECK_NOTHROW([&] {
    Transaction tx(db);
    People(db).create("console", "bo", "Bo", t0);
    tx.commit();
  }());
  release.join();
  CHECK(People(db).by_platform_id("console", "bo"));
}

TEST_CASE("the outbox writes one message per idempotency key") {
  Database db({":memory:"});
  Message m{"hello", {{"Done", "nudge.done", "1"}}, {}};
  Outbox outbox(db);
  CHECK(outbox.enqueue({OutboxRecipient::Kind::person, "sam", std::nullopt}, m, t0, "key-1"));
  CHECK_FALSE(outbox.enqueue({OutboxRecipient::Kind::person, "sam", std::nullopt}, m, t0, "key-1"));
  auto due = outbox.due(t0, 10);
  REQUIRE(due.size() == 1);
  CHECK(due.front().message == m);
  outbox.mark_sent(due.front().id, t0);
  CHECK(outbox.due(t0, 10).empty());
}

TEST_CASE("replies stored before they listed their delivery ids are still forgotten with their ids") {
  TempDir dir;
  const auto file = dir.path / "tend.db";
  {
    // Schema version 10: ids found from a reply through an index of their own.
    auto old = database_at_version(file, 10);
    old.exec(
        "INSERT INTO inbound (id, reply, at) VALUES (1, '{\"text\":\"old\"}', 100), "
        "(2, '{\"text\":\"new\"}', 5000)");
    old.exec("INSERT INTO inbound_ids VALUES ('E1', 1), ('T1', 1), ('E2', 2)");
  }
  Database db({file});
  CHECK(db.schema_version() == Database::latest_schema_version());
  Inbound inbound(db);
  inbound.forget_before(Instant{std::chrono::seconds{1000}});
  CHECK_FALSE(inbound.reply_for({"E1"}));
  CHECK_FALSE(inbound.reply_for({"T1"}));
  CHECK(inbound.reply_for({"E2"})->text == "new");
  CHECK(db.sql().execAndGet("SELECT count(*) FROM inbound_ids").getInt() == 1);
}

TEST_CASE("a database from before typed jobs moves over: every job knows whom it is about") {
  TempDir dir;
  const auto file = dir.path / "tend.db";
  {
    // Schema version 4, as the last Tend left it: payloads as JSON, a break that pushed jobs to 9999.
    auto old = database_at_version(file, 4);
    old.exec(
        "INSERT INTO people (id, platform, platform_user_id, display_name, on_break_until, created_at) "
        "VALUES "
        "(7, 'console', 'bo', 'bo', 253402300799, 0), (8, 'console', 'sam', 'sam', NULL, 0)");
    old.exec("INSERT INTO stories (id, volunteer_id, at, what, created_at) VALUES (3, 7, 0, 'talk', 0)");
    old.exec("INSERT INTO nudges (id, volunteer_id, reason, created_at) VALUES (4, 7, 'r', 0)");
    old.exec(
        "INSERT INTO jobs (kind, due_at, payload, idempotency_key, created_at) VALUES "
        "('checkin.prompt', 253402300800, '{\"person\":7}', 'prompt:7', 0), "
        "('story.followup', 100, '{\"story\":3,\"offset\":86400}', 'story:3:followup:86400', 0), "
        "('nudge.escalate', 200, '{\"nudge\":4}', 'nudge:4:escalate', 0), "
        "('checkin.overdue', 300, '{\"person\":8}', 'overdue:8', 0), "
        "('privacy.retention', 400, '{}', 'housekeeping:daily', 0)");
    old.exec(
        "INSERT INTO outbox (recipient_kind, recipient, person_id, body, next_attempt_at, created_at) VALUES "
        "('person', 'sam', 8, '{\"text\":\"hello\"}', 500, 0)");
  }
  Database db({file});
  CHECK(db.schema_version() == Database::latest_schema_version());
  Jobs jobs(db);
  auto about_bo = jobs.about(7);
  REQUIRE(about_bo.size() == 3);
  CHECK(about_bo[0].kind == JobKind::story_followup);
  CHECK(about_bo[0].as<StoryJob>().offset == std::chrono::days(1));
  CHECK(about_bo[1].kind == JobKind::nudge_escalate);
  // The open-ended break had pushed the prompt to the year 9999: now it is held, out of the due index.
  CHECK(about_bo[2].kind == JobKind::checkin_prompt);
  CHECK(about_bo[2].held);
  CHECK(jobs.held_about(7).size() == 1);
  CHECK(jobs.about(8).size() == 1);
  CHECK(jobs.count() == 5);
  // "Every job about P" is an index lookup.
  SQLite::Statement explain(db.sql(), "EXPLAIN QUERY PLAN SELECT id FROM jobs WHERE subject_person_id = 7");
  std::string detail;
  while (explain.executeStep()) detail += explain.getColumn(3).getString();
  CHECK_THAT(detail, Catch::Contains("USING INDEX jobs_subject") ||
                         Catch::Contains("USING COVERING INDEX jobs_subject"));
  CHECK(jobs.remove_about(7) == 3);
  // The outbox rows survived the table's rebuild.
  REQUIRE(Outbox(db).due(from_unix_seconds(1000), 10).size() == 1);
  CHECK(Outbox(db).due(from_unix_seconds(1000), 10)[0].message.text == "hello");
}
