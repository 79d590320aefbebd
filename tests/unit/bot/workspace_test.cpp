// Supervision, role boundaries, admin by chat and privacy, as the people using them see it.
#include <date/tz.h>

#include <catch2/catch.hpp>

#include "storage/audit.hpp"
#include "storage/checkins.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"
#include "storage/supervision.hpp"
#include "test_workspace.hpp"

using namespace tend;
using namespace std::chrono;
using Catch::Contains;

namespace {

// sam and kim are staff; sam supervises the volunteers bo and cy; ada is an admin.
struct Org : testing::TestWorkspace {
  Org() {
    set_up_team();
    say("kim", "/tend help");
    say("cy", "/tend help");
    say("ada", "/tend admin person @kim staff");
    say("ada", "/tend admin supervisor @cy @sam");
  }
};

}  // namespace

TEST_CASE("staff offer slots; a volunteer sees and books one; both are reminded; done is recorded") {
  Org o;
  CHECK_THAT(o.say("sam", "/supervision offer 2026-06-05 14:00 45 weekly 2").text,
             Contains("Offered 2 slot(s) of 45 minutes") && Contains("Fri 5 Jun 14:00") &&
                 Contains("Fri 12 Jun 14:00"));
  auto view = o.say("bo", "/supervision");
  REQUIRE(view.buttons.size() == 2);
  CHECK_THAT(o.press("bo", view.buttons[0]).text, Contains("Booked: Fri 5 Jun 14:00 (45 min) with sam"));
  CHECK(o.to_containing("sam", "bo booked supervision with you").size() == 1);
  CHECK_THAT(o.say("cy", "/supervision book 1").text, Contains("someone has just booked that slot"));
  o.advance(days(2) + hours(4));
  CHECK(o.to_containing("bo", "Reminder: supervision with sam in 24 hours").size() == 1);
  CHECK(o.to_containing("sam", "Reminder: supervision with bo in 1 hour").size() == 1);
  CHECK_THAT(o.say("sam", "/supervision done 1 talked about boundaries").text,
             Contains("your note is private"));
  CHECK_THAT(o.say("bo", "/supervision").text, Contains("Last supervision: just now"));
}

TEST_CASE("a slot is never booked twice: the database refuses the second booking") {
  Org o;
  o.say("sam", "/supervision offer 2026-06-05 14:00");
  storage::Supervision sup(o.db);
  const auto bo = *storage::People(o.db).by_platform_id("console", "bo");
  const auto cy = *storage::People(o.db).by_platform_id("console", "cy");
  sup.book(1, bo.id, o.clock.now());
  CHECK_THROWS_AS(sup.book(1, cy.id, o.clock.now()), storage::SlotTaken);
}

TEST_CASE("bad supervision input is explained and changes nothing") {
  Org o;
  CHECK_THAT(o.say("sam", "/supervision offer 2026-06-01 14:00").text, Contains("is in the past"));
  CHECK_THAT(o.say("sam", "/supervision offer 2026-06-05").text, Contains("start time"));
  CHECK_THAT(o.say("sam", "/supervision offer 2026-06-05 14:00 5").text, Contains("15 to 240 minutes"));
  o.say("sam", "/supervision offer 2026-06-05 14:00 60");
  CHECK_THAT(o.say("sam", "/supervision offer 2026-06-05 14:30").text, Contains("overlaps your slot 1"));
  CHECK_THAT(o.say("bo", "/supervision offer 2026-06-05 16:00").text,
             Contains("not something a volunteer can do"));
  o.say("kim", "/supervision offer 2026-06-06 10:00");
  CHECK_THAT(o.say("bo", "/supervision book 2").text, Contains("isn't your supervisor"));
  o.say("bo", "/supervision book 1");
  CHECK_THAT(o.say("cy", "/supervision cancel 1").text, Contains("isn't yours to cancel"));
  CHECK_THAT(o.say("bo", "/supervision cancel 1").text, Contains("Cancelled booking #1"));
  CHECK(o.to_containing("sam", "cancelled supervision").size() == 1);
  CHECK_THAT(o.say("cy", "/supervision book 1").text, Contains("Booked"));
}

TEST_CASE("a volunteer without supervision for supervision.max_gap: both are nudged") {
  Org o;
  o.advance(weeks(6) + days(1));
  CHECK_FALSE(o.to_containing("bo", "since your last supervision").empty());
  CHECK_FALSE(o.to_containing("sam", "has had no supervision").empty());
}

TEST_CASE("boundaries: the default role ships; admins write and assign roles") {
  Org o;
  auto mine = o.say("bo", "/boundaries");
  CHECK_THAT(mine.text,
             Contains("peer supporter") && Contains("crisis") && Contains("fine to decline to share"));
  CHECK_THAT(o.say("ada", "/tend admin role add Kitchen helper").text,
             Contains("Added the role *Kitchen helper*"));
  CHECK_THAT(o.say("ada", "/tend admin role boundaries kitchen helper No knives.\nAsk before lifting.").text,
             Contains("Updated the boundaries"));
  CHECK_THAT(o.say("ada", "/tend admin role assign @bo kitchen helper").text,
             Contains("bo now has the role"));
  CHECK(o.to_containing("bo", "No knives.").size() == 1);
  CHECK_THAT(o.say("bo", "/boundaries").text, Contains("Ask before lifting."));
  CHECK_THAT(o.say("bo", "/boundaries peer supporter").text, Contains("peer supporter"));
  CHECK_THAT(o.say("bo", "/boundaries astronaut").text, Contains("There is no role \"astronaut\""));
  CHECK_THAT(o.say("ada", "/tend admin role boundaries kitchen helper " + std::string(50'000, 'x')).text,
             Contains("6,000") && Contains("Nothing was changed"));
  CHECK_THAT(o.say("ada", "/tend admin role assign @bo astronaut").text, Contains("There is no role"));
  o.advance(days(31));
  CHECK_FALSE(o.to_containing("bo", "A reminder of your role's boundaries").empty());
}

TEST_CASE("every admin change is audited with who, old and new value") {
  Org o;
  o.say("ada", "/tend admin set checkin.time 09:30");
  o.say("ada", "/tend admin set checkin.time 11:00");
  auto audit = storage::Audit(o.db).latest(1);
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].old_value == "09:30");
  CHECK(audit[0].new_value == "11:00");
  CHECK_THAT(o.say("ada", "/tend admin audit 5").text,
             Contains("ada: setting checkin.time `09:30` → `11:00`"));
}

