// Runs the built `tend` as a person would: scripted console sessions through a pipe, restarts,
// configuration mistakes and signals.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

using Catch::Contains;

namespace {

struct Result {
  int exit_code = -1;
  std::string out, err;
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Sandbox {
  std::filesystem::path dir;
  Sandbox() {
    static int n = 0;
    dir = std::filesystem::temp_directory_path() /
          ("tend-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::create_directories(dir);
  }
  ~Sandbox() { std::filesystem::remove_all(dir); }

  // The console runs on the real clock: without quiet hours and with every day a working day,
  // what a test expects to be sent goes out whenever the test runs.
  void deliver_at_any_hour() {
    std::filesystem::create_directories(dir / "config");
    std::ofstream(dir / "config" / "tend.toml") << "[settings]\n\"nudge.quiet_hours\" = \"none\"\n"
                                                   "\"nudge.working_days\" = \"mon-sun\"\n";
  }

  // Runs `tend <args>` in the sandbox with `input` on stdin (from a pipe) and `env` set.
  Result tend(const std::string& args, const std::string& input = "", const std::string& env = "") {
    std::ofstream(dir / "stdin") << input;
    const auto cmd = "cd '" + dir.string() +
                     "' && env -u SLACK_APP_TOKEN -u SLACK_BOT_TOKEN -u DISCORD_TOKEN -u TEND_ADMINS " + env +
                     " sh -c 'cat stdin | \"" + std::string(TEND_BINARY) + "\" " + args +
                     " > stdout 2> stderr'";
    const int status = std::system(cmd.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(dir / "stdout");
    r.err = read_file(dir / "stderr");
    return r;
  }
};

}  // namespace

TEST_CASE(
    "a scripted console session: check-ins, a low score reaching the supervisor, data surviving a restart") {
  Sandbox box;
  box.deliver_at_any_hour();
  const std::string env = "TEND_ADMINS=ada";
  auto first = box.tend("console",
                        ":as @sam\n"
                        "/tend help\n"
                        ":as @bo\n"
                        "/checkin 4 first week went well\n"
                        ":as @ada\n"
                        "/tend admin person @sam staff\n"
                        "/tend admin supervisor @bo @sam\n"
                        ":as @bo\n"
                        "/checkin 2 rough day after the talk\n"
                        "/checkin 3 private only for me\n",
                        env);
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.out, Contains("Checked in at *4/5*"));
  CHECK_THAT(first.out, Contains("sam is now staff"));
  CHECK_THAT(first.out, Contains("I've told sam (your supervisor) now, with your note"));
  CHECK_THAT(first.out, Contains("→ @sam: *bo* checked in at 2/5") && Contains("rough day after the talk"));
  CHECK_THAT(first.out, !Contains("→ @sam: *bo* checked in at 3/5"));
  CHECK(std::filesystem::exists(box.dir / "data" / "tend.db"));
  // Notes never reach the log.
  CHECK_THAT(first.err, !Contains("rough day") && !Contains("only for me"));

  auto second = box.tend("console",
                         ":as @bo\n"
                         "/checkin history\n"
                         ":as @sam\n"
                         "/checkin team\n",
                         env);
  INFO(second.out << second.err);
  REQUIRE(second.exit_code == 0);
  CHECK_THAT(second.out, Contains("first week went well") && Contains("rough day after the talk"));
  CHECK_THAT(second.out, Contains("*bo* — last 3/5"));
  CHECK_THAT(second.out, !Contains("only for me\n    >"));
}

TEST_CASE("the console's simulated clock keeps its place across restarts") {
  Sandbox box;
  // "It is Tue 24 Nov 14:00 Europe/London." -> "Tue 24 Nov"
  auto shown_day = [](const std::string& out) {
    std::smatch m;
    const std::regex day(R"(It is (?:now )?(\w{3} \d{1,2} \w{3}) \d\d:\d\d)");
    std::string last;
    for (auto it = std::sregex_iterator(out.begin(), out.end(), day); it != std::sregex_iterator(); ++it)
      last = (*it)[1];
    return last;
  };
  auto before = box.tend("console", ":now\n");
  auto advanced = box.tend("console", ":advance 3d\n");
  auto after = box.tend("console", ":now\n");
  REQUIRE(after.exit_code == 0);
  INFO(before.out << advanced.out << after.out);
  REQUIRE_FALSE(shown_day(after.out).empty());
  CHECK(shown_day(after.out) == shown_day(advanced.out));
  CHECK(shown_day(after.out) != shown_day(before.out));
}

TEST_CASE("bad input in the console gets an answer and the session carries on") {
  Sandbox box;
  auto r = box.tend("console",
                    "/checkin 7\n"
                    "/checkin abc\n"
                    "hello?\n"
                    ":press 9\n"
                    ":advance soon\n"
                    "/tend admin set checkin.time 10:00\n"
                    "/checkin 5\n");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("7 is not a score"));
  CHECK_THAT(r.out, Contains("Start with a score"));
  CHECK_THAT(r.out, Contains("Type a slash-command"));
  CHECK_THAT(r.out, Contains("There are no buttons to press"));
  CHECK_THAT(r.out, Contains("Usage: :advance 3d"));
  CHECK_THAT(r.out, Contains("not something a volunteer can do"));
  CHECK_THAT(r.out, Contains("Checked in at *5/5*"));
}

TEST_CASE("configuration mistakes exit with code 2 and name the key") {
  Sandbox box;
  auto missing = box.tend("--config nowhere.toml check-config");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Contains("nowhere.toml"));

