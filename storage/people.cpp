#include "storage/people.hpp"
#include "storage/time.hpp"

#include <unordered_map>

namespace tend::storage {
namespace {

Person read(SQLite::Statement& s) {
  Person p;
  p.id = s.getColumn(0).getInt64();
  p.platform = s.getColumn(1).getString();
  p.platform_user_id = s.getColumn(2).getString();
  p.display_name = s.getColumn(3).getString();
  p.zone = s.getColumn(4).getString();
  p.kind = parse_kind(s.getColumn(5).getString()).value_or(Kind::volunteer);
  if (!s.getColumn(6).isNull()) p.supervisor_id = s.getColumn(6).getInt64();
  if (!s.getColumn(7).isNull()) p.role_id = s.getColumn(7).getInt64();
  if (!s.getColumn(8).isNull()) p.on_break_until = from_unix_seconds(s.getColumn(8).getInt64());
  p.break_note = s.getColumn(9).getString();
  p.created_at = from_unix_seconds(s.getColumn(10).getInt64());
  p.zone_chosen = s.getColumn(11).getInt() != 0;
  p.default_zone_told = s.getColumn(12).getInt() != 0;
  return p;
}

std::optional<Person> first(SQLite::Statement& s) {
  if (!s.executeStep()) return std::nullopt;
  return read(s);
}

std::vector<Person> all(SQLite::Statement& s) {
  std::vector<Person> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

// Each query's text is made once, on first use.
std::string select(std::string_view where) {
  return std::string(
             "SELECT id, platform, platform_user_id, display_name, coalesce(zone, ''), kind, supervisor_id, "
             "role_id, on_break_until, coalesce(break_note, ''), created_at, zone_chosen, default_zone_told "
             "FROM people WHERE ")
      .append(where);
}

// People as last read, by id and by platform id. Bounded: a workspace larger than this still
// works, reading again those it had to let go.
struct PeopleCache final : Cache {
  static constexpr std::size_t kMost = 2048;
  std::unordered_map<int64_t, Person> by_id;
  std::unordered_map<std::string, int64_t> by_platform_id;  // platform '\n' platform user id

  static std::string key(std::string_view platform, std::string_view user_id) {
    std::string k;
    k.reserve(platform.size() + 1 + user_id.size());
    k.append(platform).push_back('\n');
    k.append(user_id);
    return k;
  }
  void keep(const Person& person) {
    if (by_id.size() >= kMost) clear();
    by_platform_id[key(person.platform, person.platform_user_id)] = person.id;
    by_id.insert_or_assign(person.id, person);
  }
  void clear() override {
    by_id.clear();
    by_platform_id.clear();
  }
};

}  // namespace

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::volunteer:
      return "volunteer";
    case Kind::staff:
      return "staff";
    case Kind::admin:
      return "admin";
  }
  return "volunteer";
}

std::optional<Kind> parse_kind(std::string_view text) {
  if (text == "volunteer") return Kind::volunteer;
  if (text == "staff") return Kind::staff;
  if (text == "admin") return Kind::admin;
  return std::nullopt;
}

std::optional<Person> People::by_id(int64_t id) {
  auto& cache = db_.cache<PeopleCache>();
  if (auto found = cache.by_id.find(id); found != cache.by_id.end()) return found->second;
  static const auto sql = select("id = ?");
  auto& s = db_.statement(sql);
  s.bind(1, id);
  auto person = first(s);
  if (person) cache.keep(*person);
  return person;
}

std::optional<Person> People::by_platform_id(std::string_view platform, std::string_view platform_user_id) {
  auto& cache = db_.cache<PeopleCache>();
  if (auto found = cache.by_platform_id.find(PeopleCache::key(platform, platform_user_id));
      found != cache.by_platform_id.end())
    return by_id(found->second);
  static const auto sql = select("platform = ? AND platform_user_id = ?");
  auto& s = db_.statement(sql);
  s.bind(1, std::string(platform));
  s.bind(2, std::string(platform_user_id));
  auto person = first(s);
  if (person) cache.keep(*person);
  return person;
}

std::optional<Person> People::by_name(std::string_view platform, std::string_view name) {
  if (auto p = by_platform_id(platform, name)) return p;
  static const auto sql = select("platform = ? AND display_name = ? COLLATE NOCASE ORDER BY id LIMIT 1");
  auto& s = db_.statement(sql);
  s.bind(1, std::string(platform));
  s.bind(2, std::string(name));
  return first(s);
}

