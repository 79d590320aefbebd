// bench_scale [volunteers=20000] [runs=21] [--keep=DIR]
//
// Cost as the data grows. Builds two databases that hold the same measured team (a staff member,
// their 25 volunteers and an admin, with a year of their own history): a small one with that team
// alone, and a big one where 799 more teams surround it (20,000 volunteers, about a million pending
// jobs and two million check-ins, with stories, nudges, supervision, buddies, debriefs, the audit
// log, sent and pending outbox rows and a week of handled deliveries). Then runs every command,
// button and routine job as Tend runs them (the real Router, Scheduler and OutboxSender), on the
// measured team in both databases, run for run, and prints the median thread CPU time of each with
// the ratio big / small. What a person owns is the same size in both databases, so a ratio above 1
// is what the rest of the data costs them.
//
// --only=TEXT measures only the items whose name contains TEXT.
//
// --slow[=µs] prints each SQL statement that takes longer than that (1,000 µs unless given) on
// the big database, with the item it ran for: where a ratio above 2 comes from.
//
// --keep=DIR keeps the databases in DIR and reuses them on the next run (for working on a fix:
// a reused database has been changed a little by the runs before, and is migrated when opened).
#include <time.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <date/date.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "bench/stats.hpp"
#include "bot/outbox_sender.hpp"
#include "bot/router.hpp"
#include "bot/scheduler.hpp"
#include "commands/families.hpp"
#include "commands/format.hpp"
#include "commands/nudges.hpp"
#include "storage/audit.hpp"
#include "storage/buddies.hpp"
#include "storage/checkins.hpp"
#include "storage/debriefs.hpp"
#include "storage/inbound.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"
#include "storage/settings_store.hpp"
#include "storage/stories.hpp"
#include "storage/supervision.hpp"
#include "storage/time.hpp"

using namespace tend;
using namespace std::chrono;
using bench::median;
using storage::JobKind;

