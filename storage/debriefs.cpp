#include "storage/debriefs.hpp"

#include <algorithm>

#include "storage/time.hpp"

namespace tend::storage {
namespace {

constexpr const char* kSelect =
    "SELECT id, person_id, score, stirred, talk, coalesce(note, ''), private, escalated_at, at FROM "
    "debriefs ";

Debrief read(SQLite::Statement& s) {
  Debrief d;
  d.id = s.getColumn(0).getInt64();
  d.person_id = s.getColumn(1).getInt64();
  d.score = s.getColumn(2).getInt();
  if (!s.getColumn(3).isNull()) d.stirred = s.getColumn(3).getString();
  if (!s.getColumn(4).isNull()) d.talk = s.getColumn(4).getInt() != 0;
  d.note = s.getColumn(5).getString();
  d.is_private = s.getColumn(6).getInt() != 0;
  if (!s.getColumn(7).isNull()) d.escalated_at = from_unix_seconds(s.getColumn(7).getInt64());
  d.at = from_unix_seconds(s.getColumn(8).getInt64());
  return d;
}

std::vector<Debrief> all(SQLite::Statement& s) {
  std::vector<Debrief> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

}  // namespace

int64_t Debriefs::add(const Debrief& d) {
  auto& s = db_.statement(
      "INSERT INTO debriefs (person_id, score, stirred, talk, note, private, at) VALUES (?, ?, ?, ?, ?, ?, "
      "?)");
  s.bind(1, d.person_id);
  s.bind(2, d.score);
  if (d.stirred)
    s.bind(3, *d.stirred);
  else
    s.bind(3);
  if (d.talk)
    s.bind(4, *d.talk ? 1 : 0);
  else
    s.bind(4);
  if (d.note.empty())
    s.bind(5);
  else
    s.bind(5, d.note);
  s.bind(6, d.is_private ? 1 : 0);
  s.bind(7, unix_seconds(d.at));
  s.exec();
  return db_.sql().getLastInsertRowid();
}

std::optional<Debrief> Debriefs::by_id(int64_t id) {
  auto& s = db_.statement(std::string(kSelect) + "WHERE id = ?");
  s.bind(1, id);
  if (!s.executeStep()) return std::nullopt;
  return read(s);
}

void Debriefs::set_stirred(int64_t id, const std::string& stirred) {
  auto& s = db_.statement("UPDATE debriefs SET stirred = ? WHERE id = ?");
  s.bind(1, stirred);
  s.bind(2, id);
  s.exec();
}

void Debriefs::set_talk(int64_t id, bool talk) {
  auto& s = db_.statement("UPDATE debriefs SET talk = ? WHERE id = ?");
  s.bind(1, talk ? 1 : 0);
  s.bind(2, id);
  s.exec();
}

void Debriefs::mark_escalated(int64_t id, Instant at) {
  auto& s = db_.statement("UPDATE debriefs SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL");
  s.bind(1, unix_seconds(at));
  s.bind(2, id);
  s.exec();
}

std::vector<Debrief> Debriefs::latest(int64_t person_id, int limit) {
  auto& s = db_.statement(std::string(kSelect) + "WHERE person_id = ? ORDER BY at DESC, id DESC LIMIT ?");
  s.bind(1, person_id);
  s.bind(2, limit);
  return all(s);
}

std::vector<Debrief> Debriefs::since(int64_t person_id, Instant from, int limit) {
  auto& s = db_.statement(std::string(kSelect) +
                          "WHERE person_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?");
  s.bind(1, person_id);
  s.bind(2, unix_seconds(from));
  s.bind(3, limit);
  auto out = all(s);
  std::reverse(out.begin(), out.end());
  return out;
}

DebriefCount Debriefs::count_since(int64_t person_id, Instant from) {
  auto& s =
      db_.statement("SELECT count(*), count(escalated_at) FROM debriefs WHERE person_id = ? AND at >= ?");
  s.bind(1, person_id);
  s.bind(2, unix_seconds(from));
  s.executeStep();
  return {s.getColumn(0).getInt(), s.getColumn(1).getInt()};
}

void Debriefs::clear_notes_before(Instant cutoff) {
  // `note IS NOT NULL` lets SQLite use the partial index on debriefs still holding a note.
  auto& s = db_.statement("UPDATE debriefs SET note = NULL WHERE note IS NOT NULL AND at < ?");
  s.bind(1, unix_seconds(cutoff));
  s.exec();
}

}  // namespace tend::storage
