#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "storage/database.hpp"

namespace tend::storage {

struct Role {
  int64_t id = 0;
  std::string name;
  std::string boundaries;  // Slack mrkdwn, several lines
};

class Roles {
 public:
  static constexpr const char* default_role = "peer supporter";

  explicit Roles(Database& db) : db_(db) {}
  std::optional<Role> by_id(int64_t id);
  std::optional<Role> by_name(const std::string& name);  // case-insensitive
  std::vector<Role> all();
  int64_t add(const std::string& name, Instant now);
  void set_boundaries(int64_t id, const std::string& text, Instant now);
  void assign(int64_t person_id, int64_t role_id);

 private:
  Database& db_;
};

}  // namespace tend::storage
