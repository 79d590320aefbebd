#include "storage/inbound.hpp"
#include "storage/time.hpp"

#include "storage/message_json.hpp"

namespace tend::storage {

std::optional<Message> Inbound::reply_for(const std::vector<std::string>& delivery_ids) {
  for (const auto& id : delivery_ids) {
    if (id.empty()) continue;
    auto& s = db_.statement("SELECT reply FROM inbound WHERE delivery_id = ?");
    s.bind(1, id);
    if (s.executeStep()) return nlohmann::json::parse(s.getColumn(0).getString()).get<Message>();
  }
  return std::nullopt;
}

void Inbound::record(const std::vector<std::string>& delivery_ids, const Message& reply, Instant now) {
  const auto body = nlohmann::json(reply).dump();
  for (const auto& id : delivery_ids) {
    if (id.empty()) continue;
    auto& s = db_.statement("INSERT OR IGNORE INTO inbound (delivery_id, reply, at) VALUES (?, ?, ?)");
    s.bind(1, id);
    s.bind(2, body);
    s.bind(3, storage::unix_seconds(now));
    s.exec();
  }
}

void Inbound::forget_before(Instant before) {
  auto& s = db_.statement("DELETE FROM inbound WHERE at < ?");
  s.bind(1, storage::unix_seconds(before));
  s.exec();
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
