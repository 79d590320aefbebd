#include "storage/settings_store.hpp"
#include "storage/time.hpp"

namespace tend::storage {

SettingValues SettingsStore::values(int64_t person_id) {
  auto& s = db_.statement("SELECT key, value FROM settings WHERE person_id = ?");
  s.bind(1, person_id);
  SettingValues out;
  while (s.executeStep()) out.emplace(s.getColumn(0).getString(), s.getColumn(1).getString());
  return out;
}

std::optional<std::string> SettingsStore::value(int64_t person_id, const std::string& key) {
  auto& s = db_.statement("SELECT value FROM settings WHERE person_id = ? AND key = ?");
  s.bind(1, person_id);
  s.bind(2, key);
  if (!s.executeStep()) return std::nullopt;
  return s.getColumn(0).getString();
}

void SettingsStore::set(int64_t person_id, const std::string& key, const std::string& value, Instant now) {
  auto& s = db_.statement(
      "INSERT INTO settings (person_id, key, value, updated_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (person_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
  s.bind(1, person_id);
  s.bind(2, key);
  s.bind(3, value);
  s.bind(4, storage::unix_seconds(now));
  s.exec();
}

void SettingsStore::forget(int64_t person_id) {
  if (person_id == global) return;
  auto& s = db_.statement("DELETE FROM settings WHERE person_id = ?");
  s.bind(1, person_id);
  s.exec();
}

}  // namespace tend::storage
