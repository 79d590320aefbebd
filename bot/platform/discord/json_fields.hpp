#pragma once
// Reading Discord's JSON without exceptions: a missing or mistyped field reads as empty.
#include <nlohmann/json.hpp>
#include <string>

namespace tend::discord::detail {

inline std::string string_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An object or array field, or an empty object.
inline const nlohmann::json& nested_field(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  auto it = j.find(key);
  return it != j.end() && (it->is_object() || it->is_array()) ? *it : empty;
}

}  // namespace tend::discord::detail
