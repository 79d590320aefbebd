// A year of Tend, seeded, judged by an oracle of its own (issue 9, "Tests and figures").
//
// Eight people in six zones (a half-hour offset, two southern-hemisphere ones, both DST changes of
// each) live a year: volunteers share their stories (past and future), take breaks (open-ended,
// dated, ended early and by date), change supervisors, answer prompts, write private notes, pair
// up as buddies (each sharing their breaks or calls for support, or not), debrief after sessions;
// staff press Done, Snooze and Hand over; the process restarts on the same SQLite file. Everything goes
// through the real router, registry, scheduler and outbox sender, with a ManualClock moved event
// by event; what the sender delivers is recorded.
//
// The oracle never asks Tend: from the scenario alone, with date/tz directly, it works out which
// story follow-ups must arrive, to whom and at which minute (the next allowed minute in the
// recipient's zone, held through breaks as DESIGN.md says), which debriefs reach the supervisor and
// come back as follow-ups, what each buddy must hear and must never see (a score or a note), and
// counts what went wrong. Messages
// are recognised by stable things only (recipient, story tag, volunteer's name, buttons), never by
// whole sentences, so wording may change.
#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "bot/outbox_sender.hpp"
#include "bot/router.hpp"
#include "bot/scheduler.hpp"
#include "commands/families.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"
#include "storage/stories.hpp"

namespace {

using namespace std::chrono;
using tend::Instant;

// ---------------------------------------------------------------------------------------------
// The oracle's own clock arithmetic: date/tz directly, nothing of Tend's.

const date::time_zone* find_zone(const std::string& name) {
  return date::locate_zone(name);
}

date::local_seconds local_of(Instant t, const date::time_zone* z) {
  return date::zoned_seconds(z, t).get_local_time();
}

// A local time that does not exist (spring forward) is the first instant after the gap.
Instant instant_of(date::local_seconds l, const date::time_zone* z) {
  return date::zoned_seconds(z, l, date::choose::earliest).get_sys_time();
}

// When someone may be sent something: [open, close) local on the listed weekdays (Sun = 0).
struct Hours {
  minutes open{8h};
  minutes close{20h};
  std::array<bool, 7> days{false, true, true, true, true, true, false};
};

bool allowed(Instant t, const date::time_zone* z, const Hours& h) {
  const auto l = local_of(t, z);
  const auto day = floor<date::days>(l);
  const auto tod = l - day;
  return h.days[date::weekday{day}.c_encoding()] && tod >= h.open && tod < h.close;
}

// The first minute at or after t on which the recipient may be sent something.
Instant next_window(Instant t, const date::time_zone* z, const Hours& h) {
  t = ceil<minutes>(t);
  for (int i = 0; i < 16; ++i) {
    const auto l = local_of(t, z);
    const auto day = floor<date::days>(l);
    const auto tod = l - day;
    if (!h.days[date::weekday{day}.c_encoding()] || tod >= h.close)
      t = instant_of(day + date::days{1} + h.open, z);
    else if (tod < h.open)
      t = instant_of(day + h.open, z);
    else
      return t;
  }
  throw std::logic_error("no allowed minute within two weeks");
}

// `days` calendar days later at the same local time ("the next day" is the next day, DST or not).
Instant days_later(Instant t, int days, const date::time_zone* z) {
  return instant_of(local_of(t, z) + date::days{days}, z);
}

std::string typed(Instant t, const date::time_zone* z) {
  return date::format("%F %R", floor<minutes>(local_of(t, z)));
}

std::string shown(Instant t, const date::time_zone* z) {
  return date::format("%a %F %R UTC", t) + " (" + date::format("%a %R", local_of(t, z)) + " local)";
}

// ---------------------------------------------------------------------------------------------
// The scenario.

struct PersonSpec {
  std::string id;    // platform id, what people type after @
  std::string name;  // display name, how messages name them
  std::string zone;
  Hours hours;
  bool staff = false;
  const date::time_zone* tz() const { return zone_cache ? zone_cache : (zone_cache = find_zone(zone)); }
  mutable const date::time_zone* zone_cache = nullptr;
};

struct BreakSpec {
  std::string volunteer;
  Instant start;
  Instant end;  // when it really ended: its date, or the `/break end`
  enum How { open_ended, by_date, ended_early } how;
};

struct StorySpec {
  std::string volunteer;
  std::string tag;  // unique in the year, part of the story's text
  Instant at;
  Instant logged;
  bool future = false;
};

struct PrivateNote {
  std::string volunteer;
  std::string token;
};

// Two volunteers who pair up: `a` asks, `b` says yes when the request reaches them; each then
// shares their breaks and calls for support with the other, or not.
struct PairSpec {
  std::string a, b;
  Instant asked;
  Instant sharing_from;                                 // when the members typed their /buddy share
  std::map<std::string, std::pair<bool, bool>> shares;  // member -> (breaks, support)
  std::string other(const std::string& v) const { return v == a ? b : a; }
  bool has(const std::string& v) const { return v == a || v == b; }
};

// A debrief typed, then its two questions answered with the buttons of the reply.
struct DebriefSpec {
  std::string volunteer;
  Instant at;
  int score = 3;
  std::string stirred;  // yes, a little, no
  bool talk = false;
  std::string token;  // the note
  bool needs_supervisor() const { return score <= 2 || stirred == "yes" || talk; }
};

struct SupervisorSpan {
  Instant from;
  std::string staff;
};

// Something that happens at a moment: a line typed, a button pressed, a restart.
struct Event {
  enum Kind { say, press, hand_over, restart, debrief } kind = say;
  Instant at;
  std::string who;
  std::string text;  // the command line, or the button's action id
  std::string value;
  // What the store must show afterwards, so that a generator mistake cannot pass for a pass.
  enum Expect { nothing, on_break, off_break, story_added, supervisor_is, reply_says } expect = nothing;
  std::string expect_arg;
};

const Instant kStart = date::sys_days{date::year{2026} / 1 / 5} + 9h;  // a Monday
const Instant kEnd = kStart + date::days{365};
const Instant kLastEvent = kEnd - date::days{30};
constexpr seconds kEarly{60};
constexpr seconds kLate{10min};

struct Scenario {
  std::map<std::string, PersonSpec> people;
  std::vector<std::string> volunteers, staff;
  std::vector<Event> events;
  std::vector<BreakSpec> breaks;
  std::vector<StorySpec> stories;
  std::vector<PrivateNote> notes;
  std::vector<PairSpec> pairs;
  std::vector<DebriefSpec> debriefs;
  // Every note typed, in a check-in or a debrief, private or not: what no buddy may ever see.
  std::vector<std::string> note_tokens;
  struct SupportCall {
    std::string volunteer;
    Instant at;
  };
  std::vector<SupportCall> support_calls;
  // Check-ins that tell the supervisor at once (a low score or "support"): the volunteer asked,
  // so a break that starts before the alert reaches them does not hold it.
  struct Alert {
    std::string volunteer;
    Instant at;
  };
  std::vector<Alert> alerts;
  std::map<std::string, std::vector<SupervisorSpan>> supervisors;
  int restarts = 0;
  std::vector<std::pair<Instant, Instant>> downtimes;  // [stopped, started again)

  // When something meant for `to` at `t` reaches them: their next allowed minute, or, when Tend
  // was down then, their next allowed minute once it is back.
  Instant arrival(Instant t, const PersonSpec& to) const {
    auto w = next_window(t, to.tz(), to.hours);
    for (const auto& [down, up] : downtimes)
      if (w >= down && w < up) w = next_window(up, to.tz(), to.hours);
    return w;
  }

  const PersonSpec& person(const std::string& id) const { return people.at(id); }

