// People and settings are kept in memory between commands; what a rolled-back command wrote must
// never be read afterwards, and what a committed one wrote must be read at once.
#include <catch2/catch.hpp>

#include "storage/database.hpp"
#include "storage/inbound.hpp"
#include "storage/people.hpp"
#include "storage/roles.hpp"
#include "storage/settings_store.hpp"

using namespace tend;
using namespace tend::storage;

namespace {

const Instant kNow{std::chrono::seconds{1'800'000'000}};

}  // namespace

TEST_CASE("a person read before a command that rolls back is read as the database holds them") {
  Database db({":memory:"});
  People people(db);
  const auto sam = people.create("console", "sam", "sam", kNow);
  REQUIRE(people.by_platform_id("console", "sam")->kind == Kind::volunteer);  // now in memory

  {
    Transaction tx(db);
    Savepoint failing_command(db);
    people.set_kind(sam.id, Kind::staff);
    CHECK(people.by_id(sam.id)->kind == Kind::staff);  // the command sees its own write
  }                                                    // rolled back

  CHECK(people.by_id(sam.id)->kind == Kind::volunteer);
  CHECK(people.by_platform_id("console", "sam")->kind == Kind::volunteer);

  {
    Transaction tx(db);
    people.set_kind(sam.id, Kind::staff);
    tx.commit();
  }
  CHECK(people.by_platform_id("console", "sam")->kind == Kind::staff);
}

TEST_CASE("forgetting a supervisor is seen in the people they supervised, however they were read") {
  Database db({":memory:"});
  People people(db);
  const auto sam = people.create("console", "sam", "sam", kNow);
  const auto bo = people.create("console", "bo", "bo", kNow);
  people.set_supervisor(bo.id, sam.id);
  REQUIRE(people.by_id(bo.id)->supervisor_id == sam.id);

  people.forget(sam.id);  // the foreign key clears bo's supervisor in the same statement

  CHECK_FALSE(people.by_id(bo.id)->supervisor_id);
  CHECK_FALSE(people.by_id(sam.id));
}

TEST_CASE("a role assigned through the roles repository is read at once") {
  Database db({":memory:"});
  People people(db);
  const auto bo = people.create("console", "bo", "bo", kNow);
  REQUIRE_FALSE(people.by_id(bo.id)->role_id);
  Roles roles(db);
  const auto role = roles.by_name("peer supporter");
  REQUIRE(role);
  roles.assign(bo.id, role->id);
  CHECK(people.by_id(bo.id)->role_id == role->id);
}

TEST_CASE("settings layer file < global < person, and a change or a rollback is read at once") {
  Database db({":memory:"});
  SettingsStore store(db);
  const SettingValues file{{"checkin.cadence", "2w"}, {"checkin.time", "09:00"}};
  const int64_t bo = People(db).create("console", "bo", "bo", kNow).id;

  CHECK(store.layered(bo, file).raw("checkin.cadence") == "2w");
  store.set(SettingsStore::global, "checkin.cadence", "1w", kNow);
  CHECK(store.layered(bo, file).raw("checkin.cadence") == "1w");
  CHECK(store.layered(SettingsStore::global, file).raw("checkin.cadence") == "1w");
  store.set(bo, "checkin.cadence", "3d", kNow);
  CHECK(store.layered(bo, file).raw("checkin.cadence") == "3d");
  CHECK(store.layered(SettingsStore::global, file).raw("checkin.cadence") == "1w");
  CHECK(store.layered(bo, file).raw("checkin.time") == "09:00");

  {
    Transaction tx(db);
    store.set(bo, "checkin.cadence", "1d", kNow);
    CHECK(store.layered(bo, file).raw("checkin.cadence") == "1d");
  }  // rolled back
  CHECK(store.layered(bo, file).raw("checkin.cadence") == "3d");

  store.forget(bo);
  CHECK(store.layered(bo, file).raw("checkin.cadence") == "1w");
}

TEST_CASE("a reply is found again under each id of its delivery, and only the first recording counts") {
  Database db({":memory:"});
  Inbound inbound(db);
  CHECK_FALSE(inbound.reply_for({"E1", "T1"}));
  inbound.record({"E1", "T1"}, Message{"Thanks, bo.", {}, {}}, {}, kNow);
  inbound.record({"E2", "T1"}, Message{"a second answer", {}, {}}, {}, kNow);  // the same trigger again

  CHECK(inbound.reply_for({"E1"})->text == "Thanks, bo.");
  CHECK(inbound.reply_for({"E9", "T1"})->text == "Thanks, bo.");
  CHECK(inbound.reply_for({"E2"})->text == "a second answer");
  // Both ids known, answered apart: the first id's answer, whichever way the index sorts them.
  CHECK(inbound.reply_for({"E2", "T1"})->text == "a second answer");
  CHECK(inbound.reply_for({"T1", "E2"})->text == "Thanks, bo.");

  inbound.forget_before(kNow + std::chrono::seconds{1});
  CHECK_FALSE(inbound.reply_for({"E1", "T1"}));
  CHECK_FALSE(inbound.reply_for({"E2"}));
}

TEST_CASE(
    "withdrawing a person's replies replaces each stored reply that showed their data and keeps the ids") {
  Database db({":memory:"});
  Inbound inbound(db);
  inbound.record({"E1", "T1"}, Message{"Your last check-ins: 2, a hard week", {}, {}}, {1}, kNow);
  inbound.record({"E2", "T2"}, Message{"Your volunteers: bo, 2, a hard week", {}, {}}, {3, 1}, kNow);
  inbound.record({"E3", "T3"}, Message{"cy's profile", {}, {}}, {2}, kNow);

  inbound.withdraw_replies_showing(1, Message{"withdrawn", {}, {}});

  CHECK(inbound.reply_for({"E1"})->text == "withdrawn");
  CHECK(inbound.reply_for({"T2"})->text == "withdrawn");
  CHECK(inbound.reply_for({"E3"})->text == "cy's profile");
  CHECK(db.sql().execAndGet("SELECT count(*) FROM inbound WHERE reply LIKE '%hard week%'").getInt() == 0);
  CHECK(db.sql().execAndGet("SELECT count(*) FROM inbound_people WHERE person_id = 1").getInt() == 0);
  CHECK(db.sql().execAndGet("SELECT count(*) FROM inbound_ids").getInt() == 6);
}

TEST_CASE("the daily pass forgets the replies older than the window with their ids, and keeps the rest") {
  using std::chrono::days;
  Database db({":memory:"});
  Inbound inbound(db);
  inbound.record({"E1", "T1"}, Message{"eight days ago", {}, {}}, {1}, kNow - days(8));
  inbound.record({"E2", "T1"}, Message{"also eight days ago", {}, {}}, {1, 2}, kNow - days(8));
  inbound.record({"E3", "T3"}, Message{"six days ago", {}, {}}, {2}, kNow - days(6));
  inbound.record({"E4", ""}, Message{"today", {}, {}}, {}, kNow);

  inbound.forget_before(kNow - days(7));

  for (const auto* gone : {"E1", "T1", "E2"}) CHECK_FALSE(inbound.reply_for({gone}));
  CHECK(inbound.reply_for({"T3"})->text == "six days ago");
  CHECK(inbound.reply_for({"E4"})->text == "today");
  CHECK(db.sql().execAndGet("SELECT count(*) FROM inbound_ids").getInt() == 3);
  CHECK(db.sql().execAndGet("SELECT count(*) FROM inbound").getInt() == 2);
  // Whose data each reply showed goes with it: only the six-day-old reply's person is left.
  CHECK(db.sql()
            .execAndGet("SELECT group_concat(person_id || ':' || reply_id) FROM inbound_people")
            .getString() == "2:3");

  inbound.forget_before(kNow + std::chrono::seconds{1});
  CHECK(db.sql().execAndGet("SELECT count(*) FROM inbound_ids").getInt() == 0);
  CHECK(db.sql().execAndGet("SELECT count(*) FROM inbound").getInt() == 0);
}
