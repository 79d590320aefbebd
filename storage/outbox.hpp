#pragma once
// Messages Tend sends on its own (escalations, nudges, prompts). A row is written in the same
// transaction as the change that caused it and is marked sent only after the platform said so:
// delivery is at-least-once, and the only duplicate window is between the platform's answer
// and the commit of `sent`.
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/message.hpp"
#include "storage/database.hpp"

namespace tend::storage {

struct OutboxRecipient {
  enum class Kind { person, channel };
  Kind kind = Kind::person;
  std::string id;  // platform user id or channel id
  std::optional<int64_t> person_id;
};

struct OutboxItem {
  int64_t id = 0;
  OutboxRecipient recipient;
  Message message;
  int attempts = 0;
  Instant next_attempt_at{};
  Instant created_at{};
  std::string idempotency_key;
};

class Outbox {
 public:
  explicit Outbox(Database& db) : db_(db) {}
  // Returns false when a message with this idempotency key exists already (nothing written).
  // `send_at`: not before then (the recipient's quiet hours and working days are applied by the caller).
  bool enqueue(const OutboxRecipient& to, const Message& message, Instant send_at,
               const std::string& idempotency_key = {});
  std::vector<OutboxItem> due(Instant now, int limit);
  std::optional<Instant> earliest_pending();
  void mark_sent(int64_t id, Instant at);
  void retry_later(int64_t id, Instant next_attempt_at, const std::string& error);
  void mark_dead(int64_t id, const std::string& error);
  int64_t count_pending();
  // Whether a message with this key, or its per-admin copies ("key@<id>"), was queued.
  bool exists(const std::string& idempotency_key);

 private:
  Database& db_;
};

}  // namespace tend::storage
