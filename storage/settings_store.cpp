#include "storage/settings_store.hpp"
#include "storage/time.hpp"

#include <unordered_map>

namespace tend::storage {
namespace {

// Layered settings by person id (`SettingsStore::global` for the global ones alone). Bounded like
// the people cache: a larger workspace reads again what had to be let go.
struct SettingsCache final : Cache {
  static constexpr std::size_t kMost = 2048;
  std::unordered_map<int64_t, config::Settings> layered;
  const SettingValues* base = nullptr;  // what `layered` was built on
  void clear() override { layered.clear(); }
};

}  // namespace

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

config::Settings SettingsStore::layered(int64_t person_id, const SettingValues& base) {
  auto& cache = db_.cache<SettingsCache>();
  if (cache.base != &base) {
    cache.clear();
    cache.base = &base;
  }
  if (auto found = cache.layered.find(person_id); found != cache.layered.end()) return found->second;
  auto merged = base;
  for (auto& [key, value] : values(global)) merged.insert_or_assign(key, std::move(value));
  if (person_id != global)
    for (auto& [key, value] : values(person_id)) merged.insert_or_assign(key, std::move(value));
  if (cache.layered.size() >= SettingsCache::kMost) cache.clear();
  return cache.layered.emplace(person_id, config::Settings(std::move(merged))).first->second;
}

void SettingsStore::set(int64_t person_id, const std::string& key, const std::string& value, Instant now) {
  if (person_id == global)
    db_.cache<SettingsCache>().clear();
  else
    db_.cache<SettingsCache>().layered.erase(person_id);
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
  db_.cache<SettingsCache>().layered.erase(person_id);
  auto& s = db_.statement("DELETE FROM settings WHERE person_id = ?");
  s.bind(1, person_id);
  s.exec();
}

}  // namespace tend::storage
