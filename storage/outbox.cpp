#include "storage/outbox.hpp"

#include "storage/message_json.hpp"
#include "storage/time.hpp"

namespace tend::storage {
namespace {

constexpr const char* kSelect =
    "SELECT id, recipient_kind, recipient, person_id, body, attempts, next_attempt_at, created_at, "
    "coalesce(idempotency_key, ''), message_kind, subject_person_id, about_at, status FROM outbox ";

OutboxItem read(SQLite::Statement& s) {
  OutboxItem item;
  item.id = s.getColumn(0).getInt64();
  item.recipient.kind =
      s.getColumn(1).getString() == "person" ? OutboxRecipient::Kind::person : OutboxRecipient::Kind::channel;
  item.recipient.id = s.getColumn(2).getString();
  if (!s.getColumn(3).isNull()) item.recipient.person_id = s.getColumn(3).getInt64();
  item.message = nlohmann::json::parse(s.getColumn(4).getString()).get<Message>();
  item.attempts = s.getColumn(5).getInt();
  item.next_attempt_at = from_unix_seconds(s.getColumn(6).getInt64());
  item.created_at = from_unix_seconds(s.getColumn(7).getInt64());
  item.idempotency_key = s.getColumn(8).getString();
  item.about.kind = config::parse_message_kind(s.getColumn(9).getString());
  if (!s.getColumn(10).isNull()) item.about.subject_person_id = s.getColumn(10).getInt64();
  if (!s.getColumn(11).isNull()) item.about.about_at = from_unix_seconds(s.getColumn(11).getInt64());
  item.status = s.getColumn(12).getString();
  return item;
}

}  // namespace

std::optional<int64_t> Outbox::enqueue(const OutboxRecipient& to, const Message& message, Instant send_at,
                                       const std::string& idempotency_key, const OutboxAbout& about) {
  auto& s = db_.statement(
      "INSERT INTO outbox (recipient_kind, recipient, person_id, body, idempotency_key, next_attempt_at, "
      "created_at, message_kind, subject_person_id, about_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (idempotency_key) DO NOTHING");
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
  s.bind(8, std::string(config::to_string(about.kind)));
  if (about.subject_person_id)
    s.bind(9, *about.subject_person_id);
  else
    s.bind(9);
  if (about.about_at)
    s.bind(10, unix_seconds(*about.about_at));
  else
    s.bind(10);
  if (s.exec() != 1) return std::nullopt;
  return db_.sql().getLastInsertRowid();
}

std::vector<OutboxItem> Outbox::due(Instant now, int limit) {
  auto& s =
      db_.statement(std::string(kSelect) +
                    "WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
  s.bind(1, unix_seconds(now));
  s.bind(2, limit);
  std::vector<OutboxItem> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

std::vector<OutboxItem> Outbox::held_about(int64_t person_id) {
  auto& s = db_.statement(std::string(kSelect) +
                          "WHERE subject_person_id = ? AND status = 'held' ORDER BY next_attempt_at, id");
  s.bind(1, person_id);
  std::vector<OutboxItem> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

std::vector<OutboxItem> Outbox::queued_or_sent(int limit) {
  auto& s = db_.statement(std::string(kSelect) +
                          "WHERE status IN ('pending', 'sent') ORDER BY next_attempt_at, id LIMIT ?");
  s.bind(1, limit);
  std::vector<OutboxItem> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

void Outbox::postpone(int64_t id, Instant at) {
  auto& s = db_.statement("UPDATE outbox SET next_attempt_at = ? WHERE id = ?");
  s.bind(1, unix_seconds(at));
  s.bind(2, id);
  s.exec();
}

void Outbox::hold(int64_t id) {
  auto& s = db_.statement("UPDATE outbox SET status = 'held' WHERE id = ? AND status = 'pending'");
  s.bind(1, id);
  s.exec();
}

void Outbox::set_aside(int64_t id, std::string_view status, const std::string& why) {
  auto& s = db_.statement("UPDATE outbox SET status = ?, last_error = ? WHERE id = ?");
  s.bind(1, std::string(status));
  s.bind(2, why);
  s.bind(3, id);
  s.exec();
}

std::optional<Instant> Outbox::earliest_pending() {
  auto& s = db_.statement("SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'");
  if (!s.executeStep() || s.getColumn(0).isNull()) return std::nullopt;
  return from_unix_seconds(s.getColumn(0).getInt64());
}

void Outbox::mark_sent(int64_t id, Instant at, const std::optional<Message>& delivered) {
  auto& s = db_.statement(
      "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL, "
      "body = coalesce(?, body) WHERE id = ?");
  s.bind(1, unix_seconds(at));
  if (delivered)
    s.bind(2, nlohmann::json(*delivered).dump());
  else
    s.bind(2);
  s.bind(3, id);
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
  return db_.tally("outbox_pending");
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