  std::string supervisor_at(const std::string& v, Instant t) const {
    std::string who;
    for (const auto& span : supervisors.at(v))
      if (span.from <= t) who = span.staff;
    return who;
  }
  // Everyone who supervised v at some moment of [from, to].
  std::set<std::string> supervisors_during(const std::string& v, Instant from, Instant to) const {
    std::set<std::string> out{supervisor_at(v, from)};
    for (const auto& span : supervisors.at(v))
      if (span.from > from && span.from <= to) out.insert(span.staff);
    return out;
  }
  const BreakSpec* break_at(const std::string& v, Instant t) const {
    for (const auto& b : breaks)
      if (b.volunteer == v && b.start <= t && t < b.end) return &b;
    return nullptr;
  }
  // Whether a break of `v` overlaps [from, to].
  bool break_during(const std::string& v, Instant from, Instant to) const {
    for (const auto& b : breaks)
      if (b.volunteer == v && b.start <= to && b.end >= from) return true;
    return false;
  }
  const PairSpec* pair_of(const std::string& v) const {
    for (const auto& p : pairs)
      if (p.has(v)) return &p;
    return nullptr;
  }
};

Scenario generate(int seed) {
  std::mt19937_64 rng(static_cast<uint64_t>(seed) * 7919 + 17);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  auto instant_between = [&](Instant a, Instant b) {
    return Instant{minutes{uniform(duration_cast<minutes>(a.time_since_epoch()).count(),
                                   duration_cast<minutes>(b.time_since_epoch()).count())}};
  };

  Scenario s;
  Hours kim_hours;
  kim_hours.open = 7h;
  kim_hours.close = 21h;
  kim_hours.days = {true, true, true, true, true, true, true};
  const std::vector<PersonSpec> everyone = {
      {"ada", "Ada", "Europe/London", {}, true},  // the admin: escalations come to her
      {"sam", "Sam", "Europe/London", {}, true},
      {"kim", "Kim", "Australia/Sydney", kim_hours, true},
      {"raj", "Raj", "Asia/Kolkata", {}, true},
      {"bodhi", "Bodhi", "America/Santiago", {}, false},
      {"lucia", "Lucia", "Australia/Adelaide", {}, false},
      {"evander", "Evander", "Europe/London", {}, false},
      {"tomasz", "Tomasz", "America/New_York", {}, false},
      {"priya", "Priya", "Asia/Kolkata", {}, false},
  };
  for (const auto& p : everyone) {
    s.people[p.id] = p;
    if (!p.staff) s.volunteers.push_back(p.id);
    if (p.staff && p.id != "ada") s.staff.push_back(p.id);
  }
  int seq = 0;
  auto add = [&](Event e) {
    s.events.push_back(std::move(e));
    ++seq;
  };
  auto say = [&](Instant at, const std::string& who, const std::string& line,
                 Event::Expect expect = Event::nothing, const std::string& arg = {}) {
    add({Event::say, at, who, line, {}, expect, arg});
  };

  // Day one: everyone says hello (their profile gives name and zone), ada sets up the team.
  Instant t = kStart;
  for (const auto& p : everyone) say(t, p.id, "/tend help");
  t += 1min;
  for (const auto& id : s.staff) say(t, "ada", "/tend admin person @" + id + " staff");
  say(t, "ada", "/tend admin set @kim nudge.quiet_hours 21:00-07:00");
  say(t, "ada", "/tend admin set @kim nudge.working_days mon-sun");
  const std::map<std::string, std::string> first_supervisor = {
      {"bodhi", "kim"}, {"lucia", "kim"}, {"evander", "sam"}, {"tomasz", "sam"}, {"priya", "raj"}};
  for (const auto& [v, staff] : first_supervisor) {
    add({Event::say, t, "ada", "/tend admin supervisor @" + v + " @" + staff, v, Event::supervisor_is,
         staff});
    s.supervisors[v].push_back({t, staff});
  }

  // Two pairs of buddies, the fifth volunteer without one. The one asked says yes when the request
  // reaches them (see react); a week later each member shares their breaks, calls for support,
  // both or neither.
  {
    auto order = s.volunteers;
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t i = 0; i + 1 < order.size() && s.pairs.size() < 2; i += 2) {
      PairSpec pair{order[i], order[i + 1], t + 1min, kStart + date::days{7}, {}};
      say(pair.asked, pair.a, "/buddy @" + pair.b);
      for (const auto& member : {pair.a, pair.b}) {
        const bool breaks = chance(0.5), support = chance(0.5);
        pair.shares[member] = {breaks, support};
        if (breaks)
          say(pair.sharing_from, member, "/buddy share breaks on", Event::reply_says, "From now on");
        if (support)
          say(pair.sharing_from, member, "/buddy share support on", Event::reply_says, "From now on");
      }
      s.pairs.push_back(pair);
    }
  }

  // Supervisor changes, one or two a year each.
  for (const auto& v : s.volunteers) {
    const int changes = static_cast<int>(uniform(1, 2));
    std::vector<Instant> at;
    for (int i = 0; i < changes; ++i) at.push_back(instant_between(kStart + date::days{20}, kLastEvent));
    std::sort(at.begin(), at.end());
    for (auto when : at) {
      std::string next;
      do next = s.staff[uniform(0, static_cast<int64_t>(s.staff.size()) - 1)];
      while (next == s.supervisors[v].back().staff);
      add({Event::say, when, "ada", "/tend admin supervisor @" + v + " @" + next, v, Event::supervisor_is,
           next});
      s.supervisors[v].push_back({when, next});
    }
  }

  // Three breaks a year each, one of every kind in a random order, never overlapping.
  for (const auto& v : s.volunteers) {
    const auto& p = s.person(v);
    std::array<BreakSpec::How, 3> kinds{BreakSpec::open_ended, BreakSpec::by_date, BreakSpec::ended_early};
    std::shuffle(kinds.begin(), kinds.end(), rng);
    const auto segment = (kLastEvent - (kStart + date::days{14})) / 3;
    for (int i = 0; i < 3; ++i) {
      const auto from = kStart + date::days{14} + segment * i;
      BreakSpec b{v, instant_between(from, from + segment / 3), {}, kinds[i]};
      if (b.how == BreakSpec::open_ended) {
        b.end = b.start + minutes{uniform(3 * 24 * 60, 30 * 24 * 60)};
        say(b.start, v, "/break need some time", Event::on_break);
        say(b.end, v, "/break end", Event::off_break);
      } else {
        const auto day = floor<date::days>(local_of(b.start, p.tz())) + date::days{uniform(3, 20)};
        const auto until = instant_of(day + hours{uniform(9, 17)} + minutes{uniform(0, 59)}, p.tz());
        say(b.start, v, "/break until " + typed(until, p.tz()) + " family", Event::on_break);
        b.end = until;
        if (b.how == BreakSpec::ended_early) {
          b.end = instant_between(b.start + date::days{1}, until - date::days{1});
          say(b.end, v, "/break end", Event::off_break);
        }
      }
      s.breaks.push_back(b);
    }
  }

