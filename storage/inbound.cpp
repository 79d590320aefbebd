#include "storage/inbound.hpp"

#include <algorithm>

#include "storage/time.hpp"

#include "storage/message_json.hpp"

namespace tend::storage {

std::optional<Message> Inbound::reply_for(const std::vector<std::string>& delivery_ids) {
  for (const auto& id : delivery_ids) {
    if (id.empty()) continue;
    auto& s = db_.statement(
        "SELECT inbound.reply FROM inbound_ids JOIN inbound ON inbound.id = inbound_ids.reply_id "
        "WHERE inbound_ids.delivery_id = ?");
    s.bind(1, id);
    if (s.executeStep()) return nlohmann::json::parse(s.getColumn(0).getString()).get<Message>();
  }
  return std::nullopt;
}

void Inbound::record(const std::vector<std::string>& delivery_ids, const Message& reply, Instant now) {
  if (std::all_of(delivery_ids.begin(), delivery_ids.end(), [](const auto& id) { return id.empty(); }))
    return;
  auto& add_reply = db_.statement("INSERT INTO inbound (reply, at) VALUES (?, ?)");
  add_reply.bind(1, nlohmann::json(reply).dump());
  add_reply.bind(2, storage::unix_seconds(now));
  add_reply.exec();
  const auto reply_id = db_.sql().getLastInsertRowid();
  for (const auto& id : delivery_ids) {
    if (id.empty()) continue;
    auto& s = db_.statement("INSERT OR IGNORE INTO inbound_ids (delivery_id, reply_id) VALUES (?, ?)");
    s.bind(1, id);
    s.bind(2, reply_id);
    s.exec();
  }
}

void Inbound::forget_before(Instant before) {
  auto& ids =
      db_.statement("DELETE FROM inbound_ids WHERE reply_id IN (SELECT id FROM inbound WHERE at < ?)");
  ids.bind(1, storage::unix_seconds(before));
  ids.exec();
  auto& replies = db_.statement("DELETE FROM inbound WHERE at < ?");
  replies.bind(1, storage::unix_seconds(before));
  replies.exec();
}

std::optional<std::string> Meta::get(const std::string& key) {
  auto& s = db_.statement("SELECT value FROM meta WHERE key = ?");
  s.bind(1, key);
  if (!s.executeStep()) return std::nullopt;
  return s.getColumn(0).getString();
}

void Meta::set(const std::string& key, const std::string& value) {
  auto& s = db_.statement(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  s.bind(1, key);
  s.bind(2, value);
  s.exec();
}

}  // namespace tend::storage