TEST_CASE("a volunteer never reads another volunteer's data") {
  Org o;
  o.say("bo", "/checkin 4 my private thoughts");
  CHECK_THAT(o.say("cy", "/checkin team").text, Contains("not something a volunteer can do"));
  CHECK_THAT(o.say("cy", "/story list @bo").text, Contains("Only bo, their supervisor or an admin"));
  CHECK_THAT(o.say("cy", "/checkin history").text, !Contains("my private thoughts"));
}

TEST_CASE("mydata sends everything; forget deletes it after a confirmation and says what remains") {
  Org o;
  o.say("bo", "/checkin 2 hard week");
  o.say("bo", "/story yesterday 18:00 radio");
  CHECK_THAT(o.say("bo", "/tend mydata").text, Contains("sent you everything"));
  auto exported = o.to_containing("bo", "Everything Tend holds about you");
  REQUIRE(exported.size() == 1);
  CHECK_THAT(exported[0].message.text,
             Contains("hard week") && Contains("radio") && Contains("\"display_name\": \"bo\""));

  auto ask = o.say("bo", "/tend forget");
  REQUIRE(ask.buttons.size() == 1);
  CHECK(storage::People(o.db).by_platform_id("console", "bo"));
  CHECK_THAT(o.press("cy", ask.buttons[0]).text, Contains("for someone else"));
  CHECK_THAT(o.press("bo", ask.buttons[0]).text, Contains("audit log"));
  CHECK_FALSE(storage::People(o.db).by_platform_id("console", "bo"));
  CHECK(o.db.sql().execAndGet("SELECT count(*) FROM checkins").getInt() == 0);
  CHECK(o.db.sql().execAndGet("SELECT count(*) FROM stories").getInt() == 0);
  CHECK(o.db.sql().execAndGet("SELECT count(*) FROM audit WHERE detail LIKE '%bo%'").getInt() == 0);
  o.advance(days(8));
  CHECK(o.to_containing("sam", "shared their story").empty());
}

namespace {

// How many text cells, in every table of the database, hold `text`.
int cells_holding(storage::Database& db, const std::string& text) {
  int found = 0;
  SQLite::Statement tables(db.sql(), "SELECT name FROM sqlite_master WHERE type = 'table'");
  while (tables.executeStep()) {
    const auto table = tables.getColumn(0).getString();
    SQLite::Statement columns(db.sql(), "SELECT name FROM pragma_table_info(?)");
    columns.bind(1, table);
    while (columns.executeStep()) {
      SQLite::Statement holding(db.sql(), "SELECT count(*) FROM \"" + table + "\" WHERE instr(CAST(\"" +
                                              columns.getColumn(0).getString() + "\" AS TEXT), ?) > 0");
      holding.bind(1, text);
      holding.executeStep();
      found += holding.getColumn(0).getInt();
    }
  }
  return found;
}

}  // namespace

TEST_CASE(
    "forget takes back the stored replies that showed the person's data; a redelivery of one is not "
    "handled again") {
  Org o;
  const std::string note = "a hard week at the shelter";
  o.say("bo", "/checkin 2 " + note, {"E1", "T1"});
  CHECK_THAT(o.say("bo", "/checkin history", {"E2", "T2"}).text, Contains(note));
  CHECK_THAT(o.say("sam", "/checkin team", {"E3", "T3"}).text, Contains(note));
  const auto cy_profile = o.say("cy", "/tend me", {"E4", "T4"});
  REQUIRE(cells_holding(o.db, note) > 0);

  auto ask = o.say("bo", "/tend forget");
  CHECK_THAT(o.press("bo", ask.buttons[0]).text, Contains("deleted"));

  CHECK(cells_holding(o.db, note) == 0);
  // Slack redelivers bo's history under a new envelope id: answered, not handled (bo stays gone).
  CHECK_THAT(o.say("bo", "/checkin history", {"E2-again", "T2"}).text, Contains("already handled"));
  CHECK_FALSE(storage::People(o.db).by_platform_id("console", "bo"));
  CHECK_THAT(o.say("sam", "/checkin team", {"E3", "T3"}).text,
             Contains("already handled") && !Contains("*bo*"));
  // A reply that showed nothing of bo's is answered as it was.
  CHECK(o.say("cy", "/tend me", {"E4", "T4"}) == cy_profile);
}

TEST_CASE("privacy.note_retention removes old notes, daily") {
  Org o;
  o.say("bo", "/checkin 3 an old note");
  o.say("ada", "/tend admin set privacy.note_retention 30d");
  {
    storage::Transaction tx(o.db);
    commands::Services services(o.db, o.clock, o.registry, o.file_settings());
    commands::schedule_housekeeping(services);
    tx.commit();
  }
  o.advance(days(32));
  const auto bo = *storage::People(o.db).by_platform_id("console", "bo");
  auto kept = storage::Checkins(o.db).latest(bo.id, 10);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].note.empty());
  CHECK(kept[0].score == 3);
}
