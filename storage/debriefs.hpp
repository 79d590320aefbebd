#pragma once
// Debriefs: after a peer-support session, how it went (1-5), whether it stirred up the
// volunteer's own experience, whether they would like to talk to someone, and a note. The
// supervisor sees them at the next supervision; a debrief that needs attention reaches them at once.
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "storage/database.hpp"

namespace tend::storage {

struct Debrief {
  int64_t id = 0;
  int64_t person_id = 0;
  int score = 3;
  std::optional<std::string> stirred;  // "yes", "a little", "no"; nullopt: not answered
  std::optional<bool> talk;            // nullopt: not answered
  std::string note;
  bool is_private = false;
  std::optional<Instant> escalated_at;  // when the supervisor (or the person on call) was told
  Instant at{};
};

// How many debriefs since a moment, and how many of them were escalated.
struct DebriefCount {
  int total = 0;
  int escalated = 0;
};

class Debriefs {
 public:
  explicit Debriefs(Database& db) : db_(db) {}
  int64_t add(const Debrief& debrief);
  std::optional<Debrief> by_id(int64_t id);
  void set_stirred(int64_t id, const std::string& stirred);
  void set_talk(int64_t id, bool talk);
  void mark_escalated(int64_t id, Instant at);
  // Newest first.
  std::vector<Debrief> latest(int64_t person_id, int limit);
  // Made at or after `from`, oldest first, at most `limit` (the newest of them).
  std::vector<Debrief> since(int64_t person_id, Instant from, int limit);
  DebriefCount count_since(int64_t person_id, Instant from);
  // Removes the notes of debriefs made before `cutoff`, keeping the rest (note retention).
  void clear_notes_before(Instant cutoff);

 private:
  Database& db_;
};

}  // namespace tend::storage
