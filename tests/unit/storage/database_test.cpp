#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "storage/checkins.hpp"
#include "storage/database.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"

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
