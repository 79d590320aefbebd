#pragma once
// Who changed or read what, and when. Content (check-in notes) never goes here.
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "storage/database.hpp"

namespace tend::storage {

struct AuditEntry {
  int64_t id = 0;
  Instant at{};
  std::optional<int64_t> actor_id;
  std::string action;  // "set", "person.kind", "checkins.read", …
  std::optional<int64_t> subject_id;
  std::string detail;  // e.g. the setting key
  std::string old_value;
  std::string new_value;
};

class Audit {
 public:
  explicit Audit(Database& db) : db_(db) {}
  void record(const AuditEntry& entry);
  std::vector<AuditEntry> latest(int limit);
  // Keeps the record that changes by or about the person happened (when, what kind), without
  // their details or values: what /tend forget leaves behind.
  void redact_about(int64_t person_id);

 private:
  Database& db_;
};

}  // namespace tend::storage