Person People::create(std::string_view platform, std::string_view platform_user_id,
                      std::string_view display_name, Instant now) {
  auto& s = db_.statement(
      "INSERT INTO people (platform, platform_user_id, display_name, created_at) VALUES (?, ?, ?, ?)");
  s.bind(1, std::string(platform));
  s.bind(2, std::string(platform_user_id));
  s.bind(3, std::string(display_name.empty() ? platform_user_id : display_name));
  s.bind(4, storage::unix_seconds(now));
  s.exec();
  return *by_id(db_.sql().getLastInsertRowid());
}

void People::set_kind(int64_t id, Kind kind) {
  db_.cache<PeopleCache>().clear();
  auto& s = db_.statement("UPDATE people SET kind = ? WHERE id = ?");
  s.bind(1, std::string(to_string(kind)));
  s.bind(2, id);
  s.exec();
}

void People::set_supervisor(int64_t id, std::optional<int64_t> supervisor_id) {
  db_.cache<PeopleCache>().clear();
  auto& s = db_.statement("UPDATE people SET supervisor_id = ? WHERE id = ?");
  if (supervisor_id)
    s.bind(1, *supervisor_id);
  else
    s.bind(1);
  s.bind(2, id);
  s.exec();
}

void People::set_profile(int64_t id, std::string_view display_name, std::string_view zone) {
  db_.cache<PeopleCache>().clear();
  auto& s = db_.statement(
      "UPDATE people SET display_name = coalesce(nullif(?, ''), display_name), "
      "zone = CASE WHEN zone_chosen THEN zone ELSE coalesce(nullif(?, ''), zone) END WHERE id = ?");
  s.bind(1, std::string(display_name));
  s.bind(2, std::string(zone));
  s.bind(3, id);
  s.exec();
}

void People::choose_zone(int64_t id, std::string_view zone) {
  db_.cache<PeopleCache>().clear();
  auto& s = db_.statement("UPDATE people SET zone = ?, zone_chosen = 1 WHERE id = ?");
  s.bind(1, std::string(zone));
  s.bind(2, id);
  s.exec();
}

void People::mark_default_zone_told(int64_t id) {
  db_.cache<PeopleCache>().clear();
  auto& s = db_.statement("UPDATE people SET default_zone_told = 1 WHERE id = ?");
  s.bind(1, id);
  s.exec();
}

void People::set_break(int64_t id, std::optional<Instant> until, std::string_view note) {
  db_.cache<PeopleCache>().clear();
  auto& s = db_.statement("UPDATE people SET on_break_until = ?, break_note = ? WHERE id = ?");
  if (until)
    s.bind(1, unix_seconds(*until));
  else
    s.bind(1);
  s.bind(2, std::string(note));
  s.bind(3, id);
  s.exec();
}

std::vector<Person> People::supervised_by(int64_t staff_id) {
  static const auto sql = select("supervisor_id = ? ORDER BY display_name COLLATE NOCASE");
  auto& s = db_.statement(sql);
  s.bind(1, staff_id);
  return all(s);
}

std::vector<Person> People::of_kind(Kind kind) {
  static const auto sql = select("kind = ? ORDER BY display_name COLLATE NOCASE");
  auto& s = db_.statement(sql);
  s.bind(1, std::string(to_string(kind)));
  return all(s);
}

std::vector<Person> People::supervised_by(int64_t staff_id, int limit, int offset) {
  static const auto sql =
      select("supervisor_id = ? ORDER BY display_name COLLATE NOCASE, id LIMIT ? OFFSET ?");
  auto& s = db_.statement(sql);
  s.bind(1, staff_id);
  s.bind(2, limit);
  s.bind(3, offset);
  return all(s);
}

std::vector<Person> People::of_kind(Kind kind, int limit, int offset) {
  static const auto sql = select("kind = ? ORDER BY display_name COLLATE NOCASE, id LIMIT ? OFFSET ?");
  auto& s = db_.statement(sql);
  s.bind(1, std::string(to_string(kind)));
  s.bind(2, limit);
  s.bind(3, offset);
  return all(s);
}

void People::set_role(int64_t id, int64_t role_id) {
  db_.cache<PeopleCache>().clear();
  auto& s = db_.statement("UPDATE people SET role_id = ? WHERE id = ?");
  s.bind(1, role_id);
  s.bind(2, id);
  s.exec();
}

// A deletion also changes others' rows (their supervisor_id is set to null by the foreign key).
void People::forget(int64_t id) {
  db_.cache<PeopleCache>().clear();
  auto& s = db_.statement("DELETE FROM people WHERE id = ?");
  s.bind(1, id);
  s.exec();
}

}  // namespace tend::storage
