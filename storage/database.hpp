#pragma once
// One SQLite file through SQLiteCpp: WAL, foreign keys, a busy timeout, versioned migrations
// applied at open, and write transactions that begin IMMEDIATE (a deferred transaction that
// later writes gets an instant SQLITE_BUSY in WAL mode, whatever the busy timeout says).
#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace tend::storage {

// A problem with the database file that a person has to fix (wrong file, no permission, newer
// schema). The message says what and where, in words an operator understands.
struct StorageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OpenOptions {
  std::filesystem::path path;     // ":memory:" for tests
  bool synchronous_full = false;  // storage.synchronous = "full": durable across power loss
};

class Database {
 public:
  explicit Database(const OpenOptions& options);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  SQLite::Database& sql() { return db_; }
  // A prepared statement kept for the life of the connection, reset and unbound, ready to bind.
  SQLite::Statement& statement(const std::string& sql);

  int schema_version();
  static int latest_schema_version();
  const std::filesystem::path& path() const { return path_; }

  // SQLite's online backup into `target` (the running database stays usable).
  void backup_to(const std::filesystem::path& target);

  // Why a write could not be made now (locked by another writer for longer than `wait`, read-only,
  // unusable), or nothing when one could: a write transaction begins and writes a row, then rolls
  // back, so nothing is kept. What /healthz reports; it never waits longer than `wait`.
  std::optional<std::string> write_problem(std::chrono::milliseconds wait);

 private:
  void migrate();

  std::filesystem::path path_;
  SQLite::Database db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
};

// BEGIN IMMEDIATE … COMMIT; rolls back when destroyed uncommitted (an exception in a handler).
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

// One command's share of a transaction several commands share: released, its work stays in the
// transaction; otherwise (an error, an exception) it is rolled back and its neighbours' work stays.
class Savepoint {
 public:
  explicit Savepoint(Database& db);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release();

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace tend::storage
