#pragma once
// The typed settings registry: every key an admin can set by chat (or in the config file), its
// type, default, help and what a valid value looks like. One table, in one place.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/delivery_policy.hpp"
#include "config/parse.hpp"

namespace tend::config {

enum class SettingType {
  duration,
  duration_list,
  time_of_day,
  quiet_hours,
  working_days,
  zone,
  score,
  channel,
  duration_or_none,
  count,
  on_call,
  text
};

struct SettingSpec {
  std::string_view key;
  SettingType type;
  std::string_view default_value;
  std::string_view help;
  std::string_view expected;
};

const std::vector<SettingSpec>& setting_specs();
const SettingSpec* find_setting(std::string_view key);

struct SettingError : ParseError {
  using ParseError::ParseError;
};

// Validates and normalises a value (" 1D, 3d" -> "1d,3d", "9:00" -> "09:00"). Throws SettingError
// naming the key, the value and what is expected; an unknown key lists the known ones.
std::string normalize_setting(std::string_view key, std::string_view value);

// Values already normalised, resolved by the caller (person > global > file); the rest default.
// Copies share the values: settings are passed around by value and kept in a cache between commands.
class Settings {
 public:
  using Values = std::map<std::string, std::string, std::less<>>;
  Settings() : values_(std::make_shared<const Values>()) {}
  explicit Settings(Values values) : values_(std::make_shared<const Values>(std::move(values))) {}

  std::string raw(std::string_view key) const;  // throws std::out_of_range for an unknown key
  std::chrono::seconds duration(std::string_view key) const;
  std::vector<std::chrono::seconds> durations(std::string_view key) const;
  std::optional<std::chrono::seconds> optional_duration(std::string_view key) const;
  std::chrono::minutes time_of_day(std::string_view key) const;
  std::optional<QuietHours> quiet_hours(std::string_view key) const;
  WorkingDays working_days(std::string_view key) const;
  const date::time_zone* zone(std::string_view key) const;
  int integer(std::string_view key) const;
  std::optional<std::string> channel(std::string_view key) const;  // nullopt for none
  OnCall on_call(std::string_view key) const;
  std::optional<std::string> text(std::string_view key) const;  // nullopt for none

 private:
  std::shared_ptr<const Values> values_;
};

}  // namespace tend::config