  // Stories: past (up to two days ago) and future (up to three weeks ahead), logged by the
  // volunteer or their supervisor, never while the volunteer is on a break.
  int tag = 0;
  for (const auto& v : s.volunteers) {
    const auto& p = s.person(v);
    // The daylight-saving changes of the volunteer's zone in the year: two stories a year have
    // their week of follow-ups across one.
    std::vector<Instant> changes;
    for (auto info = p.tz()->get_info(kStart); info.end < kLastEvent - date::days{21};
         info = p.tz()->get_info(info.end))
      changes.push_back(info.end);
    for (int i = 0; i < 9; ++i) {
      for (int attempt = 0; attempt < 50; ++attempt) {
        const bool across_change = i < 2 && !changes.empty();
        const auto change =
            across_change ? changes[uniform(0, static_cast<int64_t>(changes.size()) - 1)] : kStart;
        const auto logged = across_change
                                ? change - date::days{uniform(7, 12)} - minutes{uniform(0, 24 * 60)}
                                : instant_between(kStart + date::days{2}, kLastEvent - date::days{21});
        if (s.break_at(v, logged)) continue;
        const bool future = across_change || chance(0.6);
        const auto day = across_change
                             ? floor<date::days>(local_of(change, p.tz())) - date::days{uniform(1, 6)}
                             : floor<date::days>(local_of(logged, p.tz())) +
                                   date::days{future ? uniform(1, 20) : -uniform(0, 2)};
        const auto at = instant_of(day + hours{uniform(9, 17)} + minutes{uniform(0, 59)}, p.tz());
        if (future ? at <= logged : at >= logged) continue;
        // Two follow-ups of one story that fall into the same closed hours would reach the
        // supervisor at the same minute; the design says nothing about that case, so the
        // scenario avoids it.
        std::set<Instant> windows;
        for (int k : {1, 3, 7}) {
          const auto due = days_later(at, k, p.tz());
          const auto& sup = s.person(s.supervisor_at(v, due));
          windows.insert(next_window(due, sup.tz(), sup.hours));
        }
        if (windows.size() < 3) continue;
        std::string typer = v;
        const auto supervisor = s.supervisor_at(v, logged);
        const auto& sup = s.person(supervisor);
        const auto sup_hour =
            floor<hours>(local_of(at, sup.tz()) - floor<date::days>(local_of(at, sup.tz())));
        if (chance(0.3) && sup_hour >= 4h && sup_hour <= 22h) typer = supervisor;
        StorySpec story{v, "story-Q" + std::to_string(++tag) + "Z", at, logged, future};
        const auto& typer_zone = s.person(typer).tz();
        say(logged, typer,
            "/story " + (typer == v ? std::string() : "@" + v + " ") + typed(at, typer_zone) + " " +
                story.tag + " at the town hall",
            Event::story_added, v);
        s.stories.push_back(story);
        break;
      }
    }
  }

  // Check-ins of their own, some with private notes and some asking for support.
  int note = 0;
  for (const auto& v : s.volunteers) {
    for (int i = 0; i < 6; ++i) {
      const auto at = instant_between(kStart + date::days{3}, kLastEvent);
      if (s.break_at(v, at)) continue;
      PrivateNote n{v, "secretK" + std::to_string(++note) + "Z"};
      const auto score = uniform(1, 5);
      const bool support = chance(0.3);
      say(at, v, "/checkin " + std::to_string(score) + (support ? " support" : "") + " private " + n.token);
      s.notes.push_back(n);
      s.note_tokens.push_back(n.token);
      if (support || score <= 2) s.alerts.push_back({v, at});
      if (support) s.support_calls.push_back({v, at});
    }
  }

  // Debriefs after sessions, at least two days apart, never during a break: a score, whether it
  // stirred up their own experience, whether they would like to talk, and a note, private or not.
  int debriefed = 0;
  for (const auto& v : s.volunteers) {
    std::vector<Instant> taken;
    for (int i = 0; i < 6; ++i) {
      const auto at = instant_between(kStart + date::days{10}, kLastEvent);
      if (s.break_at(v, at) || s.break_at(v, at + date::days{1})) continue;
      if (std::any_of(taken.begin(), taken.end(),
                      [&](Instant o) { return at - o < date::days{2} && o - at < date::days{2}; }))
        continue;
      taken.push_back(at);
      static const char* stirred[] = {"yes", "a little", "no"};
      const bool is_private = chance(0.4);
      DebriefSpec d{v,
                    at,
                    static_cast<int>(uniform(1, 5)),
                    stirred[uniform(0, 2)],
                    chance(0.25),
                    (is_private ? "secretD" : "noteD") + std::to_string(++debriefed) + "Z"};
      if (is_private) s.notes.push_back({v, d.token});
      s.note_tokens.push_back(d.token);
      if (d.needs_supervisor()) s.alerts.push_back({v, at});
      add({Event::debrief, at, v,
           "/debrief " + std::to_string(d.score) + (is_private ? " private " : " after the group ") + d.token,
           d.stirred + "|" + (d.talk ? "yes" : "no"), Event::nothing, ""});
      s.debriefs.push_back(d);
    }
  }

  // Restarts of the process on the same database, every week or three; some after a few hours
  // down (what fell due meanwhile is delivered when it is back), never across what the scenario
  // does, so that every line is typed when the scenario says.
  for (Instant r = kStart + date::days{uniform(5, 20)}; r < kLastEvent; r += date::days{uniform(7, 21)}) {
    const auto at = r + minutes{uniform(0, 24 * 60)};
    auto down = chance(0.4) ? minutes{uniform(30, 8 * 60)} : minutes{0};
    for (const auto& e : s.events)
      if (e.at >= at - 1min && e.at <= at + down + 1min) down = minutes{0};
    for (const auto& b : s.breaks)
      if ((b.start >= at - date::days{1} && b.start <= at + down + date::days{1}) ||
          (b.end >= at - date::days{1} && b.end <= at + down + date::days{1}))
        down = minutes{0};
    add({Event::restart, at, "", "", std::to_string(down.count()), Event::nothing, ""});
    if (down > 0min) s.downtimes.push_back({at, at + down});
    ++s.restarts;
  }
  (void)seq;
  std::stable_sort(s.events.begin(), s.events.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  return s;
}

// ---------------------------------------------------------------------------------------------
// The system under test: a whole Tend on one database file, rebuilt at each restart.

struct Received {
  Instant at;
  std::string to;
  tend::Message message;
};

class RecordingPlatform final : public tend::platform::Delivery {
 public:
  RecordingPlatform(const tend::Clock& clock, std::vector<Received>& out) : clock_(clock), out_(out) {}
  boost::asio::awaitable<tend::platform::SendResult> send(const tend::platform::Recipient& to,
                                                          const tend::Message& m) override {
    out_.push_back({clock_.now(), to.id, m});
    co_return tend::platform::SendResult{};
  }
  boost::asio::awaitable<std::optional<tend::platform::UserProfile>> lookup_user(std::string) override {
    co_return std::nullopt;
  }

