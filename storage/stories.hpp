#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "storage/database.hpp"

namespace tend::storage {

struct Story {
  int64_t id = 0;
  int64_t volunteer_id = 0;
  std::optional<int64_t> logged_by;
  Instant at{};
  std::string what;
  bool cancelled = false;
};

class Stories {
 public:
  explicit Stories(Database& db) : db_(db) {}
  int64_t add(int64_t volunteer_id, int64_t logged_by, Instant at, const std::string& what, Instant now);
  std::optional<Story> by_id(int64_t id);
  // Newest first; cancelled ones left out.
  std::vector<Story> of_volunteer(int64_t volunteer_id, int limit);
  void cancel(int64_t id);

 private:
  Database& db_;
};

struct Nudge {
  int64_t id = 0;
  int64_t volunteer_id = 0;
  std::optional<int64_t> owner_id;
  std::string reason;
  std::string status;  // open, done, escalated
  Instant created_at{};
  std::optional<Instant> done_at;
  std::optional<int64_t> done_by;
};

class Nudges {
 public:
  explicit Nudges(Database& db) : db_(db) {}
  int64_t add(int64_t volunteer_id, std::optional<int64_t> owner_id, const std::string& reason, Instant now);
  std::optional<Nudge> by_id(int64_t id);
  void set_owner(int64_t id, int64_t owner_id);
  void mark_done(int64_t id, int64_t by, Instant at);
  void mark_escalated(int64_t id);
  // The last time someone said they had checked in with this volunteer.
  std::optional<Nudge> last_done(int64_t volunteer_id);

 private:
  Database& db_;
};

}  // namespace tend::storage
