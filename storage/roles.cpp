#include "storage/roles.hpp"

#include "storage/people.hpp"
#include "storage/time.hpp"

namespace tend::storage {
namespace {
Role read(SQLite::Statement& s) {
  return Role{s.getColumn(0).getInt64(), s.getColumn(1).getString(), s.getColumn(2).getString()};
}
}  // namespace

std::optional<Role> Roles::by_id(int64_t id) {
  auto& s = db_.statement("SELECT id, name, boundaries FROM roles WHERE id = ?");
  s.bind(1, id);
  if (!s.executeStep()) return std::nullopt;
  return read(s);
}

std::optional<Role> Roles::by_name(const std::string& name) {
  auto& s = db_.statement("SELECT id, name, boundaries FROM roles WHERE name = ? COLLATE NOCASE");
  s.bind(1, name);
  if (!s.executeStep()) return std::nullopt;
  return read(s);
}

std::vector<Role> Roles::all() {
  auto& s = db_.statement("SELECT id, name, boundaries FROM roles ORDER BY name COLLATE NOCASE");
  std::vector<Role> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

int64_t Roles::add(const std::string& name, Instant now) {
  auto& s = db_.statement("INSERT INTO roles (name, updated_at) VALUES (?, ?)");
  s.bind(1, name);
  s.bind(2, storage::unix_seconds(now));
  s.exec();
  return db_.sql().getLastInsertRowid();
}

void Roles::set_boundaries(int64_t id, const std::string& text, Instant now) {
  auto& s = db_.statement("UPDATE roles SET boundaries = ?, updated_at = ? WHERE id = ?");
  s.bind(1, text);
  s.bind(2, storage::unix_seconds(now));
  s.bind(3, id);
  s.exec();
}

void Roles::assign(int64_t person_id, int64_t role_id) {
  People(db_).set_role(person_id, role_id);
}

}  // namespace tend::storage
