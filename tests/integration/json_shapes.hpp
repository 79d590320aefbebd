#pragma once
// Checks that JSON an emulator (or Tend) sends looks like what the real platform sends: every
// field exists, with the same JSON type, in at least one of the reference payloads.
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tend::testing {

inline const char* json_kind(const nlohmann::json& j) {
  if (j.is_string()) return "string";
  if (j.is_number()) return "number";
  if (j.is_boolean()) return "boolean";
  if (j.is_object()) return "object";
  if (j.is_array()) return "array";
  return "null";
}

// Fields of `ours` that none of `references` has, or has with another type, as paths.
inline void strangers(const nlohmann::json& ours, const std::vector<const nlohmann::json*>& references,
                      const std::string& path, std::vector<std::string>& out) {
  if (ours.is_object()) {
    for (const auto& [key, value] : ours.items()) {
      std::vector<const nlohmann::json*> next;
      for (const auto* reference : references)
        if (reference->is_object() && reference->contains(key)) next.push_back(&(*reference)[key]);
      if (next.empty()) {
        out.push_back(path + "." + key + " (not a field the platform sends)");
        continue;
      }
      bool same_kind = false;
      for (const auto* reference : next)
        same_kind = same_kind || std::string(json_kind(*reference)) == json_kind(value);
      if (!same_kind) out.push_back(path + "." + key + " (a " + json_kind(value) + " here)");
      strangers(value, next, path + "." + key, out);
    }
  } else if (ours.is_array() && !ours.empty()) {
    std::vector<const nlohmann::json*> next;
    for (const auto* reference : references)
      if (reference->is_array() && !reference->empty()) next.push_back(&(*reference)[0]);
    if (!next.empty())
      for (const auto& element : ours) strangers(element, next, path + "[]", out);
  }
}

inline std::vector<std::string> strangers(const nlohmann::json& ours,
                                          std::initializer_list<nlohmann::json> references) {
  std::vector<const nlohmann::json*> pointers;
  for (const auto& reference : references) pointers.push_back(&reference);
  std::vector<std::string> out;
  strangers(ours, pointers, "", out);
  return out;
}

}  // namespace tend::testing