 private:
  const tend::Clock& clock_;
  std::vector<Received>& out_;
};

struct Process {
  Process(const std::filesystem::path& file, tend::ManualClock& clock, RecordingPlatform& platform)
      : db({file}) {
    tend::commands::add_all(registry);
    router = std::make_unique<tend::Router>(db, clock, registry, tend::RouterOptions{"console", {"ada"}, {}});
    scheduler = std::make_unique<tend::Scheduler>(io.get_executor(), db, clock, registry, file_settings);
    // As the runtime wires it: the delivery policy is asked again just before a row goes.
    sender = std::make_unique<tend::OutboxSender>(io.get_executor(), db, clock, platform,
                                                  tend::delivery_policy(db, clock, registry, file_settings),
                                                  tend::OutboxOptions{milliseconds{1000}, 8});
  }
  tend::storage::Database db;
  tend::storage::SettingValues file_settings;
  tend::commands::Registry registry;
  std::unique_ptr<tend::Router> router;
  boost::asio::io_context io;
  std::unique_ptr<tend::Scheduler> scheduler;
  std::unique_ptr<tend::OutboxSender> sender;
};

const tend::Button* button(const tend::Message& m, const std::string& action) {
  for (const auto& b : m.buttons)
    if (b.action_id == action) return &b;
  return nullptr;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class Simulation {
 public:
  Simulation(int seed, const Scenario& scenario)
      : scenario_(scenario),
        rng_(static_cast<uint64_t>(seed) * 104729 + 3),
        dir_(std::filesystem::temp_directory_path() /
             ("tend-year-" + std::to_string(seed) + "-" + std::to_string(std::random_device{}()))),
        clock_(kStart),
        platform_(clock_, deliveries) {
    std::filesystem::create_directories(dir_);
    start();
  }
  ~Simulation() {
    process_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::vector<Received> deliveries;
  std::map<std::string, int> pressed;  // how often each button was pressed

  void run() {
    auto later = [](const Event& a, const Event& b) { return a.at > b.at; };
    std::priority_queue<Event, std::vector<Event>, decltype(later)> reactions(later);
    std::size_t next = 0;
    for (int steps = 0;; ++steps) {
      if (steps > 3'000'000) FAIL("the simulation does not converge");
      std::optional<Instant> event_at;
      bool from_reactions = false;
      if (next < scenario_.events.size()) event_at = scenario_.events[next].at;
      if (!reactions.empty() && (!event_at || reactions.top().at < *event_at)) {
        event_at = reactions.top().at;
        from_reactions = true;
      }
      const auto due = tend_next();
      const auto horizon = event_at.value_or(kEnd);
      if (due && *due <= horizon) {
        clock_.set(std::max(clock_.now(), *due));
        tick();
      } else if (!event_at) {
        clock_.set(kEnd);
        tick();
        break;
      } else {
        Event e;
        if (from_reactions) {
          e = reactions.top();
          reactions.pop();
        } else {
          e = scenario_.events[next++];
        }
        clock_.set(std::max(clock_.now(), e.at));
        apply(e);
        tick();
      }
      for (; reacted_ < deliveries.size(); ++reacted_)
        if (auto r = react(deliveries[reacted_])) reactions.push(*r);
    }
  }

 private:
  void start() { process_ = std::make_unique<Process>(dir_ / "tend.db", clock_, platform_); }

  // The earliest moment the running process would wake for: a job, or an outbox row.
  std::optional<Instant> tend_next() {
    std::optional<Instant> next;
    if (auto j = tend::storage::Jobs(process_->db).earliest()) next = std::max(*j, clock_.now() + 1s);
    if (auto o = tend::storage::Outbox(process_->db).earliest_pending(); o && *o > clock_.now())
      next = next ? std::min(*next, *o) : *o;
    return next;
  }

  // What the scheduler and the sender do at this moment; pacing moves the clock on by seconds.
  void tick() {
    process_->scheduler->run_due();
    for (int i = 0; i < 100; ++i) {
      std::optional<steady_clock::time_point> paced;
      boost::asio::co_spawn(process_->io, process_->sender->deliver_due(),
                            [&](std::exception_ptr error, std::optional<steady_clock::time_point> wait) {
                              if (error) std::rethrow_exception(error);
                              paced = wait;
                            });
      process_->io.run();
      process_->io.restart();
      if (!paced) return;
      clock_.advance(1s);
      process_->scheduler->run_due();
    }
  }

  tend::storage::Person person(const std::string& id) {
    return *tend::storage::People(process_->db).by_platform_id("console", id);
  }

  // A line typed by `who`, as their platform delivers it (with their name and zone).
  tend::Reply command(const std::string& who, const std::string& line) {
    const auto& spec = scenario_.person(who);
    const auto space = line.find(' ');
    const auto name = line.substr(1, space == std::string::npos ? std::string::npos : space - 1);
    const auto text = space == std::string::npos ? std::string() : line.substr(space + 1);
    return process_->router->handle_command({{who, who, "", {}}, name, text},
                                            tend::platform::UserProfile{spec.name, spec.zone});
  }

  tend::Reply press(const std::string& who, const std::string& action, const std::string& value) {
    ++pressed[action];
    return process_->router->handle_action({{who, who, "", {}}, action, value, {}});
  }

  void apply(const Event& e) {
    switch (e.kind) {
      case Event::restart:
        // The process was alive up to this moment (a running scheduler wakes every few minutes),
        // then it stops and a new one opens the same file.
        process_->scheduler->run_due();
        process_.reset();
        clock_.advance(minutes{std::stoll(e.value)});
        start();
        return;
      case Event::press:
        press(e.who, e.text, e.value);
        return;
      case Event::debrief: {
        // Typed, then the two questions of the reply answered with its buttons.
        auto reply = command(e.who, e.text);
        const auto bar = e.value.find('|');
        for (const auto& [action, answer] :
             {std::pair{std::string("debrief.stirred"), e.value.substr(0, bar)},
              std::pair{std::string("debrief.talk"), e.value.substr(bar + 1)}}) {
          const tend::Button* chosen = nullptr;
          for (const auto& b : reply.buttons)
            if (b.action_id == action && b.value.size() > answer.size() &&
                b.value.compare(b.value.size() - answer.size(), answer.size(), answer) == 0 &&
                b.value[b.value.size() - answer.size() - 1] == ':')
              chosen = &b;
          INFO(date::format("%F %R UTC", e.at) << " @" << e.who << " " << e.text << " -> " << reply.text);
          REQUIRE(chosen);
          reply = press(e.who, chosen->action_id, chosen->value);
        }
        return;
      }
      case Event::hand_over: {
        // A hand-over of a nudge about someone now on a break would be a message about them
        // during it; a supervisor would rather mark it done.
        for (const auto& v : scenario_.volunteers)
          if (contains(e.expect_arg, scenario_.person(v).name) && scenario_.break_at(v, clock_.now())) {
            press(e.who, "nudge.done", e.value);
            return;
          }
        auto choice = press(e.who, "nudge.hand_over", e.value);
        std::vector<const tend::Button*> targets;
        for (const auto& b : choice.buttons)
          if (b.action_id == "nudge.hand_over_to") targets.push_back(&b);
        if (targets.empty()) return;
        const auto& target =
            *targets[std::uniform_int_distribution<std::size_t>(0, targets.size() - 1)(rng_)];
        press(e.who, target.action_id, target.value);
        return;
      }
      case Event::say: {
        const std::size_t stories_before =
            e.expect == Event::story_added
                ? tend::storage::Stories(process_->db).of_volunteer(person(e.expect_arg).id, 1000).size()
                : 0;
        const auto reply = command(e.who, e.text);
        INFO(date::format("%F %R UTC", e.at) << " @" << e.who << " " << e.text << " -> " << reply.text);
        switch (e.expect) {
          case Event::nothing:
            break;
          case Event::on_break:
            REQUIRE(person(e.who).on_break(clock_.now()));
            break;
          case Event::off_break:
            REQUIRE_FALSE(person(e.who).on_break(clock_.now()));
            break;
          case Event::story_added:
            REQUIRE(tend::storage::Stories(process_->db).of_volunteer(person(e.expect_arg).id, 1000).size() ==
                    stories_before + 1);
            break;
          case Event::supervisor_is:
            REQUIRE(person(e.value).supervisor_id == person(e.expect_arg).id);
            break;
          case Event::reply_says:
            REQUIRE(contains(reply.text, e.expect_arg));
            break;
        }
        return;
      }
    }
  }

  // How people answer what reaches them: volunteers answer most prompts, staff mostly press
  // Done, sometimes Snooze or Hand over, and now and then nothing (so escalations happen).
  std::optional<Event> react(const Received& d) {
    const auto it = scenario_.people.find(d.to);
    if (it == scenario_.people.end() || d.to == "ada") return std::nullopt;
    const auto after = d.at + minutes{std::uniform_int_distribution<int>(60, 8 * 60)(rng_)};
    std::uniform_real_distribution<double> roll(0, 1);
    if (!it->second.staff) {
      if (const auto* yes = button(d.message, "buddy.accept"))
        return Event{Event::press, after, d.to, yes->action_id, yes->value, Event::nothing, ""};
      const auto* score = button(d.message, "checkin.score");
      if (!score || roll(rng_) > 0.7 || scenario_.break_at(d.to, after)) return std::nullopt;
      return Event{Event::press,   after, d.to, "checkin.score", std::to_string(3 + (rng_() % 3)),
                   Event::nothing, ""};
    }
    const auto* done = button(d.message, "nudge.done");
    if (!done) return std::nullopt;
    const double r = roll(rng_);
    if (r < 0.55) return Event{Event::press, after, d.to, "nudge.done", done->value, Event::nothing, ""};
    if (r < 0.70) return Event{Event::press, after, d.to, "nudge.snooze", done->value, Event::nothing, ""};
    if (r < 0.80)
      return Event{Event::hand_over, after, d.to, "", done->value, Event::nothing, d.message.text};
    return std::nullopt;
  }

  const Scenario& scenario_;
  std::mt19937_64 rng_;
  std::filesystem::path dir_;
  tend::ManualClock clock_;
  RecordingPlatform platform_;
  std::unique_ptr<Process> process_;
  std::size_t reacted_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The oracle.

struct Counts {
  int missing = 0, outside_hours = 0, duplicated = 0, private_seen = 0, during_break = 0, not_resumed = 0,
      prep_after_event = 0;
  // A buddy saw a score or a note; heard of a break or a call for support that was not shared with
  // them; the two of a pair were asked about each other within a day; a buddy went unasked for
  // longer than a cadence (and a weekend) with neither of them on a break.
  int buddy_saw_score_or_note = 0, buddy_told_unshared = 0, buddies_same_day = 0, buddy_unasked = 0;
  int expected_followups = 0, expected_debrief_messages = 0, expected_buddy_notes = 0, buddy_prompts = 0;
  std::vector<std::string> examples;
  int total() const {
    return missing + outside_hours + duplicated + private_seen + during_break + not_resumed +
           prep_after_event + buddy_saw_score_or_note + buddy_told_unshared + buddies_same_day +
           buddy_unasked;
  }
};

class Oracle {
 public:
  Oracle(const Scenario& s, const std::vector<Received>& d) : s_(s), d_(d) {}

  Counts judge() {
    Counts c;
    followups(c);
    debriefs(c);
    buddy_notes(c);
    for (const auto& d : d_) {
      outside_hours(c, d);
      private_notes(c, d);
      during_break(c, d);
      preparation(c, d);
      what_buddies_see(c, d);
    }
    duplicates(c);
    routines(c);
    buddy_prompts(c);
    return c;
  }

 private:
  void note(Counts& c, const std::string& what) {
    if (c.examples.size() < 40) c.examples.push_back(what);
  }

  const StorySpec* story_in(const std::string& text, const std::string& volunteer = {}) const {
    for (const auto& st : s_.stories)
      if ((volunteer.empty() || st.volunteer == volunteer) && contains(text, st.tag)) return &st;
    return nullptr;
  }

  Instant last_followup(const StorySpec& st) const {
    return days_later(st.at, 7, s_.person(st.volunteer).tz());
  }

  // When a follow-up due at `due` must reach `to`: the next allowed minute, or, when that falls
  // inside a break of the volunteer, the next allowed minute after the break (or, for the
  // supervisor, after the story's last follow-up when the break outlasts it).
  Instant expected_at(const StorySpec& st, Instant due, const std::string& to, bool to_supervisor) const {
    const auto& r = s_.person(to);
    const auto w = s_.arrival(due, r);
    const auto* b = s_.break_at(st.volunteer, w);
    if (!b) return w;
    const auto last = last_followup(st);
    if (to_supervisor && last >= b->start && last < b->end) return s_.arrival(last, r);
    return s_.arrival(b->end, r);
  }

  bool arrived(const std::set<std::string>& to, const std::string& tag, Instant at) const {
    for (const auto& d : d_)
      if (to.count(d.to) && d.at >= at - kEarly && d.at <= at + kLate && contains(d.message.text, tag))
        return true;
    return false;
  }

  void followups(Counts& c) {
    for (const auto& st : s_.stories) {
      const auto* vz = s_.person(st.volunteer).tz();
      struct Due {
        Instant at;
        bool to_supervisor;
      };
      std::vector<Due> dues;
      for (int k : {1, 3, 7}) dues.push_back({days_later(st.at, k, vz), true});
      dues.push_back({days_later(st.at, 2, vz), false});
      for (const auto& due : dues) {
        if (due.at < st.logged) continue;  // already past when it was logged: not required
        bool found = false;
        std::string wanted;
        std::set<std::string> candidates;
        if (due.to_supervisor) {
          const auto first = s_.supervisor_at(st.volunteer, due.at);
          candidates = s_.supervisors_during(st.volunteer, due.at,
                                             expected_at(st, due.at, first, true) + date::days{1});
        } else {
          candidates = {st.volunteer};
        }
        for (const auto& to : candidates) {
          const auto at = expected_at(st, due.at, to, due.to_supervisor);
          if (at > kEnd - date::days{2}) found = true;  // beyond the year: not judged
          if (!found) found = arrived({to}, st.tag, at);
          wanted += " @" + to + " " + shown(at, s_.person(to).tz());
        }
        ++c.expected_followups;
        if (!found) {
          ++c.missing;
          note(c, "missing: " + std::string(due.to_supervisor ? "follow-up" : "gentle message") + " about " +
                      st.tag + " (" + st.volunteer + ", story " + shown(st.at, vz) + ", logged " +
                      date::format("%F %R UTC", st.logged) + ") due " + date::format("%F %R UTC", due.at) +
                      ", expected to" + wanted);
        }
      }
    }
  }

  // A message to one of `to` containing every part, within [at - kEarly, at + kLate].
  bool arrived_with(const std::set<std::string>& to, const std::vector<std::string>& parts,
                    Instant at) const {
    for (const auto& d : d_) {
      if (!to.count(d.to) || d.at < at - kEarly || d.at > at + kLate) continue;
      if (std::all_of(parts.begin(), parts.end(),
                      [&](const std::string& p) { return contains(d.message.text, p); }))
        return true;
    }
    return false;
  }

  // A debrief that needs the supervisor reaches them (urgent: in their hours, never held by a
  // break), and its follow-up a day later at the same local time (held through a break).
  void debriefs(Counts& c) {
    for (const auto& db : s_.debriefs) {
      if (!db.needs_supervisor()) continue;
      const auto& v = s_.person(db.volunteer);
      const auto first = s_.supervisor_at(db.volunteer, db.at);
      const auto alert_at = s_.arrival(db.at, s_.person(first));
      const auto due = days_later(db.at, 1, v.tz());
      struct Expected {
        Instant due;
        std::string what;
        bool held_by_break;
      };
      for (const auto& e : {Expected{db.at, "debriefed", false}, Expected{due, "debrief", true}}) {
        if (e.due > kEnd - date::days{2}) continue;
        ++c.expected_debrief_messages;
        bool found = false;
        std::string wanted;
        const auto candidates =
            s_.supervisors_during(db.volunteer, e.due, std::max(alert_at, e.due) + date::days{14});
        for (const auto& to : candidates) {
          const auto& r = s_.person(to);
          auto at = s_.arrival(e.due, r);
          if (e.held_by_break)
            if (const auto* b = s_.break_at(db.volunteer, at)) at = s_.arrival(b->end, r);
          found = found || arrived_with({to}, {"*" + v.name + "*", e.what}, at);
          wanted += " @" + to + " " + shown(at, r.tz());
        }
        if (!found) {
          ++c.missing;
          note(c, "missing: " + e.what + " of @" + db.volunteer + "'s debrief of " + shown(db.at, v.tz()) +
                      ", expected to" + wanted);
        }
      }
    }
  }

  // What a member shared reaches their buddy (unless the buddy is on a break then: dropped, since
  // they are not asked to look out for anyone); what they did not share never does.
  void buddy_notes(Counts& c) {
    struct Shared {
      std::string volunteer;
      Instant at;
      bool is_break;
    };
    std::vector<Shared> happened;
    for (const auto& b : s_.breaks) happened.push_back({b.volunteer, b.start, true});
    for (const auto& call : s_.support_calls) happened.push_back({call.volunteer, call.at, false});
    for (const auto& h : happened) {
      const auto* pair = s_.pair_of(h.volunteer);
      if (!pair || h.at < pair->sharing_from) continue;
      const auto buddy = pair->other(h.volunteer);
      const auto& r = s_.person(buddy);
      const auto at = s_.arrival(h.at, r);
      const auto [breaks, support] = pair->shares.at(h.volunteer);
      if (!(h.is_break ? breaks : support) || s_.break_at(buddy, h.at) || s_.break_at(buddy, at)) continue;
      if (at > kEnd - date::days{2}) continue;
      ++c.expected_buddy_notes;
      const std::string what = h.is_break ? "is taking a break" : "asked for support";
      if (!arrived_with({buddy}, {"*" + s_.person(h.volunteer).name + "*", what}, at)) {
        ++c.missing;
        note(c, "missing: @" + buddy + " was not told that @" + h.volunteer + " " + what + " (" +
                    shown(h.at, r.tz()) + "), expected " + shown(at, r.tz()));
      }
    }
  }

  // Nothing a buddy is sent ever holds a score or a note (their own or anyone's), and they hear of
  // the other's break or call for support only if it was shared.
  void what_buddies_see(Counts& c, const Received& d) {
    const auto* pair = s_.pair_of(d.to);
    if (!pair) return;
    static const std::regex score(R"([1-5]/5)");
    bool saw = std::regex_search(d.message.text, score);
    for (const auto& token : s_.note_tokens) saw = saw || contains(d.message.text, token);
    if (saw) {
      ++c.buddy_saw_score_or_note;
      note(c, "a buddy saw a score or a note: to @" + d.to + " at " + date::format("%F %R UTC", d.at) + ": " +
                  d.message.text.substr(0, 120));
    }
    const auto other = pair->other(d.to);
    const auto [breaks, support] = pair->shares.at(other);
    const auto name = "*" + s_.person(other).name + "*";
    if ((!breaks && contains(d.message.text, name + " is taking a break")) ||
        (!support && contains(d.message.text, name + " asked for support"))) {
      ++c.buddy_told_unshared;
      note(c, "@" + d.to + " was told what @" + other + " did not share: " + d.message.text.substr(0, 120));
    }
  }

  // Each of a pair is asked every fortnight, in turn, never within a day of the other.
  void buddy_prompts(Counts& c) {
    for (const auto& pair : s_.pairs) {
      std::map<std::string, std::vector<Instant>> asked;
      for (const auto& d : d_)
        if (pair.has(d.to) && contains(d.message.text, "How is your buddy")) asked[d.to].push_back(d.at);
      for (const auto& member : {pair.a, pair.b}) {
        const auto& times = asked[member];
        c.buddy_prompts += static_cast<int>(times.size());
        for (std::size_t i = 0; i + 1 < times.size(); ++i) {
          if (times[i + 1] - times[i] <= date::days{14} + date::days{3}) continue;
          if (s_.break_during(pair.a, times[i], times[i + 1]) ||
              s_.break_during(pair.b, times[i], times[i + 1]))
            continue;
          ++c.buddy_unasked;
          note(c, "@" + member + " not asked about their buddy from " + date::format("%F %R UTC", times[i]) +
                      " to " + date::format("%F %R UTC", times[i + 1]));
        }
      }
      for (const auto& x : asked[pair.a])
        for (const auto& y : asked[pair.b])
          if (x - y < date::days{1} && y - x < date::days{1}) {
            ++c.buddies_same_day;
            note(c, "@" + pair.a + " and @" + pair.b + " both asked about each other: " +
                        date::format("%F %R UTC", x) + " and " + date::format("%F %R UTC", y));
          }
    }
  }

  void outside_hours(Counts& c, const Received& d) {
    const auto& r = s_.person(d.to);
    if (allowed(d.at, r.tz(), r.hours)) return;
    ++c.outside_hours;
    note(c,
         "outside hours: to @" + d.to + " at " + shown(d.at, r.tz()) + ": " + d.message.text.substr(0, 90));
  }

  void private_notes(Counts& c, const Received& d) {
    for (const auto& n : s_.notes)
      if (d.to != n.volunteer && contains(d.message.text, n.token)) {
        ++c.private_seen;
        note(c, "private note of @" + n.volunteer + " seen by @" + d.to);
      }
  }

  // Nothing to a volunteer on a break, nothing about them to anyone; the exceptions are the
  // notice of the break itself and the held story follow-ups when the break outlasts them.
  void during_break(Counts& c, const Received& d) {
    for (const auto& b : s_.breaks) {
      if (d.at < b.start || d.at >= b.end) continue;
      const auto& v = s_.person(b.volunteer);
      const bool to_them = d.to == b.volunteer;
      if (!to_them && !contains(d.message.text, v.name)) continue;
      const auto& r = s_.person(d.to);
      if (!to_them && contains(d.message.text, "break") && d.at <= s_.arrival(b.start, r) + kLate)
        continue;  // the supervisor is told of the break
      if (!to_them && held_story_exception(d, b)) continue;
      if (!to_them && asked_for_support(d, b)) continue;
      ++c.during_break;
      note(c, "during a break of @" + b.volunteer + " (" + date::format("%F %R", b.start) + " to " +
                  date::format("%F %R UTC", b.end) + "): to @" + d.to + " at " + shown(d.at, r.tz()) + ": " +
                  d.message.text.substr(0, 90));
    }
  }

  // The documented exception: a break that outlasts a story's last follow-up does not stop the
  // supervisor hearing of that story, at the time of its last follow-up.
  bool held_story_exception(const Received& d, const BreakSpec& b) const {
    const auto& r = s_.person(d.to);
    for (const auto& st : s_.stories) {
      if (st.volunteer != b.volunteer || !contains(d.message.text, st.tag)) continue;
      const auto last = last_followup(st);
      const auto w = s_.arrival(last, r);
      if (last >= b.start && last < b.end && d.at >= w - kEarly && d.at <= w + kLate) return true;
    }
    return false;
  }

  bool asked_for_support(const Received& d, const BreakSpec& b) const {
    const auto& r = s_.person(d.to);
    for (const auto& a : s_.alerts)
      if (a.volunteer == b.volunteer && d.at >= a.at && d.at <= s_.arrival(a.at, r) + kLate) return true;
    return false;
  }

  void preparation(Counts& c, const Received& d) {
    const auto* st = story_in(d.message.text, d.to);
    if (!st || !st->future || d.at < st->at) return;
    const auto& text = d.message.text;
    if (!contains(text, "omorrow") && !contains(text, "going to share") &&
        !contains(text, "fine not to share"))
      return;
    ++c.prep_after_event;
    note(c, "preparation after the event " + st->tag + " (" + shown(st->at, s_.person(d.to).tz()) +
                "): delivered " + date::format("%F %R UTC", d.at));
  }

  // The same text twice to one person within a minute (a restart's double send, a burst of
  // look-alikes), and, at the end of a break, more than one message per recipient about the
  // volunteer's stories.
  void duplicates(Counts& c) {
    // Indices of deliveries already counted, so that one burst is counted once.
    std::set<std::size_t> counted;
    std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> same;
    for (std::size_t i = 0; i < d_.size(); ++i) same[{d_[i].to, d_[i].message.text}].push_back(i);
    for (const auto& [key, sent] : same)
      for (std::size_t i = 1; i < sent.size(); ++i)
        if (d_[sent[i]].at - d_[sent[i - 1]].at <= 60s) {
          ++c.duplicated;
          counted.insert(sent[i]);
          note(c, "duplicate to @" + key.first + " at " + date::format("%F %R UTC", d_[sent[i]].at) + ": " +
                      key.second.substr(0, 90));
        }
    for (const auto& b : s_.breaks) {
      std::map<std::string, std::vector<std::size_t>> about;
      for (std::size_t i = 0; i < d_.size(); ++i) {
        const auto& d = d_[i];
        if (d.at < b.end || d.at > b.end + date::days{4} || !story_in(d.message.text, b.volunteer)) continue;
        const auto& r = s_.person(d.to);
        const auto w = s_.arrival(b.end, r);
        if (d.at >= w - kEarly && d.at <= w + kLate) about[d.to].push_back(i);
      }
      for (const auto& [to, sent] : about) {
        // One message for what the break held, plus a follow-up the break did not hold that the
        // recipient's closed hours happen to bring to the same minute (the design has no rule
        // for that coincidence, and the scenario avoids it without a break).
        int extra = -1 - unheld_followups_at(b.volunteer, to, d_[sent.front()].at);
        for (auto i : sent) extra += !counted.count(i);
        if (extra <= 0) continue;
        c.duplicated += extra;
        note(c, std::to_string(sent.size()) + " messages about the stories of @" + b.volunteer + " to @" +
                    to + " at the end of a break, " + date::format("%F %R UTC", d_[sent.front()].at));
      }
    }
  }

  // How many follow-ups of the volunteer's stories reach `to` at `at` without having been held.
  int unheld_followups_at(const std::string& volunteer, const std::string& to, Instant at) const {
    const auto& r = s_.person(to);
    int n = 0;
    for (const auto& st : s_.stories) {
      if (st.volunteer != volunteer) continue;
      for (int k : {1, 3, 7}) {
        const auto due = days_later(st.at, k, s_.person(volunteer).tz());
        const auto w = s_.arrival(due, r);
        n += due >= st.logged && !s_.break_at(volunteer, w) && w >= at - kLate && w <= at + kEarly;
      }
    }
    return n;
  }

  // After a break, the prompts come back within one cadence (a week, at 10:00 local, then the
  // volunteer's next allowed minute).
  void routines(Counts& c) {
    for (const auto& b : s_.breaks) {
      const auto& v = s_.person(b.volunteer);
      auto ten = floor<date::days>(local_of(b.end + date::days{7}, v.tz())) + 10h;
      if (instant_of(ten, v.tz()) < b.end + date::days{7}) ten += date::days{1};
      const auto deadline = s_.arrival(instant_of(ten, v.tz()), v) + kLate;
      if (deadline > kEnd) continue;
      bool prompted = false;
      for (const auto& d : d_)
        if (d.to == b.volunteer && d.at > b.end && d.at <= deadline && button(d.message, "checkin.score") &&
            !story_in(d.message.text))
          prompted = true;
      if (!prompted) {
        ++c.not_resumed;
        note(c, "no prompt to @" + b.volunteer + " within a cadence of the end of a break (" +
                    date::format("%F %R", b.start) + " to " + date::format("%F %R UTC", b.end) +
                    (b.how == BreakSpec::open_ended ? ", open-ended"
                     : b.how == BreakSpec::by_date  ? ", ended by date"
                                                    : ", ended early") +
                    "), deadline " + shown(deadline, v.tz()));
      }
    }
  }

  const Scenario& s_;
  const std::vector<Received>& d_;
};

// Stories whose week of follow-ups crosses a daylight-saving change of the volunteer's zone.
int across_dst(const Scenario& s) {
  int n = 0;
  for (const auto& st : s.stories) {
    const auto* z = s.person(st.volunteer).tz();
    n += z->get_info(st.at).offset != z->get_info(days_later(st.at, 7, z)).offset;
  }
  return n;
}

}  // namespace

TEST_CASE(
    "a year of Tend: every follow-up arrives, in the recipient's hours, never during a break; no buddy ever "
    "sees a score or a note") {
  int failing = 0;
  for (int seed : {1, 2, 3, 4}) {
    const auto scenario = generate(seed);
    // TEND_SIM_EVENTS=1 lists what the scenario does, to read a count's story.
    if (std::getenv("TEND_SIM_EVENTS"))
      for (const auto& e : scenario.events)
        std::printf(
            "    seed %d event %s @%s %s\n", seed, date::format("%F %R UTC", e.at).c_str(), e.who.c_str(),
            e.kind == Event::restart ? ("restart, down " + e.value + " min").c_str() : e.text.c_str());
    Simulation simulation(seed, scenario);
    simulation.run();
    const auto counts = Oracle(scenario, simulation.deliveries).judge();
    std::printf(
        "year simulation seed %d: missing=%d outside_hours=%d duplicated=%d private_seen=%d during_break=%d "
        "not_resumed=%d prep_after_event=%d buddy_saw_score_or_note=%d buddy_told_unshared=%d "
        "buddies_same_day=%d buddy_unasked=%d (%zu messages, %d follow-ups expected, %zu stories of which %d "
        "across a DST change, %zu breaks, %d restarts (%zu after a while down), %d Done, %d Snooze, %d Hand "
        "over; %zu debriefs, %d debrief alerts and follow-ups expected; %zu pairs of buddies, %d buddy "
        "prompts, %d buddy notes expected)\n",
        seed, counts.missing, counts.outside_hours, counts.duplicated, counts.private_seen,
        counts.during_break, counts.not_resumed, counts.prep_after_event, counts.buddy_saw_score_or_note,
        counts.buddy_told_unshared, counts.buddies_same_day, counts.buddy_unasked,
        simulation.deliveries.size(), counts.expected_followups, scenario.stories.size(),
        across_dst(scenario), scenario.breaks.size(), scenario.restarts, scenario.downtimes.size(),
        simulation.pressed["nudge.done"], simulation.pressed["nudge.snooze"],
        simulation.pressed["nudge.hand_over_to"], scenario.debriefs.size(), counts.expected_debrief_messages,
        scenario.pairs.size(), counts.buddy_prompts, counts.expected_buddy_notes);
    for (const auto& example : counts.examples) std::printf("  %s\n", example.c_str());
    // TEND_SIM_TRACE=<person> lists everything delivered to them, to read a count's story.
    if (const char* who = std::getenv("TEND_SIM_TRACE"))
      for (const auto& d : simulation.deliveries)
        if (d.to == who || std::string(who) == "*")
          std::printf("    seed %d to @%s %s: %s\n", seed, d.to.c_str(),
                      date::format("%F %R UTC", d.at).c_str(), d.message.text.substr(0, 400).c_str());
    std::fflush(stdout);
    // The year must really hold what it claims to test.
    CHECK(counts.expected_followups > 100);
    CHECK(across_dst(scenario) > 0);
    CHECK(simulation.pressed["nudge.snooze"] > 0);
    CHECK(simulation.pressed["nudge.hand_over_to"] > 0);
    CHECK(simulation.pressed["buddy.accept"] == 2);
    CHECK(counts.expected_debrief_messages > 10);
    CHECK(counts.buddy_prompts > 40);
    failing += counts.total() > 0;
  }
  CHECK(failing == 0);
}

// The oracle judged on a week written by hand, so that each count is seen to count.
TEST_CASE("the simulation's oracle counts what went wrong") {
  const auto utc = [](int month, int day, int hour) {
    return Instant{date::sys_days{date::year{2026} / month / day} + hours{hour}};
  };
  Scenario s;
  s.people["sam"] = {"sam", "Sam", "Europe/London", {}, true};
  s.people["bodhi"] = {"bodhi", "Bodhi", "Europe/London", {}, false};
  s.volunteers = {"bodhi"};
  s.staff = {"sam"};
  s.supervisors["bodhi"] = {{kStart, "sam"}};
  // Tuesday 6 January 10:00 in London (UTC in winter): follow-ups Wed 7, Fri 9 and Tue 13 at 10:00
  // to Sam, the gentle message Thu 8 at 10:00 to Bodhi.
  s.stories.push_back({"bodhi", "story-Q1Z", utc(1, 6, 10), utc(1, 6, 9), false});
  s.notes.push_back({"bodhi", "secretK1Z"});
  s.note_tokens.push_back("secretK1Z");
  const tend::Message followup{"It's been a while since *Bodhi* shared their story: story-Q1Z", {}, {}};
  tend::Message gentle{"Hi Bodhi, about story-Q1Z: how are you doing?", {}, {}};
  gentle.buttons.push_back({"3", "checkin.score", "3"});
  const std::vector<Received> right = {{utc(1, 7, 10), "sam", followup},
                                       {utc(1, 8, 10), "bodhi", gentle},
                                       {utc(1, 9, 10), "sam", followup},
                                       {utc(1, 13, 10), "sam", followup}};

  SECTION("a week that went right counts nothing") {
    CHECK(Oracle(s, right).judge().total() == 0);
  }
  SECTION("a follow-up that never came is missing") {
    auto d = right;
    d.erase(d.begin() + 2);
    CHECK(Oracle(s, d).judge().missing == 1);
  }
  SECTION("a follow-up at 21:00 is outside hours, and missing at its time") {
    auto d = right;
    d[0].at = utc(1, 7, 21);
    const auto c = Oracle(s, d).judge();
    CHECK(c.outside_hours == 1);
    CHECK(c.missing == 1);
  }
  SECTION("the same message twice within a minute is a duplicate") {
    auto d = right;
    d.push_back({utc(1, 13, 10) + 1s, "sam", followup});
    CHECK(Oracle(s, d).judge().duplicated == 1);
  }
  SECTION("a private note in a message to the supervisor is seen") {
    auto d = right;
    d.push_back({utc(1, 12, 9), "sam", {"Bodhi wrote: secretK1Z", {}, {}}});
    CHECK(Oracle(s, d).judge().private_seen == 1);
  }
  SECTION("what was due in a break and sent on time was sent during it, and is missing after it") {
    // Wed 7 12:00 to Fri 9 12:00: the gentle message and the Friday follow-up are held until Fri 12:00,
    // and no prompt comes within a week of the break's end.
    s.breaks.push_back({"bodhi", utc(1, 7, 12), utc(1, 9, 12), BreakSpec::by_date});
    const auto c = Oracle(s, right).judge();
    CHECK(c.during_break == 2);
    CHECK(c.missing == 2);
    CHECK(c.not_resumed == 1);
    auto held = right;
    held[1].at = held[2].at = utc(1, 9, 12);
    held.push_back({utc(1, 16, 10), "bodhi", {"Hi Bodhi, how are you doing?", {gentle.buttons}, {}}});
    CHECK(Oracle(s, held).judge().total() == 0);
  }
  SECTION("what a break held comes back as one message per recipient, not a burst") {
    // Tue 6 12:00 to Sat 10 12:00: the Wednesday and Friday follow-ups and the gentle message are
    // held until Monday 08:00; the follow-up of Tuesday 13 is not.
    s.breaks.push_back({"bodhi", utc(1, 6, 12), utc(1, 10, 12), BreakSpec::by_date});
    const tend::Message prompt{"Hi Bodhi, how are you doing?", {gentle.buttons}, {}};
    std::vector<Received> one = {
        {utc(1, 12, 8), "sam", {"While Bodhi was on a break: story-Q1Z, twice", {}, {}}},
        {utc(1, 12, 8), "bodhi", gentle},
        {utc(1, 13, 10), "sam", followup},
        {utc(1, 19, 8), "bodhi", prompt}};
    const auto counts = Oracle(s, one).judge();
    INFO((counts.examples.empty() ? std::string() : counts.examples.front()));
    CHECK(counts.total() == 0);
    auto burst = one;
    burst[0].message.text = "A follow-up 1 day after Bodhi's story-Q1Z";
    burst.push_back({utc(1, 12, 8) + 1s, "sam", {"A follow-up 3 days after Bodhi's story-Q1Z", {}, {}}});
    CHECK(Oracle(s, burst).judge().duplicated == 1);
  }
  SECTION("a debrief that needs the supervisor brings an alert at once and a follow-up a day later") {
    s.debriefs.push_back({"bodhi", utc(1, 6, 14), 2, "no", false, "noteD1Z"});
    CHECK(Oracle(s, right).judge().missing == 2);
    auto d = right;
    d.push_back({utc(1, 6, 14), "sam", {"*Bodhi* debriefed after a session just now: it went 2/5", {}, {}}});
    d.push_back({utc(1, 7, 14), "sam", {"A follow-up 1 day after *Bodhi*'s debrief", {}, {}}});
    CHECK(Oracle(s, d).judge().total() == 0);
  }
  SECTION(
      "a buddy who sees a score or a note, hears what was not shared or is asked within a day of the other") {
    s.people["lucia"] = {"lucia", "Lucia", "Europe/London", {}, false};
    s.volunteers.push_back("lucia");
    s.supervisors["lucia"] = {{kStart, "sam"}};
    // Bodhi shares calls for support with Lucia, not breaks; Lucia shares nothing.
    s.pairs.push_back(
        {"bodhi", "lucia", kStart, kStart, {{"bodhi", {false, true}}, {"lucia", {false, false}}}});
    s.support_calls.push_back({"bodhi", utc(1, 8, 12)});
    CHECK(Oracle(s, right).judge().missing == 1);
    auto told = right;
    told.push_back({utc(1, 8, 12), "lucia", {"*Bodhi* asked for support just now; Sam knows.", {}, {}}});
    CHECK(Oracle(s, told).judge().total() == 0);
    auto score = told;
    score.push_back({utc(1, 8, 13), "lucia", {"*Bodhi* asked for support (score 2/5)", {}, {}}});
    CHECK(Oracle(s, score).judge().buddy_saw_score_or_note == 1);
    auto note = told;
    note.push_back({utc(1, 9, 13), "lucia", {"Bodhi wrote: secretK1Z", {}, {}}});
    CHECK(Oracle(s, note).judge().buddy_saw_score_or_note == 1);
    auto unshared = told;
    unshared.push_back({utc(1, 9, 13), "bodhi", {"*Lucia* asked for support just now", {}, {}}});
    unshared.push_back({utc(1, 9, 14), "lucia", {"*Bodhi* is taking a break from Tend", {}, {}}});
    CHECK(Oracle(s, unshared).judge().buddy_told_unshared == 2);
    auto same_day = told;
    same_day.push_back({utc(1, 12, 10), "bodhi", {"Hi Bodhi. How is your buddy *Lucia* doing?", {}, {}}});
    same_day.push_back({utc(1, 12, 16), "lucia", {"Hi Lucia. How is your buddy *Bodhi* doing?", {}, {}}});
    CHECK(Oracle(s, same_day).judge().buddies_same_day == 1);
    same_day.back().at = utc(1, 19, 10);
    same_day.push_back({utc(2, 20, 10), "bodhi", {"Hi Bodhi. How is your buddy *Lucia* doing?", {}, {}}});
    const auto unasked = Oracle(s, same_day).judge();
    CHECK(unasked.buddies_same_day == 0);
    CHECK(unasked.buddy_unasked == 1);
  }
  SECTION("a preparation note after the event is counted") {
    s.stories.push_back({"bodhi", "story-Q2Z", utc(1, 10, 15), utc(1, 5, 10), true});
    auto d = right;
    d.push_back({utc(1, 12, 8), "bodhi", {"Tomorrow you're sharing your story: story-Q2Z", {}, {}}});
    CHECK(Oracle(s, d).judge().prep_after_event == 1);
  }
}
