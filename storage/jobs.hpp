#pragma once
// Work that falls due later (story follow-ups, prompts, reminders, escalations). The scheduler
// only ever asks for the earliest due time and for what is due now, both through the due_at
// index, so a million pending jobs cost neither start-up time nor memory.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "storage/database.hpp"

namespace tend::storage {

struct Job {
  int64_t id = 0;
  std::string kind;  // "story.followup", "checkin.prompt", …
  Instant due_at{};
  nlohmann::json payload;
  std::string key;  // idempotency key: one slot never yields two jobs
};

class Jobs {
 public:
  explicit Jobs(Database& db) : db_(db) {}
  // Returns false when a job with this key exists already.
  bool schedule(const std::string& kind, Instant due_at, const nlohmann::json& payload,
                const std::string& key);
  // Creates the job or moves the existing one with this key to the new time and payload.
  void reschedule(const std::string& kind, Instant due_at, const nlohmann::json& payload,
                  const std::string& key);
  std::optional<Instant> earliest();
  std::vector<Job> due(Instant now, int limit);
  std::optional<Job> by_key(const std::string& key);
  void move(int64_t id, Instant due_at);
  void remove(int64_t id);
  // Removes every job whose key starts with `prefix` ("story:12:"); returns how many.
  int remove_by_key_prefix(const std::string& prefix);
  int64_t count();

 private:
  Database& db_;
};

}  // namespace tend::storage
