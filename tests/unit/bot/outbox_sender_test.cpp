// The outbox sender's delivery policy, against a platform that answers the way Slack does under
// load (ok, 429 with Retry-After, 5xx, a permanent error). Which answer comes when is scripted,
// so each rule can be seen to hold: nothing goes to a channel inside its Retry-After, every
// message is delivered in the end, and a message that can never go is set aside and reported.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <deque>

#include "bot/outbox_sender.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"

using namespace tend;
using namespace std::chrono;
using Status = platform::SendResult::Status;

namespace {

class ScriptedPlatform final : public platform::Delivery {
 public:
  std::deque<platform::SendResult> answers;  // consumed in order; then every send succeeds
  struct Attempt {
    std::string to;
    std::string text;
    system_clock::time_point at;
  };
  std::vector<Attempt> attempts;
  const Clock* clock = nullptr;

  boost::asio::awaitable<platform::SendResult> send(const platform::Recipient& to,
                                                    const Message& m) override {
    attempts.push_back({to.id, m.text, clock->precise_now()});
    if (answers.empty()) co_return platform::SendResult{};
    auto next = answers.front();
    answers.pop_front();
    co_return next;
  }
  boost::asio::awaitable<std::optional<platform::UserProfile>> lookup_user(std::string) override {
    co_return std::nullopt;
  }
};

struct Rig {
  storage::Database db{{":memory:"}};
  ManualClock clock{Instant{seconds{1'780'477'200}}};
  ScriptedPlatform platform;
  boost::asio::io_context io;
  OutboxSender sender{io.get_executor(), db, clock, platform, send_as_queued, {milliseconds{1000}, 3}};

  Rig() {
    platform.clock = &clock;
    storage::Transaction tx(db);
    auto ada = storage::People(db).create("scripted", "ada", "ada", clock.now());
    storage::People(db).set_kind(ada.id, storage::Kind::admin);
    tx.commit();
  }
  void queue(const std::string& channel, const std::string& text) {
    storage::Transaction tx(db);
    storage::Outbox(db).enqueue({storage::OutboxRecipient::Kind::channel, channel, std::nullopt},
                                {text, {}, {}}, clock.now(), text);
    tx.commit();
  }
  void pass() {
    boost::asio::co_spawn(io, sender.deliver_due(), boost::asio::detached);
    io.run();
    io.restart();
  }
  int sent_to(const std::string& who) {
    int n = 0;
    for (const auto& a : platform.attempts) n += a.to == who;
    return n;
  }
};

}  // namespace

TEST_CASE("messages to one channel are paced; other channels are not held up") {
  Rig r;
  r.queue("C1", "one");
  r.queue("C1", "two");
  r.queue("C2", "three");
  r.pass();
  CHECK(r.sent_to("C1") == 1);
  CHECK(r.sent_to("C2") == 1);
  r.clock.advance(seconds(1));
  r.pass();
  CHECK(r.sent_to("C1") == 2);
  CHECK(r.sender.delivered() == 3);
}

TEST_CASE("a 429 is honoured: nothing goes to that channel before Retry-After, then everything does") {
  Rig r;
  r.platform.answers.push_back({Status::retry_after, seconds(30), "ratelimited"});
  for (int i = 0; i < 5; ++i) r.queue("C1", "nudge " + std::to_string(i));
  r.queue("C2", "elsewhere");
  r.pass();
  CHECK(r.sent_to("C1") == 1);  // the one that got the 429
  CHECK(r.sent_to("C2") == 1);
  const auto limited_at = r.platform.attempts.front().at;
  for (int step = 0; step < 40; ++step) {
    r.clock.advance(seconds(1));
    r.pass();
  }
  CHECK(r.sender.delivered() == 6);
  for (std::size_t i = 1; i < r.platform.attempts.size(); ++i)
    if (r.platform.attempts[i].to == "C1") CHECK(r.platform.attempts[i].at >= limited_at + seconds(30));
}

TEST_CASE(
    "temporary failures are retried with backoff; after max attempts the message is set aside and admins "
    "told") {
  Rig r;
  for (int i = 0; i < 3; ++i) r.platform.answers.push_back({Status::temporary_failure, {}, "HTTP 503"});
  r.queue("C1", "important");
  for (int step = 0; step < 200 && r.sent_to("C1") < 3; ++step) {
    r.clock.advance(minutes(1));
    r.pass();
  }
  CHECK(r.sent_to("C1") == 3);
  r.pass();
  CHECK(r.sent_to("ada") == 1);
  CHECK(r.platform.attempts.back().text.find("could not deliver") != std::string::npos);
  CHECK(r.db.sql().execAndGet("SELECT status FROM outbox WHERE idempotency_key = 'important'").getString() ==
        "dead");
}

TEST_CASE("a person Tend may not message at all: each message is set aside, the admins are told once") {
  Rig r;
  {
    storage::Transaction tx(r.db);
    auto bo = storage::People(r.db).create("scripted", "1234", "bo", r.clock.now());
    for (const auto* text : {"first", "second"})
      storage::Outbox(r.db).enqueue({storage::OutboxRecipient::Kind::person, "1234", bo.id}, {text, {}, {}},
                                    r.clock.now(), text);
    tx.commit();
  }
  const platform::SendResult refused{
      Status::permanent_failure, {}, "Discord does not let Tend message this person (50007)", true};
  r.platform.answers = {refused, refused};
  r.pass();
  // The alert goes in the same pass: nothing else would wake the sender for it.
  CHECK(r.sent_to("ada") == 1);
  r.clock.advance(hours(1));
  r.pass();
  CHECK(r.sent_to("1234") == 2);  // each tried once, never again
  REQUIRE(r.sent_to("ada") == 1);
  const auto alert = std::find_if(r.platform.attempts.begin(), r.platform.attempts.end(),
                                  [](const auto& attempt) { return attempt.to == "ada"; });
  CHECK(alert->text.find("cannot send direct messages to *bo*") != std::string::npos);
  CHECK(alert->text.find("50007") != std::string::npos);
  CHECK(r.db.sql().execAndGet("SELECT count(*) FROM outbox WHERE status = 'dead'").getInt() == 2);
}

TEST_CASE("a permanent error is not retried") {
  Rig r;
  r.platform.answers.push_back({Status::permanent_failure, {}, "channel_not_found"});
  r.queue("C404", "lost");
  r.pass();
  CHECK(r.sent_to("ada") == 1);
  r.clock.advance(hours(1));
  r.pass();
  CHECK(r.sent_to("C404") == 1);
  CHECK(r.sent_to("ada") == 1);
}
