#include "storage/stories.hpp"
#include "storage/time.hpp"

namespace tend::storage {
namespace {

Story read_story(SQLite::Statement& s) {
  Story st;
  st.id = s.getColumn(0).getInt64();
  st.volunteer_id = s.getColumn(1).getInt64();
  if (!s.getColumn(2).isNull()) st.logged_by = s.getColumn(2).getInt64();
  st.at = from_unix_seconds(s.getColumn(3).getInt64());
  st.what = s.getColumn(4).getString();
  st.cancelled = s.getColumn(5).getInt() != 0;
  return st;
}

Nudge read_nudge(SQLite::Statement& s) {
  Nudge n;
  n.id = s.getColumn(0).getInt64();
  n.volunteer_id = s.getColumn(1).getInt64();
  if (!s.getColumn(2).isNull()) n.owner_id = s.getColumn(2).getInt64();
  n.reason = s.getColumn(3).getString();
  n.status = s.getColumn(4).getString();
  n.created_at = from_unix_seconds(s.getColumn(5).getInt64());
  if (!s.getColumn(6).isNull()) n.done_at = from_unix_seconds(s.getColumn(6).getInt64());
  if (!s.getColumn(7).isNull()) n.done_by = s.getColumn(7).getInt64();
  return n;
}

constexpr const char* kStory = "SELECT id, volunteer_id, logged_by, at, what, cancelled FROM stories ";
constexpr const char* kNudge =
    "SELECT id, volunteer_id, owner_id, reason, status, created_at, done_at, done_by FROM nudges ";
}  // namespace

int64_t Stories::add(int64_t volunteer_id, int64_t logged_by, Instant at, const std::string& what,
                     Instant now) {
  auto& s = db_.statement(
      "INSERT INTO stories (volunteer_id, logged_by, at, what, created_at) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, volunteer_id);
  s.bind(2, logged_by);
  s.bind(3, unix_seconds(at));
  s.bind(4, what);
  s.bind(5, unix_seconds(now));
  s.exec();
  return db_.sql().getLastInsertRowid();
}

std::optional<Story> Stories::by_id(int64_t id) {
  auto& s = db_.statement(std::string(kStory) + "WHERE id = ?");
  s.bind(1, id);
  if (!s.executeStep()) return std::nullopt;
  return read_story(s);
}

std::vector<Story> Stories::of_volunteer(int64_t volunteer_id, int limit) {
  auto& s = db_.statement(std::string(kStory) +
                          "WHERE volunteer_id = ? AND cancelled = 0 ORDER BY at DESC LIMIT ?");
  s.bind(1, volunteer_id);
  s.bind(2, limit);
  std::vector<Story> out;
  while (s.executeStep()) out.push_back(read_story(s));
  return out;
}

void Stories::cancel(int64_t id) {
  auto& s = db_.statement("UPDATE stories SET cancelled = 1 WHERE id = ?");
  s.bind(1, id);
  s.exec();
}

int64_t Nudges::add(int64_t volunteer_id, std::optional<int64_t> owner_id, const std::string& reason,
                    Instant now) {
  auto& s =
      db_.statement("INSERT INTO nudges (volunteer_id, owner_id, reason, created_at) VALUES (?, ?, ?, ?)");
  s.bind(1, volunteer_id);
  if (owner_id)
    s.bind(2, *owner_id);
  else
    s.bind(2);
  s.bind(3, reason);
  s.bind(4, unix_seconds(now));
  s.exec();
  return db_.sql().getLastInsertRowid();
}

std::optional<Nudge> Nudges::by_id(int64_t id) {
  auto& s = db_.statement(std::string(kNudge) + "WHERE id = ?");
  s.bind(1, id);
  if (!s.executeStep()) return std::nullopt;
  return read_nudge(s);
}

void Nudges::set_owner(int64_t id, int64_t owner_id) {
  auto& s = db_.statement("UPDATE nudges SET owner_id = ? WHERE id = ?");
  s.bind(1, owner_id);
  s.bind(2, id);
  s.exec();
}

void Nudges::mark_done(int64_t id, int64_t by, Instant at) {
  auto& s = db_.statement("UPDATE nudges SET status = 'done', done_at = ?, done_by = ? WHERE id = ?");
  s.bind(1, unix_seconds(at));
  s.bind(2, by);
  s.bind(3, id);
  s.exec();
}

void Nudges::mark_escalated(int64_t id) {
  auto& s = db_.statement("UPDATE nudges SET status = 'escalated' WHERE id = ? AND status = 'open'");
  s.bind(1, id);
  s.exec();
}

std::optional<Nudge> Nudges::last_done(int64_t volunteer_id) {
  auto& s = db_.statement(std::string(kNudge) +
                          "WHERE volunteer_id = ? AND done_at IS NOT NULL ORDER BY done_at DESC LIMIT 1");
  s.bind(1, volunteer_id);
  if (!s.executeStep()) return std::nullopt;
  return read_nudge(s);
}

}  // namespace tend::storage
