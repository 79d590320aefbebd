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
#include <string_view>
#include <typeindex>
#include <unordered_map>

#include "storage/checkpointer.hpp"

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

// Rows kept in memory between commands (people, settings), so a command does not read again what
// did not change. The repository that writes a table empties its cache in the same call, and every
// cache is emptied when a transaction or savepoint rolls back: a cache never holds what the
// database does not.
class Cache {
 public:
  virtual ~Cache() = default;
  virtual void clear() = 0;
};

class Database {
 public:
  explicit Database(const OpenOptions& options);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  SQLite::Database& sql() { return db_; }
  // A count that triggers keep as rows change (migration 10): "jobs", "outbox_pending".
  int64_t tally(std::string_view name);
  // A prepared statement kept for the life of the connection, reset and unbound, ready to bind.
  SQLite::Statement& statement(std::string_view sql);

  // The one cache of type C (a Cache) for this database, made on first use.
  template <class C>
  C& cache() {
    auto& slot = caches_[std::type_index(typeid(C))];
    if (!slot) slot = std::make_unique<C>();
    return static_cast<C&>(*slot);
  }

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
  friend class Transaction;
  friend class Savepoint;
  void migrate();
  void rolled_back();

  // Looked up by the statement's text without making a string of it each time.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::filesystem::path path_;
  SQLite::Database db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>, TextHash, std::equal_to<>> statements_;
  std::unordered_map<std::type_index, std::unique_ptr<Cache>> caches_;
  std::unique_ptr<Checkpointer> checkpointer_;  // for a file; stops before the connection closes
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

// One command's share of a transaction: released, its work stays in the transaction; otherwise (an
// error, an exception) it is rolled back and its neighbours' work stays.
class Savepoint {
 public:
  // `shared`: other commands share the transaction, so a SQL savepoint marks where this one began.
  // `alone`: the command is the transaction's only work, and the transaction's start is that mark:
  // no SAVEPOINT is opened (SQLite would copy every page the command touches to undo it), and
  // undoing the command rolls the transaction back and begins it again, empty.
  enum class Scope { shared, alone };
  explicit Savepoint(Database& db, Scope scope = Scope::shared);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release();

 private:
  Database& db_;
  Scope scope_;
  bool open_ = true;
};

}  // namespace tend::storage
