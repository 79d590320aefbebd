#pragma once
// Supervision slots that staff offer and bookings volunteers make. A slot can hold one live
// booking: the database refuses a second (a partial unique index), so two people pressing
// "Book" at the same moment cannot both get it.
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "storage/database.hpp"

namespace tend::storage {

struct Slot {
  int64_t id = 0;
  int64_t staff_id = 0;
  Instant starts_at{};
  int minutes = 60;
  bool withdrawn = false;
  Instant ends_at() const { return starts_at + std::chrono::minutes(minutes); }
};

struct Booking {
  int64_t id = 0;
  int64_t slot_id = 0;
  int64_t volunteer_id = 0;
  std::string status;  // booked, cancelled, done
  Instant booked_at{};
  std::optional<Instant> done_at;
  std::string note;  // staff's private note, recorded with done
  Slot slot;
};

// Thrown by book() when the slot already has a live booking.
struct SlotTaken : std::runtime_error {
  SlotTaken() : std::runtime_error("slot already booked") {}
};

class Supervision {
 public:
  explicit Supervision(Database& db) : db_(db) {}
  int64_t offer(int64_t staff_id, Instant starts_at, int minutes, Instant now);
  std::optional<Slot> slot(int64_t id);
  // The staff member's live slots that overlap [from, to).
  std::vector<Slot> overlapping(int64_t staff_id, Instant from, Instant to);
  // Unbooked slots of a staff member starting after `now`.
  std::vector<Slot> open_slots(int64_t staff_id, Instant now, int limit);
  int64_t book(int64_t slot_id, int64_t volunteer_id, Instant now);  // throws SlotTaken
  std::optional<Booking> booking(int64_t id);
  std::vector<Booking> upcoming_for_volunteer(int64_t volunteer_id, Instant now);
  std::vector<Booking> upcoming_for_staff(int64_t staff_id, Instant now);
  std::vector<Booking> all_for_volunteer(int64_t volunteer_id);
  std::optional<Instant> last_done(int64_t volunteer_id);
  void cancel(int64_t booking_id);
  void done(int64_t booking_id, Instant at, const std::string& note);
  // Removes staff's notes on sessions done before `cutoff` (note retention).
  void clear_notes_before(Instant cutoff);

 private:
  std::vector<Booking> bookings(const std::string& where, int64_t id, std::optional<Instant> after);
  Database& db_;
};

}  // namespace tend::storage
