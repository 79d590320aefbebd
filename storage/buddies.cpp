#include "storage/buddies.hpp"

#include <sqlite3.h>

#include <algorithm>

#include "storage/time.hpp"

namespace tend::storage {
namespace {

constexpr const char* kColumns =
    "SELECT id, a_id, b_id, proposed_by, a_accepted, b_accepted, a_shares_breaks, a_shares_support, "
    "b_shares_breaks, b_shares_support, status, created_at, started_at, ended_at FROM buddies ";

Pairing read(SQLite::Statement& s) {
  Pairing p;
  p.id = s.getColumn(0).getInt64();
  p.a_id = s.getColumn(1).getInt64();
  p.b_id = s.getColumn(2).getInt64();
  if (!s.getColumn(3).isNull()) p.proposed_by = s.getColumn(3).getInt64();
  p.a_accepted = s.getColumn(4).getInt() != 0;
  p.b_accepted = s.getColumn(5).getInt() != 0;
  p.a_shares_breaks = s.getColumn(6).getInt() != 0;
  p.a_shares_support = s.getColumn(7).getInt() != 0;
  p.b_shares_breaks = s.getColumn(8).getInt() != 0;
  p.b_shares_support = s.getColumn(9).getInt() != 0;
  p.status = s.getColumn(10).getString();
  p.created_at = from_unix_seconds(s.getColumn(11).getInt64());
  if (!s.getColumn(12).isNull()) p.started_at = from_unix_seconds(s.getColumn(12).getInt64());
  if (!s.getColumn(13).isNull()) p.ended_at = from_unix_seconds(s.getColumn(13).getInt64());
  return p;
}

}  // namespace

bool Pairing::shares(int64_t person, Shared what) const {
  if (person == a_id) return what == Shared::breaks ? a_shares_breaks : a_shares_support;
  return what == Shared::breaks ? b_shares_breaks : b_shares_support;
}

int64_t Buddies::propose(int64_t one, int64_t other, std::optional<int64_t> proposed_by,
                         const std::vector<int64_t>& accepted, Instant now) {
  const auto a = std::min(one, other), b = std::max(one, other);
  auto said_yes = [&](int64_t person) {
    return std::find(accepted.begin(), accepted.end(), person) != accepted.end() ? 1 : 0;
  };
  auto& s = db_.statement(
      "INSERT INTO buddies (a_id, b_id, proposed_by, a_accepted, b_accepted, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, a);
  s.bind(2, b);
  if (proposed_by)
    s.bind(3, *proposed_by);
  else
    s.bind(3);
  s.bind(4, said_yes(a));
  s.bind(5, said_yes(b));
  s.bind(6, unix_seconds(now));
  try {
    s.exec();
  } catch (const SQLite::Exception& e) {
    // The partial unique index keeps two people to one live pairing, whoever proposes it.
    if ((e.getErrorCode() & 0xff) == SQLITE_CONSTRAINT) throw PairingExists();
    throw;
  }
  return db_.sql().getLastInsertRowid();
}

std::optional<Pairing> Buddies::by_id(int64_t id) {
  auto found = select("WHERE id = ?1", id);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<Pairing> Buddies::select(const std::string& where, int64_t person) {
  auto& s = db_.statement(std::string(kColumns) + where + " ORDER BY created_at, id");
  s.bind(1, person);
  std::vector<Pairing> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

std::vector<Pairing> Buddies::live_of(int64_t person) {
  return select(
      "WHERE (a_id = ?1 AND status IN ('proposed', 'active')) OR (b_id = ?1 AND status IN ('proposed', "
      "'active'))",
      person);
}

std::vector<Pairing> Buddies::all_of(int64_t person) {
  return select("WHERE a_id = ?1 OR b_id = ?1", person);
}

int Buddies::count_active(int64_t person) {
  auto& s = db_.statement(
      "SELECT (SELECT count(*) FROM buddies WHERE a_id = ?1 AND status = 'active') + "
      "(SELECT count(*) FROM buddies WHERE b_id = ?1 AND status = 'active')");
  s.bind(1, person);
  s.executeStep();
  return s.getColumn(0).getInt();
}

void Buddies::accept(int64_t id, int64_t person, Instant now) {
  auto& s = db_.statement(
      "UPDATE buddies SET a_accepted = a_accepted OR a_id = ?2, b_accepted = b_accepted OR b_id = ?2 "
      "WHERE id = ?1 AND status = 'proposed'");
  s.bind(1, id);
  s.bind(2, person);
  s.exec();
  auto& started = db_.statement(
      "UPDATE buddies SET status = 'active', started_at = ?2 "
      "WHERE id = ?1 AND status = 'proposed' AND a_accepted = 1 AND b_accepted = 1");
  started.bind(1, id);
  started.bind(2, unix_seconds(now));
  started.exec();
}

void Buddies::close(int64_t id, std::string_view status, Instant now) {
  auto& s = db_.statement("UPDATE buddies SET status = ?2, ended_at = ?3 WHERE id = ?1");
  s.bind(1, id);
  s.bind(2, std::string(status));
  s.bind(3, unix_seconds(now));
  s.exec();
}

void Buddies::set_shared(int64_t person, Shared what, bool on) {
  const std::string column = what == Shared::breaks ? "shares_breaks" : "shares_support";
  for (const char* side : {"a", "b"}) {
    auto& s = db_.statement("UPDATE buddies SET " + std::string(side) + "_" + column + " = ?2 WHERE " + side +
                            "_id = ?1 AND status = 'active'");
    s.bind(1, person);
    s.bind(2, on ? 1 : 0);
    s.exec();
  }
}

}  // namespace tend::storage
