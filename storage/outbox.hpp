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
#include "config/delivery_policy.hpp"
#include "storage/database.hpp"

namespace tend::storage {

struct OutboxRecipient {
  enum class Kind { person, channel };
  Kind kind = Kind::person;
  std::string id;  // platform user id or channel id
  std::optional<int64_t> person_id;
};

// What the delivery policy needs to decide again just before a row is sent.
struct OutboxAbout {
  config::MessageKind kind = config::MessageKind::notice;
  std::optional<int64_t> subject_person_id;  // the person the message is about
  std::optional<Instant> about_at;           // the moment it speaks of (an alert's check-in, a due follow-up)
};

struct OutboxItem {
  int64_t id = 0;
  OutboxRecipient recipient;
  Message message;
  OutboxAbout about;
  std::string status;  // pending, sent, dead, held, merged, dropped
  int attempts = 0;
  Instant next_attempt_at{};
  Instant created_at{};
  std::string idempotency_key;
};

class Outbox {
 public:
  explicit Outbox(Database& db) : db_(db) {}
  // The new row's id; nullopt when a message with this idempotency key exists already (nothing
  // written). `send_at`: not before then (the caller asked the delivery policy).
  std::optional<int64_t> enqueue(const OutboxRecipient& to, const Message& message, Instant send_at,
                                 const std::string& idempotency_key = {}, const OutboxAbout& about = {});
  std::vector<OutboxItem> due(Instant now, int limit);
  std::optional<Instant> earliest_pending();
  // `delivered`: the text as it went out (moments named at the time of sending), kept with the row.
  void mark_sent(int64_t id, Instant at, const std::optional<Message>& delivered = std::nullopt);
  // Not yet: the recipient's hours moved (no attempt is counted).
  void postpone(int64_t id, Instant at);
  // Held until its subject's break ends; then merged into one message, or set aside as dropped.
  void hold(int64_t id);
  std::vector<OutboxItem> held_about(int64_t person_id);
  void set_aside(int64_t id, std::string_view status, const std::string& why);
  // Every row that is pending or was sent, oldest planned first: what people were or will be sent.
  std::vector<OutboxItem> queued_or_sent(int limit);
  void retry_later(int64_t id, Instant next_attempt_at, const std::string& error);
  void mark_dead(int64_t id, const std::string& error);
  int64_t count_pending();
  // Whether a message with this key, or its per-admin copies ("key@<id>"), was queued.
  bool exists(const std::string& idempotency_key);

 private:
  Database& db_;
};

}  // namespace tend::storage
