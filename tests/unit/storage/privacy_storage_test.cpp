// What /tend forget and the daily note-retention pass leave behind in the database.
#include <catch2/catch.hpp>

#include "storage/audit.hpp"
#include "storage/checkins.hpp"
#include "storage/database.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"
#include "storage/settings_store.hpp"
#include "storage/supervision.hpp"

using namespace tend;
using namespace tend::storage;
using namespace std::chrono;

namespace {

const Instant t0{seconds{1'780'000'000}};

int64_t count(Database& db, const std::string& sql) {
  return db.sql().execAndGet(sql).getInt64();
}

// The query plan SQLite picks for `sql`, one line per step.
std::string plan(Database& db, const std::string& sql) {
  SQLite::Statement q(db.sql(), "EXPLAIN QUERY PLAN " + sql);
  std::string out;
  while (q.executeStep()) out += q.getColumn(3).getString() + "\n";
  return out;
}

}  // namespace

TEST_CASE("forgetting a person deletes what is theirs and keeps only the shape of the audit") {
  Database db({":memory:"});
  People people(db);
  const auto ada = people.create("console", "ada", "Ada", t0);
  const auto bo = people.create("console", "bo", "Bo", t0);
  Checkins(db).add({0, bo.id, 2, "hard week", false, false, t0});
  SettingsStore settings(db);
  settings.set(bo.id, "nudge.quiet_hours", "none", t0);
  settings.set(ada.id, "nudge.quiet_hours", "21:00-07:00", t0);
  settings.set(SettingsStore::global, "checkin.time", "09:30", t0);
  Audit audit(db);
  audit.record({0, t0, ada.id, "setting", bo.id, "nudge.quiet_hours", "20:00-08:00", "none"});
  audit.record({0, t0, bo.id, "mydata.export", bo.id, "bo's export", "", ""});
  audit.record({0, t0, ada.id, "setting", std::nullopt, "checkin.time", "10:00", "09:30"});
  Outbox outbox(db);
  outbox.enqueue({OutboxRecipient::Kind::person, "bo", bo.id}, Message{"for bo", {}, {}}, t0, "to-bo");
  outbox.enqueue({OutboxRecipient::Kind::person, "ada", ada.id}, Message{"for ada", {}, {}}, t0, "to-ada");

  settings.forget(bo.id);
  audit.redact_about(bo.id);
  people.forget(bo.id);

  CHECK_FALSE(people.by_id(bo.id));
  CHECK(people.by_id(ada.id));
  CHECK(count(db, "SELECT count(*) FROM checkins") == 0);
  CHECK(settings.values(bo.id).empty());
  CHECK(settings.value(ada.id, "nudge.quiet_hours") == "21:00-07:00");
  CHECK(settings.value(SettingsStore::global, "checkin.time") == "09:30");
  const auto pending = outbox.due(t0, 10);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].message.text == "for ada");

  const auto entries = audit.latest(10);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].detail == "checkin.time");  // not about bo: untouched
  CHECK(entries[0].new_value == "09:30");
  for (int i : {1, 2}) {
    CHECK_FALSE(entries[i].action.empty());
    CHECK(entries[i].at == t0);
    CHECK(entries[i].detail.empty());
    CHECK(entries[i].old_value.empty());
    CHECK(entries[i].new_value.empty());
  }
}

TEST_CASE("note retention clears notes older than the cutoff and keeps scores and newer notes") {
  Database db({":memory:"});
  People people(db);
  const auto sam = people.create("console", "sam", "Sam", t0);
  const auto bo = people.create("console", "bo", "Bo", t0);
  Checkins checkins(db);
  checkins.add({0, bo.id, 3, "an old note", false, false, t0 - days(40)});
  checkins.add({0, bo.id, 4, "a recent note", false, false, t0 - days(10)});
  Supervision supervision(db);
  const auto old_booking =
      supervision.book(supervision.offer(sam.id, t0 - days(41), 60, t0 - days(50)), bo.id, t0 - days(45));
  supervision.done(old_booking, t0 - days(40), "talked about boundaries");
  const auto new_booking =
      supervision.book(supervision.offer(sam.id, t0 - days(11), 60, t0 - days(20)), bo.id, t0 - days(15));
  supervision.done(new_booking, t0 - days(10), "talked about endings");

  checkins.clear_notes_before(t0 - days(30));
  supervision.clear_notes_before(t0 - days(30));

  const auto kept = checkins.latest(bo.id, 10);
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].note == "a recent note");
  CHECK(kept[1].note.empty());
  CHECK(kept[1].score == 3);
  CHECK(supervision.booking(old_booking)->note.empty());
  CHECK(supervision.booking(old_booking)->status == "done");
  CHECK(supervision.booking(new_booking)->note == "talked about endings");
}

TEST_CASE("the retention pass finds old notes through an index, not a scan of every check-in") {
  Database db({":memory:"});
  // The statements of Checkins::clear_notes_before and Supervision::clear_notes_before.
  CHECK_THAT(plan(db, "UPDATE checkins SET note = NULL WHERE note IS NOT NULL AND at < 1"),
             Catch::Contains("USING INDEX checkins_noted_at"));
  CHECK_THAT(plan(db, "UPDATE supervision_bookings SET note = NULL WHERE note IS NOT NULL AND done_at < 1"),
             Catch::Contains("USING INDEX supervision_bookings_noted_done_at"));
}
