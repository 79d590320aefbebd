#include "storage/supervision.hpp"
#include "storage/time.hpp"

#include <sqlite3.h>

namespace tend::storage {
namespace {

Slot read_slot(SQLite::Statement& s, int first = 0) {
  return Slot{s.getColumn(first).getInt64(), s.getColumn(first + 1).getInt64(),
              from_unix_seconds(s.getColumn(first + 2).getInt64()), s.getColumn(first + 3).getInt(),
              s.getColumn(first + 4).getInt() != 0};
}
constexpr const char* kSlot = "SELECT id, staff_id, starts_at, minutes, withdrawn FROM supervision_slots ";
constexpr const char* kBooking =
    "SELECT b.id, b.slot_id, b.volunteer_id, b.status, b.booked_at, b.done_at, coalesce(b.note, ''), "
    "s.id, s.staff_id, s.starts_at, s.minutes, s.withdrawn "
    "FROM supervision_bookings b JOIN supervision_slots s ON s.id = b.slot_id ";

Booking read_booking(SQLite::Statement& s) {
  Booking b;
  b.id = s.getColumn(0).getInt64();
  b.slot_id = s.getColumn(1).getInt64();
  b.volunteer_id = s.getColumn(2).getInt64();
  b.status = s.getColumn(3).getString();
  b.booked_at = from_unix_seconds(s.getColumn(4).getInt64());
  if (!s.getColumn(5).isNull()) b.done_at = from_unix_seconds(s.getColumn(5).getInt64());
  b.note = s.getColumn(6).getString();
  b.slot = read_slot(s, 7);
  return b;
}
}  // namespace

int64_t Supervision::offer(int64_t staff_id, Instant starts_at, int minutes, Instant now) {
  auto& s = db_.statement(
      "INSERT INTO supervision_slots (staff_id, starts_at, minutes, created_at) VALUES (?, ?, ?, ?)");
  s.bind(1, staff_id);
  s.bind(2, unix_seconds(starts_at));
  s.bind(3, minutes);
  s.bind(4, unix_seconds(now));
  s.exec();
  return db_.sql().getLastInsertRowid();
}

std::optional<Slot> Supervision::slot(int64_t id) {
  auto& s = db_.statement(std::string(kSlot) + "WHERE id = ?");
  s.bind(1, id);
  if (!s.executeStep()) return std::nullopt;
  return read_slot(s);
}

std::vector<Slot> Supervision::overlapping(int64_t staff_id, Instant from, Instant to) {
  auto& s = db_.statement(
      std::string(kSlot) +
      "WHERE staff_id = ? AND withdrawn = 0 AND starts_at < ? AND starts_at + minutes * 60 > ?");
  s.bind(1, staff_id);
  s.bind(2, unix_seconds(to));
  s.bind(3, unix_seconds(from));
  std::vector<Slot> out;
  while (s.executeStep()) out.push_back(read_slot(s));
  return out;
}

std::vector<Slot> Supervision::open_slots(int64_t staff_id, Instant now, int limit) {
  auto& s = db_.statement(std::string(kSlot) +
                          "WHERE staff_id = ? AND withdrawn = 0 AND starts_at > ? AND NOT EXISTS "
                          "(SELECT 1 FROM supervision_bookings b WHERE b.slot_id = supervision_slots.id "
                          "AND b.status != 'cancelled') ORDER BY starts_at LIMIT ?");
  s.bind(1, staff_id);
  s.bind(2, unix_seconds(now));
  s.bind(3, limit);
  std::vector<Slot> out;
  while (s.executeStep()) out.push_back(read_slot(s));
  return out;
}

int64_t Supervision::book(int64_t slot_id, int64_t volunteer_id, Instant now) {
  auto& s =
      db_.statement("INSERT INTO supervision_bookings (slot_id, volunteer_id, booked_at) VALUES (?, ?, ?)");
  s.bind(1, slot_id);
  s.bind(2, volunteer_id);
  s.bind(3, unix_seconds(now));
  try {
    s.exec();
  } catch (const SQLite::Exception& e) {
    // The unique index, not a check in code, is what keeps a slot to one booking.
    if ((e.getErrorCode() & 0xff) == SQLITE_CONSTRAINT) throw SlotTaken();
    throw;
  }
  return db_.sql().getLastInsertRowid();
}

std::vector<Booking> Supervision::bookings(const std::string& where, int64_t id,
                                           std::optional<Instant> after) {
  auto& s = db_.statement(std::string(kBooking) + where + " ORDER BY s.starts_at");
  s.bind(1, id);
  if (after) s.bind(2, unix_seconds(*after));
  std::vector<Booking> out;
  while (s.executeStep()) out.push_back(read_booking(s));
  return out;
}

std::optional<Booking> Supervision::booking(int64_t id) {
  auto found = bookings("WHERE b.id = ?", id, std::nullopt);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<Booking> Supervision::upcoming_for_volunteer(int64_t volunteer_id, Instant now) {
  return bookings("WHERE b.volunteer_id = ? AND b.status = 'booked' AND s.starts_at + s.minutes * 60 > ?",
                  volunteer_id, now);
}

std::vector<Booking> Supervision::upcoming_for_staff(int64_t staff_id, Instant now) {
  return bookings("WHERE s.staff_id = ? AND b.status = 'booked' AND s.starts_at + s.minutes * 60 > ?",
                  staff_id, now);
}

std::vector<Booking> Supervision::all_for_volunteer(int64_t volunteer_id) {
  return bookings("WHERE b.volunteer_id = ?", volunteer_id, std::nullopt);
}

std::optional<Instant> Supervision::last_done(int64_t volunteer_id) {
  auto& s = db_.statement(
      "SELECT max(done_at) FROM supervision_bookings WHERE volunteer_id = ? AND status = 'done'");
  s.bind(1, volunteer_id);
  if (!s.executeStep() || s.getColumn(0).isNull()) return std::nullopt;
  return from_unix_seconds(s.getColumn(0).getInt64());
}

void Supervision::cancel(int64_t booking_id) {
  auto& s = db_.statement("UPDATE supervision_bookings SET status = 'cancelled' WHERE id = ?");
  s.bind(1, booking_id);
  s.exec();
}

void Supervision::done(int64_t booking_id, Instant at, const std::string& note) {
  auto& s =
      db_.statement("UPDATE supervision_bookings SET status = 'done', done_at = ?, note = ? WHERE id = ?");
  s.bind(1, unix_seconds(at));
  if (note.empty())
    s.bind(2);
  else
    s.bind(2, note);
  s.bind(3, booking_id);
  s.exec();
}

void Supervision::clear_notes_before(Instant cutoff) {
  auto& s =
      db_.statement("UPDATE supervision_bookings SET note = NULL WHERE note IS NOT NULL AND done_at < ?");
  s.bind(1, unix_seconds(cutoff));
  s.exec();
}

}  // namespace tend::storage
