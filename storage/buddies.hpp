#pragma once
// Buddy pairings: two volunteers who look out for each other. A pairing is proposed (by one of
// them or an admin), becomes active only when both have said yes, and ends when either ends it.
// Each side chooses what the other is told of; nothing by default.
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "storage/database.hpp"

namespace tend::storage {

enum class Shared { breaks, support };

struct Pairing {
  int64_t id = 0;
  int64_t a_id = 0;  // the smaller person id
  int64_t b_id = 0;
  std::optional<int64_t> proposed_by;
  bool a_accepted = false, b_accepted = false;
  bool a_shares_breaks = false, a_shares_support = false;
  bool b_shares_breaks = false, b_shares_support = false;
  std::string status;  // proposed, active, declined, ended
  Instant created_at{};
  std::optional<Instant> started_at;
  std::optional<Instant> ended_at;

  bool has(int64_t person) const { return person == a_id || person == b_id; }
  int64_t other(int64_t person) const { return person == a_id ? b_id : a_id; }
  bool accepted_by(int64_t person) const { return person == a_id ? a_accepted : b_accepted; }
  // Whether `person` tells the other of this.
  bool shares(int64_t person, Shared what) const;
};

// Thrown by propose() when the two already have a live (proposed or active) pairing.
struct PairingExists : std::runtime_error {
  PairingExists() : std::runtime_error("these two already have a pairing") {}
};

class Buddies {
 public:
  explicit Buddies(Database& db) : db_(db) {}
  // A new proposed pairing; `accepted`: the people among the two who said yes by proposing it.
  int64_t propose(int64_t one, int64_t other, std::optional<int64_t> proposed_by,
                  const std::vector<int64_t>& accepted, Instant now);  // throws PairingExists
  std::optional<Pairing> by_id(int64_t id);
  // Proposed and active pairings of the person, oldest first.
  std::vector<Pairing> live_of(int64_t person);
  // Every pairing the person was ever part of, oldest first (their data, for the export).
  std::vector<Pairing> all_of(int64_t person);
  int count_active(int64_t person);
  // Records that `person` said yes; when both have, the pairing becomes active at `now`.
  void accept(int64_t id, int64_t person, Instant now);
  // A proposal turned down (`declined`) or a pairing ended (`ended`).
  void close(int64_t id, std::string_view status, Instant now);
  // What `person` shares with the buddies of every active pairing they are in.
  void set_shared(int64_t person, Shared what, bool on);

 private:
  std::vector<Pairing> select(const std::string& where, int64_t person);
  Database& db_;
};

}  // namespace tend::storage
