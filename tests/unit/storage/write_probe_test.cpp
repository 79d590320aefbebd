#include <catch2/catch.hpp>
#include <filesystem>

#include "storage/database.hpp"
#include "storage/inbound.hpp"

using namespace tend::storage;
using namespace std::chrono_literals;
using Catch::Contains;

TEST_CASE("the write probe says why the database cannot be written, and keeps nothing") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("tend-write-probe-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    Database db({dir / "tend.db"});
    CHECK_FALSE(db.write_problem(100ms));
    CHECK_FALSE(Meta(db).get("health.write_probe"));

    // Another process holding the write lock: refused after the short wait, not the usual 5 s.
    SQLite::Database other((dir / "tend.db").string(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    const auto started = std::chrono::steady_clock::now();
    const auto locked = db.write_problem(100ms);
    CHECK(std::chrono::steady_clock::now() - started < 4s);
    REQUIRE(locked);
    CHECK_THAT(*locked, Contains("locked"));
    other.exec("ROLLBACK");
    CHECK_FALSE(db.write_problem(100ms));

    db.sql().exec("PRAGMA query_only = ON");
    const auto read_only = db.write_problem(100ms);
    REQUIRE(read_only);
    CHECK_THAT(*read_only, Contains("readonly"));
    db.sql().exec("PRAGMA query_only = OFF");

    // Inside a transaction of Tend's own the lock is held: writable, and the transaction untouched.
    Transaction tx(db);
    Meta(db).set("kept", "yes");
    CHECK_FALSE(db.write_problem(100ms));
    tx.commit();
    CHECK(Meta(db).get("kept") == "yes");
  }
  std::filesystem::remove_all(dir);
}
