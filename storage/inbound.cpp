#include "storage/inbound.hpp"

#include <algorithm>

#include "storage/time.hpp"

#include "storage/message_json.hpp"

namespace tend::storage {

std::optional<Message> Inbound::reply_for(const std::vector<std::string>& delivery_ids) {
  // One id at a time, in the platform's order: where the ids were answered apart (a trigger_id
  // redelivered in a new envelope), the first id's reply is the one. (Both in one statement with
  // IN and ORDER BY costs SQLite a sorter, three times what two key lookups cost.)
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

void Inbound::record(const std::vector<std::string>& delivery_ids, const Message& reply,
                     const std::vector<int64_t>& people, Instant now) {
  auto ids = nlohmann::json::array();
  for (const auto& id : delivery_ids)
    if (!id.empty()) ids.push_back(id);
  if (ids.empty()) return;
  auto& add_reply =
      db_.statement("INSERT INTO inbound (reply, at, delivery_ids, people) VALUES (?, ?, ?, ?)");
  add_reply.bind(1, nlohmann::json(reply).dump());
  add_reply.bind(2, storage::unix_seconds(now));
  add_reply.bind(3, ids.dump());
  add_reply.bind(4, nlohmann::json(people).dump());
  add_reply.exec();
  const auto reply_id = db_.sql().getLastInsertRowid();
  // A platform gives a delivery one id or two (Slack: envelope_id and trigger_id or event_id): they
  // go in pairs, one statement for both, and a lone id fills both places.
  for (std::size_t i = 0; i < ids.size(); i += 2) {
    auto& s =
        db_.statement("INSERT OR IGNORE INTO inbound_ids (delivery_id, reply_id) VALUES (?1, ?3), (?2, ?3)");
    s.bind(1, ids[i].get_ref<const std::string&>());
    s.bind(2, ids[std::min(i + 1, ids.size() - 1)].get_ref<const std::string&>());
    s.bind(3, reply_id);
    s.exec();
  }
  for (const auto person : people) {
    auto& s = db_.statement("INSERT OR IGNORE INTO inbound_people (person_id, reply_id) VALUES (?, ?)");
    s.bind(1, person);
    s.bind(2, reply_id);
    s.exec();
  }
}

void Inbound::forget_before(Instant before) {
  // Replies are appended as they are given: the old ones are the table's first rows, and the pass
  // reads only those (a clock set back leaves a later reply kept until the ones before it go).
  struct Old {
    int64_t reply_id;
    std::string delivery_ids;
    std::string people;
  };
  std::vector<Old> old;
  {
    auto& oldest = db_.statement("SELECT id, at, delivery_ids, people FROM inbound ORDER BY id");
    while (oldest.executeStep() && oldest.getColumn(1).getInt64() < storage::unix_seconds(before))
      old.push_back(
          {oldest.getColumn(0).getInt64(), oldest.getColumn(2).getString(), oldest.getColumn(3).getString()});
    oldest.reset();
  }
  if (old.empty()) return;
  for (const auto& reply : old) {
    for (const auto& id : nlohmann::json::parse(reply.delivery_ids)) {
      // An id given again later still points at its first reply (INSERT OR IGNORE): it goes with it.
      auto& forget = db_.statement("DELETE FROM inbound_ids WHERE delivery_id = ? AND reply_id = ?");
      forget.bind(1, id.get<std::string>());
      forget.bind(2, reply.reply_id);
      forget.exec();
    }
    for (const auto& person : nlohmann::json::parse(reply.people)) {
      auto& forget = db_.statement("DELETE FROM inbound_people WHERE person_id = ? AND reply_id = ?");
      forget.bind(1, person.get<int64_t>());
      forget.bind(2, reply.reply_id);
      forget.exec();
    }
  }
  auto& replies = db_.statement("DELETE FROM inbound WHERE id <= ?");
  replies.bind(1, old.back().reply_id);
  replies.exec();
}

void Inbound::withdraw_replies_showing(int64_t person_id, const Message& in_its_place) {
  auto& replace = db_.statement(
      "UPDATE inbound SET reply = ? WHERE id IN (SELECT reply_id FROM inbound_people WHERE person_id = ?)");
  replace.bind(1, nlohmann::json(in_its_place).dump());
  replace.bind(2, person_id);
  replace.exec();
  auto& unlink = db_.statement("DELETE FROM inbound_people WHERE person_id = ?");
  unlink.bind(1, person_id);
  unlink.exec();
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
