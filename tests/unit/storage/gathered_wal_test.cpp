// The log written through storage/gathered_wal: every commit whole on disk when COMMIT returns,
// visible to another connection at once, and a failed write still the commit's error.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <functional>

#include "storage/gathered_wal.hpp"

using tend::storage::gathered_wal_vfs;

namespace {

struct TempDb {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("tend-gathered-wal-" + std::to_string(::getpid()));
  std::filesystem::path path = dir / "t.db";
  TempDb() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
};

SQLite::Database open_gathered(const std::filesystem::path& path) {
  REQUIRE(gathered_wal_vfs() != nullptr);
  SQLite::Database db(path.string().c_str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0,
                      gathered_wal_vfs());
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");  // as Tend: the log is not synced at each commit
  db.exec("PRAGMA wal_autocheckpoint = 0");
  db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  return db;
}

void insert(SQLite::Database& db, int rows) {
  SQLite::Statement s(db, "INSERT INTO t (v) VALUES (?)");
  for (int i = 0; i < rows; ++i) {
    s.bind(1, std::string(300, static_cast<char>('a' + i % 26)));
    s.exec();
    s.reset();
  }
}

void commit_rows(SQLite::Database& db, int rows) {
  SQLite::Transaction tx(db);
  insert(db, rows);
  tx.commit();
}

int64_t count(const std::filesystem::path& path) {
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  REQUIRE(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  return db.execAndGet("SELECT count(*) FROM t").getInt64();
}

// Runs `body` in a child process that ends with _exit: no destructor, no close, nothing written
// after the body returns. Gives the child's exit status.
int in_child_that_vanishes(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int status = 1;
    try {
      status = body();
    } catch (...) {
      status = 2;
    }
    ::_exit(status);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("every commit through the gathered log is on disk when COMMIT returns, whatever its size") {
  TempDb temp;
  // 50 commands alone, a batch of 200, one larger than a single write (6 MB, spilled as it goes),
  // and a large transaction rolled back: the process then vanishes without closing the database.
  const int status = in_child_that_vanishes([&] {
    auto db = open_gathered(temp.path);
    for (int i = 0; i < 50; ++i) commit_rows(db, 1);
    commit_rows(db, 200);
    commit_rows(db, 20'000);
    {
      SQLite::Transaction rolled_back(db);
      insert(db, 20'000);
    }
    commit_rows(db, 1);
    return 0;
  });
  REQUIRE(status == 0);
  CHECK(count(temp.path) == 50 + 200 + 20'000 + 1);
}

TEST_CASE("another connection reads each commit of the gathered log as soon as it returns") {
  TempDb temp;
  auto writer = open_gathered(temp.path);
  SQLite::Database reader(temp.path.string(), SQLite::OPEN_READONLY);
  int64_t expected = 0;
  for (int rows : {1, 1, 7, 1, 300, 1, 5'000, 2, 1}) {
    commit_rows(writer, rows);
    expected += rows;
    CHECK(reader.execAndGet("SELECT count(*) FROM t").getInt64() == expected);
    CHECK(reader.execAndGet("SELECT count(*) FROM t WHERE length(v) = 300").getInt64() == expected);
  }
}

TEST_CASE("a write to the gathered log that fails is the commit's error, and nothing of it is kept") {
  TempDb temp;
  {
    auto db = open_gathered(temp.path);
    commit_rows(db, 10);
  }
  const int status = in_child_that_vanishes([&] {
    auto db = open_gathered(temp.path);
    // The file may grow by 64 KiB more: the 1 MB commit cannot be written.
    std::signal(SIGXFSZ, SIG_IGN);
    const auto wal = std::filesystem::path(temp.path.string() + "-wal");
    const auto size = std::filesystem::exists(wal) ? std::filesystem::file_size(wal) : 0;
    rlimit limit{size + (64u << 10), size + (64u << 10)};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    try {
      commit_rows(db, 3'000);
    } catch (const SQLite::Exception&) {
      return 0;  // the failure reached the caller
    }
    return 3;  // COMMIT said yes though its frames could not be written
  });
  CHECK(status == 0);
  CHECK(count(temp.path) == 10);
}