namespace {

// Wednesday 3 June 2026, 10:00 in London: every database is built around this moment.
const Instant kNow = Instant{date::sys_days{date::year{2026} / 6 / 3}.time_since_epoch()} + hours(9);
constexpr int kPerStaff = 25;
constexpr int kCheckinsEach = 100;
constexpr auto kRetention = days(180);
// Whatever the bench adds meanwhile stays clear of what the databases hold: their notes stop short
// of the retention cutoff by this much, and their jobs and pending messages fall due no sooner.
constexpr auto kMargin = days(1);
const char* const kPlatform = "bench";

const storage::SettingValues kFileSettings{
    {"nudge.quiet_hours", "none"}, {"nudge.working_days", "mon-sun"}, {"privacy.note_retention", "180d"}};

const char* const kNotes[] = {
    "tired but okay",
    "good session at the drop-in, felt useful",
    "hard week, my own stuff came up a bit",
    "slept badly, managing",
    "really good day, the group was lovely",
    "anxious about the court visit on friday, but coping with it",
    "quiet, nothing much to report",
    "someone I support relapsed and it hit me harder than I expected",
};
const char* const kWhats[] = {"funders' lunch",  "conference talk", "training day for new volunteers",
                              "radio interview", "school assembly", "council committee"};

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

std::string padded(int n) {
  char text[16];
  std::snprintf(text, sizeof text, "%05d", n);
  return text;
}

std::string with_commas(int64_t n) {
  const auto digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Writes a workspace's people and their history through the storage repositories, with the
// job keys and typed payloads the commands use.
class Builder {
 public:
  Builder(storage::Database& db, const Clock& clock, const commands::Registry& registry)
      : db_(db), services_(db, clock, registry, kFileSettings) {}

  storage::Person staff(int team) {
    storage::People people(db_);
    auto s = people.create(kPlatform, "S" + std::to_string(team), "staff" + padded(team), kNow - days(800));
    people.set_kind(s.id, storage::Kind::staff);
    people.set_profile(s.id, "", "Europe/London");
    // Open slots nobody has booked yet.
    storage::Supervision sup(db_);
    for (int k = 0; k < 20; ++k) sup.offer(s.id, kNow + kMargin + days(3 * k) + hours(5), 45, kNow - days(2));
    return *people.by_id(s.id);
  }

  // A volunteer and a year and more of their own history. `index` decides everything about them,
  // so that the same index gives the same history in every database.
  storage::Person volunteer(int index, const storage::Person& staff, int place_in_team,
                            const std::string& user_id = {}) {
    std::mt19937_64 rng(static_cast<uint64_t>(index) * 7919 + 17);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    storage::People people(db_);
    static const char* const zones[] = {"Europe/London", "Europe/London", "Europe/London", "Europe/Paris",
                                        "America/New_York"};
    auto v = people.create(kPlatform, user_id.empty() ? "V" + std::to_string(index) : user_id,
                           "vol" + padded(index), kNow - days(400 + pick(0, 300)));
    people.set_supervisor(v.id, staff.id);
    people.set_role(v.id, 1);
    people.set_profile(v.id, "", zones[pick(0, 4)]);
    v = *people.by_id(v.id);
    commands::start_routines(services_, v);
    if (pick(1, 10) == 1) storage::SettingsStore(db_).set(v.id, "checkin.time", "09:30", kNow - days(30));

    // Check-ins every few days; those who went quiet (one in twenty) stopped three weeks ago. Notes
    // older than the retention period were cleared by the passes of earlier days.
    const bool lapsed = index % 20 == 7;
    storage::Checkins checkins(db_);
    for (int j = 0; j < kCheckinsEach; ++j) {
      const auto at = kNow - days(4 * j + (lapsed ? 20 : 0)) - hours(pick(2, 90));
      std::optional<int> score;
      if (pick(1, 50) > 1) score = std::array{2, 3, 3, 4, 4, 4, 5, 5, 1, 3}[pick(0, 9)];
      std::string note;
      if (at > kNow - kRetention + kMargin && pick(1, 10) <= 6) note = kNotes[pick(0, 7)];
      const bool is_private = !note.empty() && pick(1, 10) == 1;
      checkins.add({0, v.id, score, note, is_private, pick(1, 50) == 1, at});
    }

    storage::Jobs jobs(db_);
    auto job = [&](JobKind kind, Instant due, storage::JobPayload payload, const std::string& key) {
      jobs.schedule({kind, due, std::move(payload), key, v.id});
    };
    // Stories: ten told, six to come (each with its follow-ups, gentle message and reminder).
    storage::Stories stories(db_);
    for (int k = 0; k < 10; ++k) {
      const auto at = kNow - days(pick(10, 400));
      stories.add(v.id, v.id, at, kWhats[pick(0, 5)], at);
    }
    for (int k = 0; k < 6; ++k) {
      const auto at = kNow + kMargin + days(2 + pick(0, 57)) + hours(pick(0, 8));
      const auto id =
          stories.add(v.id, pick(0, 1) ? v.id : staff.id, at, kWhats[pick(0, 5)], kNow - days(pick(1, 20)));
      const auto key = "story:" + std::to_string(id) + ":";
      for (auto offset : {days(1), days(3), days(7)})
        job(JobKind::story_followup, at + offset, storage::StoryJob{id, offset},
            key + "followup:" + std::to_string(seconds(offset).count()));
      job(JobKind::story_volunteer, at + days(2), storage::StoryJob{id, days(2)}, key + "volunteer");
      job(JobKind::story_reminder, at - days(1), storage::StoryJob{id, seconds{0}}, key + "reminder");
    }
    // Nudges: twenty answered, three open (each to escalate), one snoozed.
    storage::Nudges nudges(db_);
    const auto reason = "follow-up 1 day after vol" + padded(index) + " shared their story";
    for (int k = 0; k < 20; ++k) {
      const auto created = kNow - days(15 * k + pick(1, 14));
      nudges.mark_done(nudges.add(v.id, staff.id, reason, created), staff.id, created + hours(pick(2, 48)));
    }
    for (int k = 0; k < 4; ++k) {
      const auto id = nudges.add(v.id, staff.id, reason, kNow - hours(pick(1, 20)));
      const auto key = "nudge:" + std::to_string(id) + ":";
      const auto escalate = kNow + kMargin + hours(pick(1, 40));
      if (k == 3) job(JobKind::nudge_repeat, escalate, storage::NudgeJob{id}, key + "repeat");
      job(JobKind::nudge_escalate, escalate + (k == 3 ? days(2) : days(0)), storage::NudgeJob{id},
          key + "escalate");
    }
    // Supervision: eight sessions done (notes kept within the retention period), four booked.
    storage::Supervision sup(db_);
    for (int k = 0; k < 8; ++k) {
      const auto start = kNow - days(28 * (k + 1) + place_in_team % 5) + hours(place_in_team % 7);
      const auto booking = sup.book(sup.offer(staff.id, start, 45, start - days(14)), v.id, start - days(10));
      sup.done(booking, start + minutes(45),
               start > kNow - kRetention + kMargin ? "talked about boundaries with a client" : "");
    }
    for (int k = 0; k < 4; ++k) {
      const auto start = kNow + kMargin + days(7 * k + place_in_team % 7) + hours(1 + place_in_team % 8);
      const auto booking = sup.book(sup.offer(staff.id, start, 45, kNow - days(3)), v.id, kNow - days(2));
      for (auto offset : {hours(24), hours(1)})
        job(JobKind::supervision_reminder, start - offset, storage::BookingJob{booking, offset},
            "booking:" + std::to_string(booking) + ":reminder:" + std::to_string(seconds(offset).count()));
    }
    // Debriefs: twenty over the year, three in the last day with a follow-up to come.
    storage::Debriefs debriefs(db_);
    for (int j = 0; j < 23; ++j) {
      const bool recent = j >= 20;
      const auto at = recent ? kNow - hours(pick(1, 20)) : kNow - days(10 * j + 2) - hours(pick(1, 200));
      storage::Debrief d;
      d.person_id = v.id;
      d.score = pick(1, 5);
      d.stirred = std::array<const char*, 3>{"yes", "a little", "no"}[pick(0, 2)];
      d.talk = pick(0, 1) == 1;
      if (at > kNow - kRetention + kMargin && pick(1, 2) == 1) d.note = kNotes[pick(0, 7)];
      d.is_private = !d.note.empty() && pick(1, 10) == 1;
      d.at = at;
      const auto id = debriefs.add(d);
      if (d.score <= 2) debriefs.mark_escalated(id, at + minutes(1));
      if (recent)
        job(JobKind::debrief_followup, at + days(3), storage::DebriefJob{id, days(3)},
            "debrief:" + std::to_string(id) + ":followup:259200");
    }
    // Reads of their data by staff, as the team view and supervision agendas record them.
    storage::Audit audit(db_);
    for (int k = 0; k < 50; ++k)
      audit.record({0, kNow - days(pick(1, 365)), staff.id, k % 2 ? "checkins.read" : "debriefs.read", v.id,
                    "team view", "", ""});
    // What Tend sent them and about them, and one message waiting for its time.
    storage::Outbox outbox(db_);
    for (int k = 0; k < 25; ++k) {
      const auto at = kNow - days(7 * k) - hours(pick(0, 5));
      const auto unix = std::to_string(storage::unix_seconds(at));
      std::optional<int64_t> row;
      if (k % 3 == 2) {
        row = outbox.enqueue(
            {storage::OutboxRecipient::Kind::person, staff.platform_user_id, staff.id},
            Message{"*" + v.display_name + "* hasn't checked in for 2 weeks. Please reach out.",
                    commands::nudge_buttons(k),
                    {}},
            at, "overdue:" + std::to_string(v.id) + ":" + unix, {config::MessageKind::overdue, v.id, at});
      } else {
        row = outbox.enqueue({storage::OutboxRecipient::Kind::person, v.platform_user_id, v.id},
                             Message{"Hi " + v.display_name + ", how are you doing? Pick a number.",
                                     commands::score_buttons("checkin.score", "struggling", "great"),
                                     {}},
                             at, "prompt:" + std::to_string(v.id) + ":" + unix,
                             {config::MessageKind::prompt, v.id, at});
      }
      outbox.mark_sent(*row, at + seconds(pick(1, 30)));
    }
    outbox.enqueue({storage::OutboxRecipient::Kind::person, v.platform_user_id, v.id},
                   Message{"A reminder of your role's boundaries.", {}, {}},
                   kNow + kMargin + hours(pick(1, 20)), "boundaries:" + std::to_string(v.id) + ":later",
                   {config::MessageKind::boundaries_reminder, v.id, kNow});
    // A week of handled deliveries, kept to answer a redelivery, stored in the order they were
    // given (four seconds apart across the volunteers: 20,000 of them fill 155 hours).
    storage::Inbound inbound(db_);
    for (int k = 0; k < 7; ++k) {
      const auto tag = std::to_string(v.id) + "-" + std::to_string(k);
      inbound.record({"E" + tag, "T" + tag},
                     Message{"Thanks, " + v.display_name + ". Checked in at *4/5*.", {}, {}}, {v.id},
                     kNow - hours(160) + seconds((index * 7 + k) * 4));
    }
    // One in fifty is on a break that ends by date, their prompt held meanwhile.
    if (index % 50 == 13) {
      const auto until = kNow + kMargin + days(pick(2, 9));
      people.set_break(v.id, until, "a rest");
      job(JobKind::break_ends, until, storage::PersonJob{v.id}, "break-end:" + std::to_string(v.id));
      if (auto prompt = jobs.by_key("prompt:" + std::to_string(v.id))) jobs.hold(prompt->id);
    }
    return *people.by_id(v.id);
  }

  // Two volunteers of a team who look out for each other, with their turn-taking prompt.
  void buddies(const storage::Person& a, const storage::Person& b, int index) {
    storage::Buddies buddies(db_);
    const auto id = buddies.propose(a.id, b.id, a.id, {a.id}, kNow - days(120));
    buddies.accept(id, b.id, kNow - days(119));
    if (index % 3 == 0) buddies.set_shared(a.id, storage::Shared::breaks, true);
    storage::Jobs(db_).schedule({JobKind::buddy_prompt, kNow + kMargin + hours(index % 300),
                                 storage::BuddyJob{id, a.id}, "buddy:" + std::to_string(id) + ":prompt",
                                 b.id});
  }

  // One team: a staff member, their volunteers (pairs of them buddies) and all their history.
  void team(int t, int volunteers) {
    const auto s = staff(t);
    std::vector<storage::Person> vs;
    for (int k = 0; k < volunteers; ++k) vs.push_back(volunteer(t * kPerStaff + k, s, k));
    for (int k = 0; k + 1 < volunteers; k += 2) buddies(vs[k], vs[k + 1], t * kPerStaff + k);
  }

  commands::Services& services() { return services_; }

 private:
  storage::Database& db_;
  commands::Services services_;
};

void build(const std::filesystem::path& file, int volunteers, const commands::Registry& registry) {
  for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  storage::Database db({file});
  // Only while building: a big page cache makes the bulk inserts quicker. Measurements use a
  // fresh connection with Tend's own settings.
  db.sql().exec("PRAGMA cache_size = -262144");
  ManualClock clock(kNow);
  const int teams = (volunteers + kPerStaff - 1) / kPerStaff;
  {
    storage::Transaction tx(db);
    Builder builder(db, clock, registry);
    storage::People people(db);
    auto admin = people.create(kPlatform, "ada", "ada", kNow - days(900));
    people.set_kind(admin.id, storage::Kind::admin);
    people.set_profile(admin.id, "", "Europe/London");
    commands::schedule_housekeeping(builder.services());
    tx.commit();
  }
  const auto started = steady_clock::now();
  for (int t = 0; t < teams; ++t) {
    storage::Transaction tx(db);
    Builder(db, clock, registry).team(t, std::min(kPerStaff, volunteers - t * kPerStaff));
    tx.commit();
    if ((t + 1) % 40 == 0 || t + 1 == teams)
      std::cerr << "  " << file.filename().string() << ": team " << t + 1 << " of " << teams << " ("
                << duration_cast<seconds>(steady_clock::now() - started).count() << " s)\n";
  }
}

// Where delivered messages go: the platform's side is not what is measured here.
class Sink final : public platform::Delivery {
 public:
  boost::asio::awaitable<platform::SendResult> send(const platform::Recipient&, const Message&) override {
    co_return platform::SendResult{};
  }
  boost::asio::awaitable<std::optional<platform::UserProfile>> lookup_user(std::string) override {
    co_return std::nullopt;
  }
};

const std::string* g_measuring = nullptr;  // the item whose statements --slow names
sqlite3_int64 g_slow_ns = 1'000'000;

int print_slow_statement(unsigned, void*, void* statement, void* nanoseconds) {
  const auto ns = *static_cast<sqlite3_int64*>(nanoseconds);
  if (ns > g_slow_ns && g_measuring)
    std::cerr << "  slow (" << ns / 1000 << " µs) in " << *g_measuring << ": "
              << sqlite3_sql(static_cast<sqlite3_stmt*>(statement)) << "\n";
  return 0;
}

// One database with Tend's moving parts on it, as the runtime assembles them.
struct Env {
  Env(const std::filesystem::path& file, const commands::Registry& registry)
      : db({file}),
        clock(kNow),
        registry(registry),
        router(db, clock, registry, RouterOptions{kPlatform, {"ada"}, kFileSettings}),
        scheduler(io.get_executor(), db, clock, registry, kFileSettings),
        sender(io.get_executor(), db, clock, sink, delivery_policy(db, clock, registry, kFileSettings),
               OutboxOptions{milliseconds{0}, 8}) {
    storage::People people(db);
    for (int k = 0; k < kPerStaff; ++k)
      team.push_back(*people.by_platform_id(kPlatform, "V" + std::to_string(k)));
    staff = *people.by_platform_id(kPlatform, "S0");
  }

  storage::Database db;
  ManualClock clock;
  const commands::Registry& registry;
  Router router;
  boost::asio::io_context io;
  Scheduler scheduler;
  Sink sink;
  OutboxSender sender;
  std::vector<storage::Person> team;  // the measured team's volunteers, V0 … V24
  storage::Person staff;              // their supervisor, S0
  // For names and ids unique to a run, also in a database kept from an earlier one.
  int counter = static_cast<int>(std::random_device{}() % 1'000'000) * 1000;
  std::string scratch;  // what a run's set-up leaves for the measured part

  // The volunteers who are neither on a break nor silent (V7 went quiet, V13 is on a break).
  const storage::Person& volunteer(int run) {
    static const std::vector<int> ordinary = [] {
      std::vector<int> out;
      for (int k = 0; k < kPerStaff; ++k)
        if (k != 7 && k != 13) out.push_back(k);
      return out;
    }();
    return team[static_cast<std::size_t>(ordinary[static_cast<std::size_t>(run) % ordinary.size()])];
  }

  std::string say(const std::string& who, const std::string& line) {
    const auto space = line.find(' ');
    const auto name = line.substr(1, space == std::string::npos ? std::string::npos : space - 1);
    const auto text = space == std::string::npos ? std::string() : line.substr(space + 1);
    const auto n = std::to_string(++counter);
    std::vector<platform::Inbound> batch{
        platform::Command{{who, "", "D1", {"env-" + n, "trig-" + n}}, name, text}};
    return router.handle_together(batch).front().text;
  }
  std::string press(const std::string& who, const std::string& action, const std::string& value,
                    std::map<std::string, std::string> fields = {}) {
    const auto n = std::to_string(++counter);
    std::vector<platform::Inbound> batch{
        platform::Action{{who, "", "D1", {"env-" + n, "trig-" + n}}, action, value, std::move(fields)}};
    return router.handle_together(batch).front().text;
  }
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    auto result = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    while (result.wait_for(seconds{0}) != std::future_status::ready) {
      io.restart();
      io.run_one();
    }
    return result.get();
  }
  std::string run_due() { return "ran " + std::to_string(scheduler.run_due()); }

  // A job of `kind` about one of the team (the run's volunteer first), made due now. False when
  // none is left.
  bool due_now(JobKind kind, int run) {
    storage::Transaction tx(db);
    storage::Jobs jobs(db);
    for (int k = 0; k < kPerStaff; ++k) {
      const auto& v = volunteer(run + k);
      for (const auto& job : jobs.about(v.id))
        if (job.kind == kind) {
          jobs.release(job.id, clock.now());
          tx.commit();
          return true;
        }
    }
    return false;
  }

  // A volunteer of the team with nothing of their own yet (history = true: a year of it, like V0).
  storage::Person newcomer(bool history) {
    const int index = 900000 + ++counter;
    const auto user_id = "N" + std::to_string(index);
    storage::Transaction tx(db);
    Builder builder(db, clock, registry);
    storage::Person p;
    if (history) {
      p = builder.volunteer(index, staff, index % kPerStaff, user_id);
    } else {
      storage::People people(db);
      p = people.create(kPlatform, user_id, "new" + padded(index % 100000), clock.now());
      people.set_supervisor(p.id, staff.id);
      p = *people.by_id(p.id);
      commands::start_routines(builder.services(), p);
    }
    tx.commit();
    return p;
  }
  std::string mention(const storage::Person& p) {
    return "<@" + p.platform_user_id + "|" + p.display_name + ">";
  }
};

struct Item {
  std::string what;
  std::string expect;                     // the result should contain this, or the set-up is wrong
  std::function<void(Env&, int)> set_up;  // not measured
  std::function<std::string(Env&, int)> measured;
};

std::vector<Item> items() {
  std::vector<Item> out;
  auto command = [&](std::string what, std::string expect, std::function<std::string(Env&, int)> run,
                     std::function<void(Env&, int)> set_up = nullptr) {
    out.push_back({std::move(what), std::move(expect), std::move(set_up), std::move(run)});
  };
  auto vol = [](Env& e, int r) { return e.volunteer(r).platform_user_id; };

  // /checkin
  command("/checkin 4 <note>", "Checked in at",
          [=](Env& e, int r) { return e.say(vol(e, r), "/checkin 4 tired but okay after a long week"); });
  command("/checkin 2 <note> (tells the supervisor)", "I've told",
          [=](Env& e, int r) { return e.say(vol(e, r), "/checkin 2 rough night, could use a chat"); });
  command("/checkin (asks with buttons)", "How are you doing",
          [=](Env& e, int r) { return e.say(vol(e, r), "/checkin"); });
  command("/checkin history", "Your last check-ins",
          [=](Env& e, int r) { return e.say(vol(e, r), "/checkin history"); });
  command("/checkin team (staff, 25 volunteers)", "Your volunteers",
          [](Env& e, int) { return e.say("S0", "/checkin team"); });
  command("/checkin team (admin without a team: everyone)", "All volunteers",
          [](Env& e, int) { return e.say("ada", "/checkin team"); });
  // /story
  command("/story yesterday 15:00 <what>", "Logged story", [=](Env& e, int r) {
    return e.say(vol(e, r), "/story yesterday 15:00 talk at the funders' lunch");
  });
  command("/story @volunteer next fri 14:00 <what> (staff)", "Logged story", [](Env& e, int r) {
    return e.say("S0", "/story " + e.mention(e.volunteer(r)) + " next fri 14:00 conference talk");
  });
  command("/story list", "Stories of", [=](Env& e, int r) { return e.say(vol(e, r), "/story list"); });
  command(
      "/story cancel <id>", "Cancelled story",
      [=](Env& e, int r) { return e.say(vol(e, r), "/story cancel " + e.scratch); },
      [](Env& e, int r) {
        for (const auto& s : storage::Stories(e.db).of_volunteer(e.volunteer(r).id, 20))
          if (s.at > e.clock.now() + kMargin) e.scratch = std::to_string(s.id);
      });
  // /break
  command(
      "/break until <date> <note>", "Your break has started",
      [=](Env& e, int r) { return e.say(vol(e, r), "/break until next mon family time"); },
      [=](Env& e, int r) {
        if (storage::People(e.db).by_id(e.volunteer(r).id)->on_break(e.clock.now()))
          e.say(vol(e, r), "/break end");
      });
  command(
      "/break end", "Welcome back", [=](Env& e, int r) { return e.say(vol(e, r), "/break end"); },
      [=](Env& e, int r) {
        if (!storage::People(e.db).by_id(e.volunteer(r).id)->on_break(e.clock.now()))
          e.say(vol(e, r), "/break until next mon family time");
      });
  // /supervision
  auto open_slot = [](Env& e) {
    storage::Transaction tx(e.db);
    const auto id = storage::Supervision(e.db).offer(e.staff.id, e.clock.now() + days(500 + ++e.counter), 45,
                                                     e.clock.now());
    tx.commit();
    return std::to_string(id);
  };
  auto booked = [=](Env& e, int r) {
    const auto slot = open_slot(e);
    e.say(vol(e, r), "/supervision book " + slot);
    for (const auto& b : storage::Supervision(e.db).upcoming_for_volunteer(e.volunteer(r).id, e.clock.now()))
      if (std::to_string(b.slot_id) == slot) e.scratch = std::to_string(b.id);
  };
  command("/supervision (volunteer)", "Your supervision",
          [=](Env& e, int r) { return e.say(vol(e, r), "/supervision"); });
  command("/supervision (staff)", "Your upcoming supervision",
          [](Env& e, int) { return e.say("S0", "/supervision"); });
  command("/supervision offer <date> <time> 45", "Offered 1 slot", [](Env& e, int) {
    return e.say("S0", "/supervision offer in " + std::to_string(400 + ++e.counter % 300) + " days 07:00 45");
  });
  command(
      "/supervision book <slot>",
      "Booked:", [=](Env& e, int r) { return e.say(vol(e, r), "/supervision book " + e.scratch); },
      [=](Env& e, int) { e.scratch = open_slot(e); });
  command(
      "/supervision cancel <booking>", "Cancelled booking",
      [=](Env& e, int r) { return e.say(vol(e, r), "/supervision cancel " + e.scratch); }, booked);
  command(
      "/supervision done <booking> <note> (staff)", "Recorded supervision",
      [](Env& e, int) { return e.say("S0", "/supervision done " + e.scratch + " talked about boundaries"); },
      booked);
  // /boundaries
  command("/boundaries", "Boundaries of", [=](Env& e, int r) { return e.say(vol(e, r), "/boundaries"); });
  command("/boundaries <role>", "Boundaries of",
          [=](Env& e, int r) { return e.say(vol(e, r), "/boundaries peer supporter"); });
  // /buddy, with newcomers where a pairing must not exist yet
  struct Pair {
    storage::Person a, b;
  };
  auto pair = std::make_shared<Pair>();
  auto newcomers = [pair](Env& e, int) {
    pair->a = e.newcomer(false);
    pair->b = e.newcomer(false);
  };
  auto proposed = [pair, newcomers](Env& e, int r) {
    newcomers(e, r);
    e.say(pair->a.platform_user_id, "/buddy " + e.mention(pair->b));
    e.scratch = std::to_string(storage::Buddies(e.db).live_of(pair->b.id).front().id);
  };
  auto paired = [pair, proposed](Env& e, int r) {
    proposed(e, r);
    e.press(pair->b.platform_user_id, "buddy.accept", e.scratch);
  };
  command("/buddy (shows the pairing)", "Your buddy",
          [=](Env& e, int r) { return e.say(vol(e, r), "/buddy"); });
  command(
      "/buddy @volunteer (asks)", "I've asked",
      [pair](Env& e, int) { return e.say(pair->a.platform_user_id, "/buddy " + e.mention(pair->b)); },
      newcomers);
  command(
      "button buddy.accept", "buddies now",
      [pair](Env& e, int) { return e.press(pair->b.platform_user_id, "buddy.accept", e.scratch); }, proposed);
  command("/buddy share breaks on|off", "take a break", [=](Env& e, int r) {
    return e.say(vol(e, r), std::string("/buddy share breaks ") + (r % 2 ? "on" : "off"));
  });
  command(
      "/buddy end", "has ended",
      [pair](Env& e, int) { return e.say(pair->a.platform_user_id, "/buddy end"); }, paired);
  // /debrief
  command("/debrief 2 <note> (tells the supervisor)", "Debrief saved", [=](Env& e, int r) {
    return e.say(vol(e, r), "/debrief 2 a tough group, it brought things back");
  });
  command("/debrief 4", "Debrief saved", [=](Env& e, int r) { return e.say(vol(e, r), "/debrief 4"); });
  command("/debrief (asks with a form)", "", [=](Env& e, int r) { return e.say(vol(e, r), "/debrief"); });
  command("/debrief history", "Your last debriefs",
          [=](Env& e, int r) { return e.say(vol(e, r), "/debrief history"); });
  command(
      "button debrief.stirred", "Thank you",
      [=](Env& e, int r) { return e.press(vol(e, r), "debrief.stirred", e.scratch + ":no"); },
      [=](Env& e, int r) {
        e.say(vol(e, r), "/debrief 4");
        e.scratch = std::to_string(storage::Debriefs(e.db).latest(e.volunteer(r).id, 1).front().id);
      });
  // /tend
  command("/tend help", "Here is what you can do",
          [=](Env& e, int r) { return e.say(vol(e, r), "/tend help"); });
  command("/tend me (staff)", "staff", [](Env& e, int) { return e.say("S0", "/tend me"); });
  command("/tend timezone", "Your time zone is",
          [=](Env& e, int r) { return e.say(vol(e, r), "/tend timezone"); });
  command("/tend timezone <zone>", "time zone is now", [=](Env& e, int r) {
    return e.say(vol(e, r), std::string("/tend timezone ") + (r % 2 ? "Europe/Paris" : "Europe/London"));
  });
  command("/tend mydata", "I've sent you everything",
          [=](Env& e, int r) { return e.say(vol(e, r), "/tend mydata"); });
  command("/tend forget (asks first)", "Are you sure",
          [=](Env& e, int r) { return e.say(vol(e, r), "/tend forget"); });
  auto leaving = std::make_shared<storage::Person>();
  command(
      "button tend.forget (a volunteer with a year of history)", "has been deleted",
      [leaving](Env& e, int) {
        return e.press(leaving->platform_user_id, "tend.forget", std::to_string(leaving->id));
      },
      [leaving](Env& e, int) {
        *leaving = e.newcomer(true);
        const auto buddy = e.newcomer(false);
        e.say(leaving->platform_user_id, "/buddy " + e.mention(buddy));
        e.press(buddy.platform_user_id, "buddy.accept",
                std::to_string(storage::Buddies(e.db).live_of(buddy.id).front().id));
      });
  command("/tend admin", "Admin commands", [](Env& e, int) { return e.say("ada", "/tend admin"); });
  auto fresh = std::make_shared<storage::Person>();
  command(
      "/tend admin person @x staff", "is now staff",
      [fresh](Env& e, int) { return e.say("ada", "/tend admin person " + e.mention(*fresh) + " staff"); },
      [fresh](Env& e, int) { *fresh = e.newcomer(false); });
  command("/tend admin supervisor @volunteer @staff", "now supervises", [](Env& e, int r) {
    return e.say("ada", "/tend admin supervisor " + e.mention(e.volunteer(r)) + " " + e.mention(e.staff));
  });
  command("/tend admin timezone @x <zone>", "time zone is now", [](Env& e, int r) {
    return e.say("ada", "/tend admin timezone " + e.mention(e.volunteer(r)) +
                            (r % 2 ? " Europe/Paris" : " Europe/London"));
  });
  command(
      "/tend admin buddy @a @b", "I've asked",
      [pair](Env& e, int) {
        return e.say("ada", "/tend admin buddy " + e.mention(pair->a) + " " + e.mention(pair->b));
      },
      newcomers);
  command("/tend admin set <key> <value>", "is now",
          [](Env& e, int) { return e.say("ada", "/tend admin set checkin.escalate_at 2"); });
  command("/tend admin set @x <key> <value>", "is now", [](Env& e, int r) {
    return e.say("ada", "/tend admin set " + e.mention(e.volunteer(r)) + " checkin.time 09:30");
  });
  command("/tend admin get", "Settings", [](Env& e, int) { return e.say("ada", "/tend admin get"); });
  command("/tend admin audit", "Audit log", [](Env& e, int) { return e.say("ada", "/tend admin audit"); });
  command("/tend admin role", "Roles:", [](Env& e, int) { return e.say("ada", "/tend admin role"); });
  command("/tend admin role add <name>", "Added the role", [](Env& e, int) {
    return e.say("ada", "/tend admin role add mentor " + std::to_string(++e.counter));
  });
  command("/tend admin role boundaries <role> <text>", "Updated the boundaries", [](Env& e, int) {
    return e.say(
        "ada", "/tend admin role boundaries peer supporter You offer support as someone who has been there.");
  });
  command("/tend admin role assign @volunteer <role>", "now has the role", [](Env& e, int r) {
    return e.say("ada", "/tend admin role assign " + e.mention(e.volunteer(r)) + " peer supporter");
  });
  // Buttons
  command("button checkin.score", "Checked in at",
          [=](Env& e, int r) { return e.press(vol(e, r), "checkin.score", "4"); });
  command("button checkin.form (the modal)", "Checked in at", [=](Env& e, int r) {
    return e.press(vol(e, r), "checkin.form", "", {{"score", "3"}, {"note", "okay, a bit tired"}});
  });
  auto open_nudge = [](Env& e, int r) {
    auto& s = e.db.sql();
    for (int k = 0; k < kPerStaff; ++k) {
      SQLite::Statement q(
          s, "SELECT id FROM nudges WHERE volunteer_id = ? AND status = 'open' ORDER BY id LIMIT 1");
      q.bind(1, e.volunteer(r + k).id);
      if (q.executeStep()) {
        e.scratch = std::to_string(q.getColumn(0).getInt64());
        return;
      }
    }
  };
  command(
      "button nudge.done", "Thank you for checking in",
      [](Env& e, int) { return e.press("S0", "nudge.done", e.scratch); }, open_nudge);
  command(
      "button nudge.snooze", "remind you",
      [](Env& e, int) { return e.press("S0", "nudge.snooze", e.scratch); }, open_nudge);
  command(
      "button nudge.hand_over", "Who should reach out",
      [](Env& e, int) { return e.press("S0", "nudge.hand_over", e.scratch); }, open_nudge);
  command(
      "button nudge.hand_over_to", "Handed over",
      [](Env& e, int) {
        return e.press(
            "S0", "nudge.hand_over_to",
            e.scratch + ":" + std::to_string(storage::People(e.db).by_platform_id(kPlatform, "ada")->id));
      },
      open_nudge);
  command(
      "button supervision.book",
      "Booked:", [=](Env& e, int r) { return e.press(vol(e, r), "supervision.book", e.scratch); },
      [=](Env& e, int) { e.scratch = open_slot(e); });
  command("App Home (volunteer)", "Hello", [=](Env& e, int r) {
    return e.router.handle_home(platform::Origin{vol(e, r), "", "", {}}).text;
  });

  // Routine jobs, each run by the scheduler as it runs them: made due now, then one pass.
  auto job = [&](std::string what, JobKind kind, std::function<void(Env&, int)> extra = nullptr) {
    command(
        std::move(what), "ran 1", [](Env& e, int) { return e.run_due(); },
        [kind, extra](Env& e, int r) {
          e.scheduler.run_due();  // whatever the commands before left due
          if (extra)
            extra(e, r);
          else if (!e.due_now(kind, r))
            std::cerr << "  (no " << storage::to_string(kind) << " job left for the team)\n";
        });
  };
  job("job checkin.prompt", JobKind::checkin_prompt);
  job("job checkin.overdue (checked in lately)", JobKind::checkin_overdue);
  job("job checkin.overdue (silent 3 weeks: nudges)", JobKind::checkin_overdue, [](Env& e, int) {
    storage::Transaction tx(e.db);
    storage::Jobs jobs(e.db);
    jobs.release(jobs.by_key("overdue:" + std::to_string(e.team[7].id))->id, e.clock.now());
    tx.commit();
  });
  job("job story.followup", JobKind::story_followup);
  job("job story.volunteer", JobKind::story_volunteer);
  job("job story.prepare", JobKind::story_prepare, [](Env& e, int r) {
    storage::Transaction tx(e.db);
    const auto& v = e.volunteer(r);
    const auto id =
        storage::Stories(e.db).add(v.id, v.id, e.clock.now() + days(5), "conference talk", e.clock.now());
    storage::Jobs(e.db).schedule({JobKind::story_prepare, e.clock.now(), storage::StoryJob{id, seconds{0}},
                                  "story:" + std::to_string(id) + ":prepare", v.id});
    tx.commit();
  });
  job("job story.reminder", JobKind::story_reminder);
  job("job nudge.repeat", JobKind::nudge_repeat);
  job("job nudge.escalate", JobKind::nudge_escalate);
  job("job supervision.reminder", JobKind::supervision_reminder);
  job("job supervision.gap", JobKind::supervision_gap);
  job("job boundaries.reminder", JobKind::boundaries_reminder);
  job("job break.ends (gives back what was held)", JobKind::break_ends, [](Env& e, int r) {
    storage::Transaction tx(e.db);
    const auto& v = e.volunteer(r);
    storage::People(e.db).set_break(v.id, e.clock.now(), "a rest");
    storage::Jobs jobs(e.db);
    for (const auto& j : jobs.about(v.id))
      if (j.kind == JobKind::checkin_prompt || j.kind == JobKind::boundaries_reminder) jobs.hold(j.id);
    jobs.reschedule({JobKind::break_ends, e.clock.now(), storage::PersonJob{v.id},
                     "break-end:" + std::to_string(v.id), v.id});
    tx.commit();
  });
  job("job buddy.prompt", JobKind::buddy_prompt);
  job("job debrief.followup", JobKind::debrief_followup);
  job("job privacy.retention (daily: 200 notes, 100 deliveries due)", JobKind::privacy_retention,
      [](Env& e, int) {
        // What crossed the retention cutoff since yesterday's pass, the same in both databases: notes
        // of the team's own older check-ins, debriefs and supervisions, and handled deliveries a week old.
        storage::Transaction tx(e.db);
        auto& s = e.db.sql();
        const auto cutoff = std::to_string(storage::unix_seconds(e.clock.now() - kRetention));
        const auto team = std::to_string(e.team.front().id) + " AND " + std::to_string(e.team.back().id);
        s.exec(
            "UPDATE checkins SET note = 'an old note' WHERE id IN (SELECT id FROM checkins WHERE person_id "
            "BETWEEN " +
            team + " AND at < " + cutoff + " ORDER BY id LIMIT 200)");
        s.exec(
            "UPDATE debriefs SET note = 'an old note' WHERE id IN (SELECT id FROM debriefs WHERE person_id "
            "BETWEEN " +
            team + " AND at < " + cutoff + " ORDER BY id LIMIT 20)");
        s.exec(
            "UPDATE supervision_bookings SET note = 'an old note' WHERE id IN (SELECT id FROM "
            "supervision_bookings "
            "WHERE volunteer_id BETWEEN " +
            team + " AND done_at < " + cutoff + " ORDER BY id LIMIT 10)");
        // Deliveries are stored in the order they were given, so those a week old are the table's
        // first rows: these go in before the oldest there.
        const auto first = s.execAndGet("SELECT coalesce(min(id), 1) FROM inbound").getInt64();
        const auto old_at = std::to_string(storage::unix_seconds(e.clock.now() - days(8)));
        for (int k = 0; k < 100; ++k) {
          const auto tag = std::to_string(++e.counter), id = std::to_string(first - 100 + k);
          const auto person = std::to_string(k + 1);
          s.exec("INSERT INTO inbound (id, reply, at, delivery_ids, people) VALUES (" + id +
                 ", '{\"text\":\"Thanks.\"}', " + old_at + ", '[\"old-E" + tag + "\",\"old-T" + tag +
                 "\"]', '[" + person + "]')");
          s.exec("INSERT INTO inbound_ids (delivery_id, reply_id) VALUES ('old-E" + tag + "', " + id +
                 "), ('old-T" + tag + "', " + id + ")");
          s.exec("INSERT INTO inbound_people (person_id, reply_id) VALUES (" + person + ", " + id + ")");
        }
        storage::Jobs jobs(e.db);
        jobs.move(jobs.by_key("housekeeping:daily")->id, e.clock.now());
        tx.commit();
      });
  command(
      "scheduler: a wake with nothing due", "ran 0", [](Env& e, int) { return e.run_due(); },
      [](Env& e, int) { e.scheduler.run_due(); });
  command("scheduler: the earliest due job", "",
          [](Env& e, int) { return std::to_string(storage::Jobs(e.db).earliest().has_value()); });
  command(
      "outbox sender: one due message sent", "1",
      [](Env& e, int) {
        e.run(e.sender.deliver_due());
        return std::to_string(e.sender.delivered() - std::stoll(e.scratch));
      },
      [](Env& e, int r) {
        e.run(e.sender.deliver_due());  // whatever the commands before queued
        storage::Transaction tx(e.db);
        const auto& v = e.volunteer(r);
        storage::Outbox(e.db).enqueue({storage::OutboxRecipient::Kind::person, v.platform_user_id, v.id},
                                      Message{"Hi, how are you doing?", {}, {}}, e.clock.now(),
                                      "bench:" + std::to_string(++e.counter),
                                      {config::MessageKind::prompt, v.id, e.clock.now()});
        tx.commit();
        e.scratch = std::to_string(e.sender.delivered());
      });
  command("outbox sender: the earliest pending message", "",
          [](Env& e, int) { return std::to_string(storage::Outbox(e.db).earliest_pending().has_value()); });
  command("/metrics: pending jobs and outbox gauges", "", [](Env& e, int) {
    return std::to_string(storage::Jobs(e.db).count() + storage::Outbox(e.db).count_pending());
  });
  return out;
}

int64_t count(storage::Database& db, const std::string& table) {
  return db.sql().execAndGet("SELECT count(*) FROM " + table).getInt64();
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::err);
  int volunteers = 20000, runs = 21;
  std::optional<std::filesystem::path> keep;
  bool slow = false;
  std::string only;  // measure only the items whose name contains this
  std::vector<std::string> numbers;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--keep=", 0) == 0)
      keep = arg.substr(7);
    else if (arg.rfind("--only=", 0) == 0)
      only = arg.substr(7);
    else if (arg == "--slow" || arg.rfind("--slow=", 0) == 0) {
      slow = true;
      if (arg.size() > 7) g_slow_ns = std::stoll(arg.substr(7)) * 1000;
    } else
      numbers.push_back(arg);
  }
  if (numbers.size() > 0) volunteers = std::stoi(numbers[0]);
  if (numbers.size() > 1) runs = std::stoi(numbers[1]);
  const auto dir =
      keep.value_or(std::filesystem::temp_directory_path() / ("tend-scale-" + std::to_string(getpid())));
  std::filesystem::create_directories(dir);
  const auto small_file = dir / "small.db", big_file = dir / ("big-" + std::to_string(volunteers) + ".db");

  commands::Registry registry;
  commands::add_all(registry);
  const auto t0 = steady_clock::now();
  if (!keep || !std::filesystem::exists(small_file)) {
    std::cerr << "building the small database (the measured team alone)\n";
    build(small_file, kPerStaff, registry);
  }
  if (!keep || !std::filesystem::exists(big_file)) {
    std::cerr << "building the big database (" << volunteers << " volunteers)\n";
    build(big_file, volunteers, registry);
  }
  const double build_s = duration<double>(steady_clock::now() - t0).count();

  Env small(small_file, registry), big(big_file, registry);
  if (slow) sqlite3_trace_v2(big.db.sql().getHandle(), SQLITE_TRACE_PROFILE, print_slow_statement, nullptr);
  const auto sizes = "volunteers " + with_commas(count(big.db, "people WHERE kind = 'volunteer'")) +
                     ", pending jobs " + with_commas(count(big.db, "jobs")) + ", check-ins " +
                     with_commas(count(big.db, "checkins")) + ", outbox rows " +
                     with_commas(count(big.db, "outbox")) + ", audit rows " +
                     with_commas(count(big.db, "audit")) + ", file " +
                     with_commas(static_cast<int64_t>(std::filesystem::file_size(big_file) >> 20)) + " MiB";
  std::cerr << "big: " << sizes << " (built in " << static_cast<int>(build_s) << " s)\n";

  constexpr int kWarmUp = 2;
  struct Row {
    std::string what;
    double small_us, big_us;
  };
  std::vector<Row> rows;
  for (auto& item : items()) {
    if (item.what.find(only) == std::string::npos) continue;
    std::cerr << "measuring " << item.what << "\n";
    g_measuring = &item.what;
    std::vector<double> cost[2];
    bool warned = false;
    for (int r = 0; r < kWarmUp + runs; ++r) {
      int side = 0;
      for (Env* e : {&small, &big}) {
        e->clock.advance(seconds(1));
        if (item.set_up) item.set_up(*e, r);
        const auto before = thread_cpu_us();
        const auto result = item.measured(*e, r);
        const auto spent = thread_cpu_us() - before;
        if (r >= kWarmUp) cost[side].push_back(spent);
        if (!item.expect.empty() && result.find(item.expect) == std::string::npos && !warned) {
          std::cerr << "  unexpected result (" << (side ? "big" : "small") << "): " << result.substr(0, 300)
                    << "\n";
          warned = true;
        }
        ++side;
      }
    }
    rows.push_back({item.what, median(cost[0]), median(cost[1])});
  }
  g_measuring = nullptr;

  std::printf("Cost as the data grows (bench_scale %d %d)\n", volunteers, runs);
  std::printf("big:   %s\nsmall: the measured team alone (1 staff member, 25 volunteers, an admin)\n",
              sizes.c_str());
  std::printf("median thread CPU time of %d runs of each, the same person with the same history in both\n\n",
              runs);
  std::printf("%-60s %10s %10s %7s\n", "command, button or routine job", "small µs", "big µs", "ratio");
  int within = 0;
  for (const auto& row : rows) {
    const double ratio = row.small_us > 0 ? row.big_us / row.small_us : 0;
    const bool ok = ratio <= 2.0;
    within += ok;
    std::printf("%-60s %10.1f %10.1f %7.2f%s\n", row.what.c_str(), row.small_us, row.big_us, ratio,
                ok ? "" : "  > 2×");
  }
  std::printf("\n%d of %zu within 2× (target: all)\n", within, rows.size());
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
