#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "storage/database.hpp"

namespace tend::storage {

struct Checkin {
  int64_t id = 0;
  int64_t person_id = 0;
  std::optional<int> score;  // none: a call for support without a score
  std::string note;
  bool is_private = false;
  bool asked_for_support = false;
  Instant at{};
};

class Checkins {
 public:
  explicit Checkins(Database& db) : db_(db) {}
  int64_t add(const Checkin& checkin);
  // Newest first.
  std::vector<Checkin> latest(int64_t person_id, int limit);
  // Removes the notes of check-ins made before `cutoff`, keeping their scores (note retention).
  void clear_notes_before(Instant cutoff);

 private:
  Database& db_;
};

}  // namespace tend::storage
