#include "storage/database.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>
#include <system_error>

#include "storage/gathered_wal.hpp"
#include "storage/migrations.hpp"

namespace tend::storage {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// The checkpoint thread keeps the log far below this; it only bounds the file if that thread
// cannot keep up (SQLite's default is 1,000 pages).
constexpr int kWriterCheckpointPages = 10'000;
constexpr std::chrono::milliseconds kCheckpointEvery{250};

// Each of Tend's connections is used by one thread at a time (the io_context's, or the checkpointer's
// own), so SQLite's per-connection mutexes guard nothing; and nothing reads SQLite's memory
// statistics, which take a global mutex on every allocation. Both cost a lock pair per call on the
// command path. Set before SQLite starts; where it already has (a test that opened a connection
// first), SQLite refuses the change and keeps its defaults, which are safe too.
void configure_sqlite_once() {
  [[maybe_unused]] static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
}

SQLite::Database open_file(const std::filesystem::path& path) {
  configure_sqlite_once();
  if (path != ":memory:") {
    std::error_code ec;
    auto dir = path.parent_path();
    if (!dir.empty()) {
      std::filesystem::create_directories(dir, ec);
      if (ec) throw StorageError("cannot create the data directory " + dir.string() + ": " + ec.message());
    }
  }
  try {
    return SQLite::Database(path.string().c_str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0,
                            gathered_wal_vfs());
  } catch (const SQLite::Exception& e) {
    throw StorageError("cannot open the database " + path.string() + ": " + e.what() +
                       " (check that the file and its directory are writable)");
  }
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Database::Database(const OpenOptions& options) : path_(options.path), db_(open_file(options.path)) {
  try {
    db_.exec("PRAGMA foreign_keys = ON");
    // Each command of a batch runs under a savepoint, whose undo records SQLite keeps in a temporary
    // file once they pass 64 KiB, and never in memory again: ten writes a command in a burst. In
    // memory they are emptied when each command's savepoint is released.
    db_.exec("PRAGMA temp_store = MEMORY");
    db_.setBusyTimeout(kBusyTimeoutMs);
    if (path_ != ":memory:") {
      auto mode = db_.execAndGet("PRAGMA journal_mode = WAL").getString();
      if (mode != "wal") throw StorageError("the database " + path_.string() + " cannot use WAL mode");
      db_.exec("PRAGMA wal_autocheckpoint = " + std::to_string(kWriterCheckpointPages));
    }
    db_.exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  } catch (const SQLite::Exception& e) {
    throw StorageError(path_.string() + " is not a usable Tend database (SQLite says: " + e.what() +
                       "). Move it away or point TEND_DB at another file.");
  }
  migrate();
  if (path_ != ":memory:") checkpointer_ = std::make_unique<Checkpointer>(path_, kCheckpointEvery);
}

SQLite::Statement& Database::statement(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    std::string text(sql);
    auto prepared = std::make_unique<SQLite::Statement>(db_, text);
    return *statements_.emplace(std::move(text), std::move(prepared)).first->second;
  }
  auto& statement = *found->second;
  statement.reset();
  statement.clearBindings();
  return statement;
}

int64_t Database::tally(std::string_view name) {
  // Reset at once, so the statement holds no read snapshot until its next use.
  auto& s = statement("SELECT n FROM tallies WHERE name = ?");
  s.bind(1, std::string(name));
  const int64_t n = s.executeStep() ? s.getColumn(0).getInt64() : 0;
  s.reset();
  return n;
}

void Database::rolled_back() {
  for (auto& [type, cache] : caches_) cache->clear();
}

std::optional<std::string> Database::write_problem(std::chrono::milliseconds wait) {
  // Inside a transaction of Tend's own the write lock is held already.
  if (sqlite3_get_autocommit(db_.getHandle()) == 0) return std::nullopt;
  std::optional<std::string> problem;
  db_.setBusyTimeout(static_cast<int>(wait.count()));
  try {
    db_.exec("BEGIN IMMEDIATE");
    try {
      db_.exec(
          "INSERT INTO meta (key, value) VALUES ('health.write_probe', '') "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    } catch (const SQLite::Exception& e) {
      problem = e.what();
    }
    db_.exec("ROLLBACK");
  } catch (const SQLite::Exception& e) {
    if (!problem) problem = e.what();
  }
  db_.setBusyTimeout(kBusyTimeoutMs);
  return problem;
}

int Database::latest_schema_version() {
  return migrations().back().version;
}

int Database::schema_version() {
  if (!db_.tableExists("schema_migrations")) return 0;
  return db_.execAndGet("SELECT coalesce(max(version), 0) FROM schema_migrations").getInt();
}

void Database::migrate() {
  try {
    db_.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at INTEGER NOT NULL)");
  } catch (const SQLite::Exception& e) {
    throw StorageError(path_.string() + " is not a usable Tend database (SQLite says: " + e.what() +
                       "). Move it away or point TEND_DB at another file.");
  }
  const int current = schema_version();
  if (current > latest_schema_version()) {
    throw StorageError("the database " + path_.string() + " has schema version " + std::to_string(current) +
                       ", newer than this Tend knows (" + std::to_string(latest_schema_version()) +
                       "). Run a newer Tend, or restore a backup made by this version.");
  }
  for (const auto& migration : migrations()) {
    if (migration.version <= current) continue;
    Transaction tx(*this);
    db_.exec(std::string(migration.sql));
    SQLite::Statement record(db_,
                             "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    record.bind(1, migration.version);
    record.bind(2, std::string(migration.name));
    record.bind(3, static_cast<int64_t>(unix_now()));
    record.exec();
    tx.commit();
  }
}

void Database::backup_to(const std::filesystem::path& target) {
  SQLite::Database out(target.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  SQLite::Backup backup(out, db_);
  backup.executeStep(-1);
}

Transaction::Transaction(Database& db) : db_(db) {
  // A cached statement stepped to a row and not yet reset holds a read transaction open; BEGIN
  // IMMEDIATE on such a connection fails at once with SQLITE_BUSY when another process is writing,
  // instead of waiting for it (SQLite calls no busy handler for a reader that would write).
  auto* handle = db_.sql().getHandle();
  for (auto* statement = sqlite3_next_stmt(handle, nullptr); statement;
       statement = sqlite3_next_stmt(handle, statement))
    if (sqlite3_stmt_busy(statement)) sqlite3_reset(statement);
  if (!sqlite3_get_autocommit(handle)) {
    // Left open by a failure SQLite did not recover from (see Savepoint): every BEGIN after it
    // would fail, and Tend would handle nothing more until restarted.
    spdlog::error("the database had a transaction left open by an earlier error; rolled it back");
    db_.rolled_back();
    db_.statement("ROLLBACK").exec();
  }
  db_.statement("BEGIN IMMEDIATE").exec();
}

Transaction::~Transaction() {
  if (open_) {
    db_.rolled_back();
    try {
      db_.statement("ROLLBACK").exec();
    } catch (...) {
      // A failed rollback leaves SQLite to roll back on close; nothing more can be done here.
    }
  }
}

void Transaction::commit() {
  db_.statement("COMMIT").exec();
  open_ = false;
}

// Savepoints open and close once per command: their statements are prepared once, like the rest.
Savepoint::Savepoint(Database& db, Scope scope) : db_(db), scope_(scope) {
  // After some errors (a full disk, an I/O error) SQLite rolls the whole transaction back itself.
  // A SAVEPOINT then would open a transaction of its own, which nothing would commit.
  if (sqlite3_get_autocommit(db_.sql().getHandle()))
    throw StorageError("the database rolled the transaction back after an earlier error");
  if (scope_ == Scope::shared) db_.statement("SAVEPOINT tend_command").exec();
}

Savepoint::~Savepoint() {
  if (open_) {
    db_.rolled_back();
    try {
      if (scope_ == Scope::shared) {
        db_.statement("ROLLBACK TO tend_command").exec();
        db_.statement("RELEASE tend_command").exec();
      } else {
        db_.statement("ROLLBACK").exec();
        db_.statement("BEGIN IMMEDIATE").exec();
      }
    } catch (...) {
      // The enclosing transaction is then unusable: its commit fails and nothing is acknowledged.
    }
  }
}

void Savepoint::release() {
  if (scope_ == Scope::shared) db_.statement("RELEASE tend_command").exec();
  open_ = false;
}

}  // namespace tend::storage
