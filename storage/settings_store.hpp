#pragma once
// Settings changed by chat: global ones and per-person overrides. Values are stored already
// validated and normalised by config::normalize_setting.
#include <map>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "config/settings.hpp"
#include "storage/database.hpp"

namespace tend::storage {

using SettingValues = std::map<std::string, std::string, std::less<>>;

class SettingsStore {
 public:
  static constexpr int64_t global = 0;  // the person_id of the global scope

  explicit SettingsStore(Database& db) : db_(db) {}
  SettingValues values(int64_t person_id);
  // `base` (the config file's settings, the same for the life of the process) under the global
  // settings under the person's own (none for `global`): what applies to them. Kept in memory
  // between commands; set() and forget() empty what they change.
  config::Settings layered(int64_t person_id, const SettingValues& base);
  std::optional<std::string> value(int64_t person_id, const std::string& key);
  void set(int64_t person_id, const std::string& key, const std::string& value, Instant now);
  // Deletes a person's own settings (never the global ones).
  void forget(int64_t person_id);

 private:
  Database& db_;
};

}  // namespace tend::storage