  std::ofstream(box.dir / "bad.toml") << "[settings]\n\"checkin.time\" = \"25:00\"\n";
  auto bad = box.tend("--config bad.toml check-config");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Contains("checkin.time") && Contains("25:00"));

  auto token =
      box.tend("check-config", "", "SLACK_APP_TOKEN=xoxb-wrong-kind-of-secret SLACK_BOT_TOKEN=xoxb-1");
  CHECK(token.exit_code == 2);
  CHECK_THAT(token.err, Contains("SLACK_APP_TOKEN") && !Contains("wrong-kind-of-secret"));

  auto fine = box.tend("check-config");
  CHECK(fine.exit_code == 0);
  CHECK_THAT(fine.out, Contains("Configuration OK"));
}

TEST_CASE("tend run with no credentials and no terminal, as a service starts it, stops naming what to set") {
  Sandbox box;
  auto r = box.tend("run", "/checkin 4\n");
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  for (const char* variable :
       {"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "DISCORD_TOKEN", "DISCORD_APPLICATION_ID", "/etc/tend/env"})
    CHECK_THAT(r.err, Contains(variable));
  CHECK_FALSE(std::filesystem::exists(box.dir / "data" / "tend.db"));
  // The same input through `tend console` is a session.
  CHECK_THAT(box.tend("console", "/checkin 4\n").out, Contains("Checked in at *4/5*"));
}

TEST_CASE("a database file that is not a database stops Tend with a clear message") {
  Sandbox box;
  std::ofstream(box.dir / "notes.db") << std::string(8192, 'x');
  auto r = box.tend("console", "/checkin 4\n", "TEND_DB=notes.db");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("notes.db") && Contains("not a usable Tend database"));
}

TEST_CASE("backup copies the database while keeping it usable") {
  Sandbox box;
  REQUIRE(box.tend("console", "/checkin 4 before backup\n").exit_code == 0);
  auto r = box.tend("backup copy.db");
  REQUIRE(r.exit_code == 0);
  auto from_copy = box.tend("console", "/checkin history\n", "TEND_DB=copy.db");
  CHECK_THAT(from_copy.out, Contains("before backup"));
}

TEST_CASE("SIGTERM stops Tend cleanly with exit code 0") {
  Sandbox box;
  // stdin is a FIFO kept open by a writer that outlives the test, so Tend waits for input
  // until the signal; `wait` then reports Tend's own exit code.
  const auto script =
      "cd '" + box.dir.string() +
      "' && mkfifo in && (sleep 30 > in 2> /dev/null < /dev/null & echo $! > writer) && (\"" +
      std::string(TEND_BINARY) +
      "\" console < in > stdout 2> stderr & echo $! > pid; wait $!; echo $? > rc) > /dev/null 2>&1 &";
  REQUIRE(std::system(script.c_str()) == 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (read_file(box.dir / "stderr").find("Tend starting") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto pid = read_file(box.dir / "pid");
  REQUIRE_FALSE(pid.empty());
  REQUIRE(std::system(("kill -TERM " + pid).c_str()) == 0);
  while (!std::filesystem::exists(box.dir / "rc") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(read_file(box.dir / "rc") == "0\n");
  CHECK_THAT(read_file(box.dir / "stderr"), Contains("Tend stopped"));
  std::system(("kill " + read_file(box.dir / "writer") + " 2> /dev/null").c_str());
}

TEST_CASE("story follow-ups survive kill -9 and are delivered exactly once after restarts") {
  Sandbox box;
  box.deliver_at_any_hour();
  const std::string env = "TEND_ADMINS=ada";
  REQUIRE(box.tend("console",
                   ":as @sam\n/tend help\n:as @bo\n/tend help\n:as @ada\n"
                   "/tend admin person @sam staff\n/tend admin supervisor @bo @sam\n",
                   env)
              .exit_code == 0);

  // Log a story, then kill -9 Tend while it waits for more input: no clean shutdown.
  const auto script =
      "cd '" + box.dir.string() +
      "' && mkfifo story-in && (sleep 30 > story-in 2> /dev/null < /dev/null & echo $! > writer) && "
      "(TEND_ADMINS=ada \"" +
      std::string(TEND_BINARY) +
      "\" console < story-in > story-out 2> story-err & echo $! > pid) > /dev/null 2>&1";
  REQUIRE(std::system(script.c_str()) == 0);
  {
    std::ofstream feed(box.dir / "story-in");
    feed << ":as @bo\n/story today 00:01 conference talk\n" << std::flush;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (read_file(box.dir / "story-out").find("Logged story #1") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE_THAT(read_file(box.dir / "story-out"), Contains("Logged story #1"));
    REQUIRE(std::system(("kill -9 " + read_file(box.dir / "pid")).c_str()) == 0);
  }
  std::system(("kill " + read_file(box.dir / "writer") + " 2> /dev/null").c_str());

  auto count = [](const std::string& out, const std::string& what) {
    int n = 0;
    for (auto pos = out.find(what); pos != std::string::npos; pos = out.find(what, pos + 1)) ++n;
    return n;
  };
  auto week = box.tend("console", ":advance 4d\n", env);
  INFO(week.out << week.err);
  REQUIRE(week.exit_code == 0);
  CHECK(count(week.out, "after *bo* shared their story") == 2);  // 1 and 3 days after
  auto rest = box.tend("console", ":advance 4d\n", env);
  INFO(rest.out);
  CHECK(count(rest.out, "after *bo* shared their story") == 1);  // 7 days after, and nothing again
  auto after = box.tend("console", ":advance 10d\n", env);
  CHECK(count(after.out, "after *bo* shared their story") == 0);
}

TEST_CASE("a workspace set up from nothing by chat: people, a role, supervision, export and forget") {
  Sandbox box;
  box.deliver_at_any_hour();
  // A slot three days ahead, so both reminders (24 hours and 1 hour before) are still to come.
  const auto in_three_days =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + std::chrono::hours(72));
  char slot_day[16];
  std::strftime(slot_day, sizeof slot_day, "%Y-%m-%d", std::gmtime(&in_three_days));
  auto r = box.tend("console",
                    ":as @sam\n/tend help\n:as @bo\n/tend help\n"
                    ":as @ada\n"
                    "/tend admin person @sam staff\n"
                    "/tend admin supervisor @bo @sam\n"
                    "/tend admin role add befriender\n"
                    "/tend admin role boundaries befriender Meet in public places only.\n"
                    "/tend admin role assign @bo befriender\n"
                    ":as @sam\n"
                    "/supervision offer " +
                        std::string(slot_day) +
                        " 14:00 45\n"
                        ":as @bo\n"
                        "/boundaries\n"
                        "/supervision\n"
                        ":press 1\n"
                        ":advance 4d\n"
                        ":as @sam\n"
                        "/supervision done 1 went well\n"
                        ":as @bo\n"
                        "/tend mydata\n"
                        "/tend forget\n"
                        ":press 1\n"
                        ":as @ada\n"
                        "/tend admin audit 50\n",
                    "TEND_ADMINS=ada");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("bo now has the role *befriender*"));
  CHECK_THAT(r.out, Contains("→ @bo: You've been given the *befriender* role") &&
                        Contains("Meet in public places only."));
  CHECK_THAT(r.out, Contains("Offered 1 slot(s) of 45 minutes"));
  CHECK_THAT(r.out, Contains("Booked: ") && Contains("with sam (booking #1)"));
  CHECK_THAT(r.out, Contains("→ @bo: Reminder: supervision with sam in 24 hours"));
  CHECK_THAT(r.out, Contains("→ @sam: Reminder: supervision with bo in 1 hour"));
  CHECK_THAT(r.out, Contains("Recorded supervision with bo as done"));
  CHECK_THAT(r.out, Contains("→ @bo: Everything Tend holds about you, as JSON"));
  CHECK_THAT(r.out, Contains("Everything Tend held about you has been deleted"));
  CHECK_THAT(r.out, Contains("forget") && Contains("role.assign"));
  // Notes and boundaries texts never reach the log.
  CHECK_THAT(r.err, !Contains("went well") && !Contains("public places"));
}

TEST_CASE("10,000 lines through a pipe come out exactly as expected, nothing lost or interleaved") {
  Sandbox box;
  const std::string long_word(3000, 'x');
  const std::string not_a_command =
      "Type a slash-command such as /checkin 4 or /tend help (:help for the console's own commands).\n";
  std::string input, expected;
  for (int i = 0; i < 10'000; ++i) {
    std::string line;
    std::string answer;
    switch (i % 5) {
      case 0:
        line = "hello " + std::to_string(i) + (i % 100 == 0 ? " " + long_word : "");
        answer = not_a_command;
        break;
      case 1:
        line = ":press 9";
        answer = "There are no buttons to press.\n";
        break;
      case 2:
        line = "";
        break;
      case 3:
        line = ":advance soon";
        answer = "Usage: :advance 3d (expected a duration like 90m, 3d or 1w (units s m h d w))\n";
        break;
      case 4:
        line = "/checkin " + std::to_string(6 + i % 3);
        answer = std::to_string(6 + i % 3) +
                 " is not a score: use a number from 1 (struggling) to 5 (great), for example `/checkin 3 "
                 "tired but okay`.\n";
        break;
    }
    input += line + "\n";
    if (!line.empty()) expected += "you> " + line + "\n" + answer;
  }
  auto r = box.tend("console", input);
  REQUIRE(r.exit_code == 0);
  // Compared line by line first, so a failure names the first line that differs.
  std::istringstream got(r.out), want(expected);
  std::string got_line, want_line;
  int n = 0;
  while (std::getline(want, want_line)) {
    ++n;
    REQUIRE(std::getline(got, got_line));
    INFO("output line " << n);
    REQUIRE(got_line == want_line);
  }
  CHECK(r.out == expected);
}

TEST_CASE("in the console an admin names anyone: @sam is user sam, before sam ever spoke") {
  Sandbox box;
  box.deliver_at_any_hour();
  auto r = box.tend("console",
                    "/tend admin person @sam staff\n"
                    "/tend admin supervisor @bo @sam\n"
                    ":as @bo\n"
                    "/checkin 2 rough day\n"
                    ":as @sam\n"
                    "/checkin team\n",
                    "TEND_ADMINS=ada");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("sam is now staff"));
  CHECK_THAT(r.out, !Contains("I don't know"));
  CHECK_THAT(r.out, Contains("→ @sam: *bo* checked in at 2/5") && Contains("rough day"));
  CHECK_THAT(r.out, Contains("*bo* — last 2/5"));
}

TEST_CASE("each message is shown under the time it was sent, not under an earlier :advance's time") {
  Sandbox box;
  box.deliver_at_any_hour();
  // The daily housekeeping job falls due a minute after start and sends nothing: its time is
  // announced but never shown. The check-in's message to sam is sent later, after "It is now".
  auto r = box.tend("console",
                    ":advance 90s\n"
                    "/tend admin person @sam staff\n"
                    "/tend admin supervisor @bo @sam\n"
                    ":as @bo\n"
                    "/checkin 2 rough day\n",
                    "TEND_ADMINS=ada");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto message = r.out.find("→ @sam: *bo* checked in at 2/5");
  REQUIRE(message != std::string::npos);
  const auto line_before_start = r.out.rfind('\n', message - 2);
  const auto line_before = r.out.substr(line_before_start + 1, message - line_before_start - 1);
  CHECK_THAT(line_before, !Contains("["));
  CHECK_THAT(r.out.substr(0, message), Contains("It is now"));
}

namespace {

// Every message the console showed as sent to `who` ("→ @who: …" and its indented lines).
std::vector<std::string> messages_to(const std::string& out, const std::string& who) {
  std::vector<std::string> found;
  std::istringstream lines(out);
  std::string line;
  bool inside = false;
  while (std::getline(lines, line)) {
    if (line.rfind("→ @" + who + ": ", 0) == 0) {
      found.push_back(line);
      inside = true;
    } else if (inside && line.rfind("    ", 0) == 0) {
      found.back() += "\n" + line;
    } else {
      inside = false;
    }
  }
  return found;
}

std::string between(const std::string& out, const std::string& from, const std::string& to) {
  const auto start = out.find(from);
  const auto end = out.find(to, start);
  return start == std::string::npos ? "" : out.substr(start, end == std::string::npos ? end : end - start);
}

}  // namespace

TEST_CASE(
    "buddies and a debrief in the console: pairing, prompts, a support note without the score, a "
    "stirred-up debrief on the next supervision's agenda, through a break and restarts") {
  Sandbox box;
  box.deliver_at_any_hour();
  const std::string env = "TEND_ADMINS=ada";
  auto pairing = box.tend("console",
                          ":as @sam\n/tend help\n:as @bo\n/tend help\n:as @ryan\n/tend help\n:as @ada\n"
                          "/tend admin person @sam staff\n/tend admin supervisor @bo @sam\n"
                          "/tend admin supervisor @ryan @sam\n"
                          ":as @bo\n/buddy @ryan\n"
                          ":as @ryan\n:press 1\n/buddy share support on\n",
                          env);
  INFO(pairing.out << pairing.err);
  REQUIRE(pairing.exit_code == 0);
  CHECK_THAT(pairing.out, Contains("→ @ryan: *bo* would like to be your buddy") &&
                              Contains("You and bo are buddies now") &&
                              Contains("→ @bo: *ryan* said yes: you are buddies now"));

  // A restart later: a fortnight of prompts, a call for support, a debrief and a supervision.
  auto weeks = box.tend("console",
                        ":advance 15d\n"
                        ":as @ryan\n/checkin 2 support awful night\n"
                        ":as @bo\n/debrief\n:press 3\n:press 1\n:press 2\n/debrief 4 a quiet group tonight\n"
                        ":as @sam\n/supervision offer in 3 days 14:00\n"
                        ":as @bo\n/supervision book 1\n:advance 4d\n",
                        env);
  INFO(weeks.out << weeks.err);
  REQUIRE(weeks.exit_code == 0);
  CHECK_THAT(weeks.out, Contains("→ @bo: Hi bo. How is your buddy *ryan* doing? A message from you can make "
                                 "their day.") &&
                            Contains("→ @ryan: Hi ryan. How is your buddy *bo* doing?"));
  CHECK_THAT(weeks.out,
             Contains("→ @bo: *ryan* asked for support just now; sam knows. A kind word from you may "
                      "help."));
  CHECK_THAT(weeks.out, Contains("→ @sam: *ryan* asked for support just now (score 2/5)"));
  CHECK_THAT(weeks.out, Contains("→ @sam: *bo* debriefed after a session just now: it stirred up their own "
                                 "experience. Please reach out to them."));
  CHECK_THAT(weeks.out, Contains("I'll ask sam to check in with you") && Contains("A buddy never sees them"));
  const auto reminders = messages_to(weeks.out, "sam");
  bool agenda = false;
  for (const auto& m : reminders)
    agenda = agenda || (m.find("Reminder: supervision with bo in 24 hours") != std::string::npos &&
                        m.find("For the agenda: bo's debriefs since they joined") != std::string::npos &&
                        m.find("3/5 · stirred up: yes · would like to talk: no ⚑") != std::string::npos &&
                        m.find("4/5\n        > a quiet group tonight") != std::string::npos);
  CHECK(agenda);
  // The buddy never sees a score or a note: checked on every message bo was sent.
  for (const auto& m : messages_to(pairing.out + weeks.out, "bo")) {
    INFO(m);
    CHECK_THAT(m, !Contains("/5") && !Contains("awful night"));
  }
  // Notes never reach the log.
  CHECK_THAT(weeks.err, !Contains("awful night") && !Contains("quiet group"));

  // Another restart: bo's break silences the prompts to and about bo; they come back after it.
  auto away = box.tend("console", ":as @bo\n/break\n:advance 20d\n/break end\n:advance 15d\n", env);
  INFO(away.out << away.err);
  REQUIRE(away.exit_code == 0);
  const auto during = between(away.out, "bo> /break\n", "bo> /break end");
  REQUIRE_FALSE(during.empty());
  CHECK_THAT(during, !Contains("How is your buddy"));
  const auto ended = away.out.find("bo> /break end");
  REQUIRE(ended != std::string::npos);
  CHECK_THAT(away.out.substr(ended), Contains("How is your buddy"));
}
