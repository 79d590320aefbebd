#pragma once
// The schema's history. Append a migration to change the schema; never edit one that shipped.
#include <span>
#include <string_view>

namespace tend::storage {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

std::span<const Migration> migrations();

}  // namespace tend::storage
