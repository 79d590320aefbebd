#pragma once
// Work that falls due later (story follow-ups, prompts, reminders, escalations). The scheduler
// only ever asks for the earliest due time and for what is due now, both through an index on
// due_at, so a million pending jobs cost neither start-up time nor memory. A job about a person
// carries them in subject_person_id (indexed): "every job about P" is a lookup, not a scan.
// A job held for its subject's break keeps its own due time and leaves the due index until the
// break ends.
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "storage/database.hpp"
#include "storage/job_payloads.hpp"

namespace tend::storage {

struct Job {
  int64_t id = 0;
  JobKind kind = JobKind::privacy_retention;
  bool known_kind = true;  // false: a row this version cannot read (its kind or payload)
  Instant due_at{};
  JobPayload payload;
  std::string key;  // idempotency key: one slot never yields two jobs
  std::optional<int64_t> subject_person_id;
  bool held = false;

  template <class P>
  const P& as() const {
    return std::get<P>(payload);
  }
};

struct NewJob {
  JobKind kind;
  Instant due_at;
  JobPayload payload;
  std::string key;
  std::optional<int64_t> subject_person_id;
};

class Jobs {
 public:
  explicit Jobs(Database& db) : db_(db) {}
  // Returns false when a job with this key exists already.
  bool schedule(const NewJob& job);
  // Creates the job or moves the existing one with this key to the new time and payload (and
  // releases it if it was held).
  void reschedule(const NewJob& job);
  std::optional<Instant> earliest();
  std::vector<Job> due(Instant now, int limit);
  std::optional<Job> by_key(const std::string& key);
  void move(int64_t id, Instant due_at);
  // Out of the due index until release(): its subject is on a break.
  void hold(int64_t id);
  void release(int64_t id, Instant due_at);
  std::vector<Job> held_about(int64_t person_id);
  // Every job about this person, held or not, soonest first.
  std::vector<Job> about(int64_t person_id);
  // Not held, due by `now`, of this kind, about this person: what falls due together.
  std::vector<Job> due_about(int64_t person_id, JobKind kind, Instant now);
  void remove(int64_t id);
  // Removes every job whose key starts with `prefix` ("story:12:"); returns how many.
  int remove_by_key_prefix(const std::string& prefix);
  // Removes every job about this person; returns how many.
  int remove_about(int64_t person_id);
  int64_t count();

 private:
  Database& db_;
};

}  // namespace tend::storage
