// The built `tend run` on the Slack emulator with its HTTP listener on: /healthz follows the
// database and the Slack link, /metrics counts what happened and never shows who or what was said.
#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <regex>

#include "tests/emulator/slack_emulator.hpp"
#include "tests/integration/child_process.hpp"
#include "tests/integration/http/raw_client.hpp"

using namespace tend;
using namespace std::chrono_literals;
using Catch::Contains;
using Catch::EndsWith;
using Catch::StartsWith;
using testing::ChildProcess;
using testing::eventually;
using testing::get;
using testing::RawClient;

namespace {

// What no scrape may ever contain: a person's Slack id, their names, and what they wrote.
const std::vector<std::string> kPrivate = {"UZEPHYR", "zephyrine", "Zephyrine", "Quill",
                                           "USAM",    "marmalade", "lighthouse"};

struct Served {
  emulator::SlackEmulator slack;
  std::filesystem::path dir;
  std::unique_ptr<ChildProcess> tend;
  unsigned short port = 0;

  Served() {
    dir = std::filesystem::temp_directory_path() / ("tend-http-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "config");
    std::ofstream(dir / "config" / "tend.toml") << "[http]\nlisten = \"127.0.0.1:0\"\n"
                                                   "[settings]\n\"nudge.quiet_hours\" = \"none\"\n"
                                                   "\"nudge.working_days\" = \"mon-sun\"\n"
                                                   "\"outbox.pace\" = \"none\"\n";
    slack.set_user("UZEPHYR", {"zephyrine", "Zephyrine Quill", "Europe/London"});
    slack.set_user("USAM", {"sam", "Sam Okafor", "Europe/London"});
    tend = std::make_unique<ChildProcess>(
        dir, std::vector<std::string>{TEND_BINARY, "run"},
        std::vector<std::string>{"SLACK_APP_TOKEN=xapp-emulator", "SLACK_BOT_TOKEN=xoxb-emulator",
                                 "TEND_SLACK_API_URL=" + slack.api_base(), "TEND_ADMINS=USAM"});
    // Port 0 asks for any free port; Tend logs the one it got.
    const std::regex listening(R"(HTTP listener on 127\.0\.0\.1:(\d+))");
    REQUIRE(eventually([&] {
      std::smatch m;
      const auto log = tend->log();
      if (!std::regex_search(log, m, listening)) return false;
      port = static_cast<unsigned short>(std::stoi(m[1]));
      return true;
    }));
    INFO(tend->log());
    REQUIRE(slack.wait_for_sockets(1, 10s));
  }
  ~Served() {
    tend.reset();
    std::filesystem::remove_all(dir);
  }

  std::string fetch(const std::string& path) {
    RawClient client(port);
    if (!client.send(get(path, /*keep_alive=*/false))) return {};
    return client.read_response();
  }
  std::string command(const std::string& user, const std::string& name, const std::string& text) {
    const auto id = slack.send_slash_command(user, name, text);
    auto ack = slack.wait_for_ack(id, 10s);
    INFO(tend->log());
    REQUIRE(ack);
    return ack->dump();
  }
};

}  // namespace

TEST_CASE("tend run serves /healthz: 200 when all is well, 503 naming the database or the link") {
  Served s;
  // The link is up once Slack said hello on the socket, a moment after it opened.
  REQUIRE(eventually([&] { return s.fetch("/healthz").find("HTTP/1.1 200") == 0; }));
  CHECK_THAT(s.fetch("/healthz"), EndsWith("\r\n\r\nok\n"));

  SECTION("the database locked by another writer") {
    SQLite::Database other((s.dir / "data" / "tend.db").string(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    const auto locked = s.fetch("/healthz");
    CHECK_THAT(locked, StartsWith("HTTP/1.1 503") && Contains("database: not writable"));
    CHECK_THAT(locked, !Contains("platform link"));
    other.exec("ROLLBACK");
    CHECK_THAT(s.fetch("/healthz"), StartsWith("HTTP/1.1 200"));
  }
  SECTION("the Slack link down, then back") {
    s.slack.refuse_sockets(true);
    s.slack.drop_sockets();
    REQUIRE(eventually([&] { return s.fetch("/healthz").find("HTTP/1.1 503") == 0; }));
    const auto down = s.fetch("/healthz");
    CHECK_THAT(down, Contains("platform link: down (slack)") && !Contains("database"));
    s.slack.refuse_sockets(false);
    REQUIRE(eventually([&] { return s.fetch("/healthz").find("HTTP/1.1 200") == 0; }, 40s));
    CHECK_THAT(s.fetch("/metrics"), Contains("tend_reconnects_total{platform=\"slack\"} 1"));
  }

  s.tend->signal(SIGTERM);
  CHECK(s.tend->wait(10s) == 0);
}

TEST_CASE("tend run's /metrics counts commands, acks and messages, and never shows a person") {
  Served s;
  const auto before = s.fetch("/metrics");
  CHECK_THAT(before, StartsWith("HTTP/1.1 200") && Contains("Content-Type: text/plain; version=0.0.4"));
  CHECK_THAT(before, Contains("tend_outbox_sent_total{platform=\"slack\"} 0"));

  s.command("USAM", "/tend", "admin person <@UZEPHYR|zephyrine> volunteer");
  s.command("USAM", "/tend", "admin supervisor <@UZEPHYR|zephyrine> <@USAM|sam>");
  // A low score tells the supervisor by DM: one outbox message, which carries the note.
  s.command("UZEPHYR", "/checkin", "2 marmalade lighthouse Zephyrine Quill");
  s.command("UZEPHYR", "/checkin", "4 marmalade again");
  s.command("UZEPHYR", "/checkin", "9 marmalade");                // refused: not a score
  s.command("UZEPHYR", "/tend", "admin set checkin.cadence 1d");  // refused: not an admin
  s.command("UZEPHYR", "/marmalade", "lighthouse");               // a command Tend does not have
  REQUIRE(eventually([&] { return !s.slack.calls("chat.postMessage").empty(); }));

  // Every chat.postMessage comes from the outbox here: as many as the counter says were sent.
  std::string scrape;
  REQUIRE(eventually([&] {
    scrape = s.fetch("/metrics");
    const auto posted = std::to_string(s.slack.calls("chat.postMessage").size());
    return scrape.find("tend_outbox_sent_total{platform=\"slack\"} " + posted + "\n") != std::string::npos;
  }));
  INFO(scrape);
  CHECK_THAT(scrape,
             Contains("tend_commands_total{platform=\"slack\",command=\"checkin\",outcome=\"ok\"} 2"));
  CHECK_THAT(scrape,
             Contains("tend_commands_total{platform=\"slack\",command=\"checkin\",outcome=\"refused\"} 1"));
  CHECK_THAT(scrape, Contains("tend_commands_total{platform=\"slack\",command=\"tend\",outcome=\"ok\"} 2"));
  CHECK_THAT(scrape,
             Contains("tend_commands_total{platform=\"slack\",command=\"tend\",outcome=\"refused\"} 1"));
  CHECK_THAT(scrape,
             Contains("tend_commands_total{platform=\"slack\",command=\"unknown\",outcome=\"refused\"} 1"));
  CHECK_THAT(scrape, Contains("tend_ack_latency_seconds_count{platform=\"slack\"} 7"));
  CHECK_THAT(scrape, Contains("tend_ack_latency_seconds_bucket{platform=\"slack\",le=\"+Inf\"} 7"));
  CHECK_THAT(scrape, Contains("tend_outbox_dead_total{platform=\"slack\"} 0"));
  CHECK_THAT(scrape, Contains("tend_outbox_pending{platform=\"slack\"} 0"));
  CHECK_THAT(scrape, Contains("tend_jobs_pending{platform=\"slack\"} "));
  CHECK_THAT(scrape, Contains("tend_reconnects_total{platform=\"slack\"} 0"));
  // Resident memory from /proc: a positive number of bytes.
  const std::regex rss(R"(process_resident_memory_bytes\{platform="slack"\} (\d+))");
  std::smatch m;
  REQUIRE(std::regex_search(scrape, m, rss));
  CHECK(std::stoll(m[1]) > 1'000'000);
  for (const auto& word : kPrivate) {
    INFO(word);
    CHECK_THAT(scrape, !Contains(word));
  }
  // The note did reach the supervisor, so its absence above is not for want of it existing.
  std::string posted;
  for (const auto& call : s.slack.calls("chat.postMessage")) posted += call.args.dump();
  CHECK_THAT(posted, Contains("marmalade"));
}

TEST_CASE("a bad http.listen stops Tend with exit code 2 naming the key; a taken port with exit 1") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("tend-http-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "config");
  std::ofstream(dir / "config" / "tend.toml") << "[http]\nlisten = \"localhost:80\"\n";
  {
    ChildProcess check(dir, {TEND_BINARY, "check-config"}, {});
    CHECK(check.wait(20s) == 2);
    CHECK_THAT(check.log(), Contains("http.listen") && Contains("localhost:80"));
  }
  {
    Served running;
    std::ofstream(dir / "config" / "tend.toml") << "[http]\nlisten = \"127.0.0.1:" << running.port << "\"\n";
    ChildProcess second(dir, {TEND_BINARY, "console"}, {});
    CHECK(second.wait(20s) == 1);
    CHECK_THAT(second.log(), Contains("http.listen") && Contains(std::to_string(running.port)));
  }
  std::filesystem::remove_all(dir);
}
