#include "storage/outbox.hpp"

#include "storage/message_json.hpp"
#include "storage/time.hpp"

namespace tend::storage {
bool Outbox::enqueue(const OutboxRecipient& to, const Message& message, Instant send_at,
                     const std::string& idempotency_key) {
  auto& s = db_.statement(
      "INSERT INTO outbox (recipient_kind, recipient, person_id, body, idempotency_key, next_attempt_at, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING");
  s.bind(1, to.kind == OutboxRecipient::Kind::person ? "person" : "channel");
  s.bind(2, to.id);
  if (to.person_id)
    s.bind(3, *to.person_id);
  else
    s.bind(3);
  s.bind(4, nlohmann::json(message).dump());
  if (idempotency_key.empty())
    s.bind(5);
  else
    s.bind(5, idempotency_key);
  s.bind(6, unix_seconds(send_at));
  s.bind(7, unix_seconds(send_at));
  return s.exec() == 1;
}

std::vector<OutboxItem> Outbox::due(Instant now, int limit) {
  auto& s = db_.statement(
      "SELECT id, recipient_kind, recipient, person_id, body, attempts, next_attempt_at, created_at, "
      "coalesce(idempotency_key, '') FROM outbox "
      "WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
  s.bind(1, unix_seconds(now));
  s.bind(2, limit);
  std::vector<OutboxItem> out;
  while (s.executeStep()) {
    OutboxItem item;
    item.id = s.getColumn(0).getInt64();
    item.recipient.kind = s.getColumn(1).getString() == "person" ? OutboxRecipient::Kind::person
                                                                 : OutboxRecipient::Kind::channel;
    item.recipient.id = s.getColumn(2).getString();
    if (!s.getColumn(3).isNull()) item.recipient.person_id = s.getColumn(3).getInt64();
    item.message = nlohmann::json::parse(s.getColumn(4).getString()).get<Message>();
    item.attempts = s.getColumn(5).getInt();
    item.next_attempt_at = from_unix_seconds(s.getColumn(6).getInt64());
    item.created_at = from_unix_seconds(s.getColumn(7).getInt64());
    item.idempotency_key = s.getColumn(8).getString();
    out.push_back(std::move(item));
  }
  return out;
}

std::optional<Instant> Outbox::earliest_pending() {
  auto& s = db_.statement("SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'");
  if (!s.executeStep() || s.getColumn(0).isNull()) return std::nullopt;
  return from_unix_seconds(s.getColumn(0).getInt64());
}

void Outbox::mark_sent(int64_t id, Instant at) {
  auto& s = db_.statement(
      "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = "
      "?");
  s.bind(1, unix_seconds(at));
  s.bind(2, id);
  s.exec();
}

void Outbox::retry_later(int64_t id, Instant next_attempt_at, const std::string& error) {
  auto& s = db_.statement(
      "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?");
  s.bind(1, unix_seconds(next_attempt_at));
  s.bind(2, error);
  s.bind(3, id);
  s.exec();
}

void Outbox::mark_dead(int64_t id, const std::string& error) {
  auto& s = db_.statement(
      "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?");
  s.bind(1, error);
  s.bind(2, id);
  s.exec();
}

int64_t Outbox::count_pending() {
  return db_.sql().execAndGet("SELECT count(*) FROM outbox WHERE status = 'pending'").getInt64();
}

}  // namespace tend::storage

namespace tend::storage {
bool Outbox::exists(const std::string& idempotency_key) {
  // The key itself, or the per-admin copies fanned out from it ("key@12"): a range on the unique index.
  auto& s = db_.statement(
      "SELECT 1 FROM outbox WHERE idempotency_key = ? OR (idempotency_key > ? AND idempotency_key < ?) LIMIT "
      "1");
  s.bind(1, idempotency_key);
  s.bind(2, idempotency_key + "@");
  s.bind(3, idempotency_key + "A");
  return s.executeStep();
}
}  // namespace tend::storage
