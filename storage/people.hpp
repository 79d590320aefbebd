#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "storage/database.hpp"

namespace tend::storage {

enum class Kind { volunteer, staff, admin };
std::string_view to_string(Kind);
std::optional<Kind> parse_kind(std::string_view);

struct Person {
  int64_t id = 0;
  std::string platform;
  std::string platform_user_id;
  std::string display_name;
  std::string zone;                // IANA name; empty = timezone.default
  bool zone_chosen = false;        // set with /tend timezone: a platform's profile never replaces it
  bool default_zone_told = false;  // told once that Tend uses timezone.default for them
  Kind kind = Kind::volunteer;
  std::optional<int64_t> supervisor_id;
  std::optional<int64_t> role_id;
  std::optional<Instant> on_break_until;
  std::string break_note;
  Instant created_at{};

  bool is_staff() const { return kind != Kind::volunteer; }
  bool on_break(Instant now) const { return on_break_until && *on_break_until > now; }
  bool open_ended_break() const { return on_break_until && *on_break_until >= kOpenEndedBreak; }
  static constexpr Instant kOpenEndedBreak{std::chrono::seconds{253402300799}};  // 9999-12-31T23:59:59Z
};

// Every write to the people table goes through here, which is what lets a person read by id or
// platform id be kept in memory between commands (Database::cache): a write empties the cache.
class People {
 public:
  explicit People(Database& db) : db_(db) {}

  std::optional<Person> by_id(int64_t id);
  std::optional<Person> by_platform_id(std::string_view platform, std::string_view platform_user_id);
  // `@name` as people type it: the platform id or the display name, case-insensitive.
  std::optional<Person> by_name(std::string_view platform, std::string_view name);
  Person create(std::string_view platform, std::string_view platform_user_id, std::string_view display_name,
                Instant now);
  void set_kind(int64_t id, Kind kind);
  void set_supervisor(int64_t id, std::optional<int64_t> supervisor_id);
  // The platform's view of a person; a zone they chose stays.
  void set_profile(int64_t id, std::string_view display_name, std::string_view zone);
  // A zone chosen with /tend timezone.
  void choose_zone(int64_t id, std::string_view zone);
  void mark_default_zone_told(int64_t id);
  // A break until `until` (nullopt: the break is over). An open-ended break is stored as one
  // that ends at the last second of the year 9999.
  void set_break(int64_t id, std::optional<Instant> until, std::string_view note);
  void set_role(int64_t id, int64_t role_id);
  std::vector<Person> supervised_by(int64_t staff_id);
  std::vector<Person> of_kind(Kind kind);
  // The same lists a page at a time, in the same order: at most `limit` people after the first
  // `offset`, so a long list costs what one page costs.
  std::vector<Person> supervised_by(int64_t staff_id, int limit, int offset);
  std::vector<Person> of_kind(Kind kind, int limit, int offset);
  // Deletes the person; what is theirs (check-ins, stories, bookings, nudges, outbox rows)
  // goes with them by cascade. Settings and the audit log are not theirs to cascade: see
  // SettingsStore::forget and Audit::redact_about.
  void forget(int64_t id);

 private:
  Database& db_;
};

}  // namespace tend::storage
