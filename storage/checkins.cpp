#include "storage/checkins.hpp"
#include "storage/time.hpp"

namespace tend::storage {

int64_t Checkins::add(const Checkin& c) {
  auto& s = db_.statement(
      "INSERT INTO checkins (person_id, score, note, private, support, at) VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, c.person_id);
  if (c.score)
    s.bind(2, *c.score);
  else
    s.bind(2);
  if (c.note.empty())
    s.bind(3);
  else
    s.bind(3, c.note);
  s.bind(4, c.is_private ? 1 : 0);
  s.bind(5, c.asked_for_support ? 1 : 0);
  s.bind(6, storage::unix_seconds(c.at));
  s.exec();
  return db_.sql().getLastInsertRowid();
}

std::vector<Checkin> Checkins::latest(int64_t person_id, int limit) {
  auto& s = db_.statement(
      "SELECT id, person_id, score, coalesce(note, ''), private, support, at FROM checkins "
      "WHERE person_id = ? ORDER BY at DESC, id DESC LIMIT ?");
  s.bind(1, person_id);
  s.bind(2, limit);
  std::vector<Checkin> out;
  while (s.executeStep()) {
    Checkin c;
    c.id = s.getColumn(0).getInt64();
    c.person_id = s.getColumn(1).getInt64();
    if (!s.getColumn(2).isNull()) c.score = s.getColumn(2).getInt();
    c.note = s.getColumn(3).getString();
    c.is_private = s.getColumn(4).getInt() != 0;
    c.asked_for_support = s.getColumn(5).getInt() != 0;
    c.at = from_unix_seconds(s.getColumn(6).getInt64());
    out.push_back(std::move(c));
  }
  return out;
}

void Checkins::clear_notes_before(Instant cutoff) {
  // `note IS NOT NULL` lets SQLite use the partial index on the time of check-ins still holding a
  // note, so the daily pass reads only what it clears.
  auto& s = db_.statement("UPDATE checkins SET note = NULL WHERE note IS NOT NULL AND at < ?");
  s.bind(1, unix_seconds(cutoff));
  s.exec();
}

}  // namespace tend::storage
