#include "bot/outbox_sender.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/backoff.hpp"
#include "bot/metrics.hpp"
#include "commands/context.hpp"
#include "storage/people.hpp"

namespace tend {
namespace {

constexpr int kBatch = 200;
const std::string kDeadLetterPrefix = "dead-letter:";
const std::string kUnreachablePrefix = "unreachable:";

// A message that failed for a while waits 5 s, 10 s, 20 s… up to an hour, jittered.
std::chrono::seconds backoff(int attempts) {
  constexpr Backoff kRetry{std::chrono::seconds(5), std::chrono::hours(1)};
  return std::chrono::ceil<std::chrono::seconds>(kRetry.delay(attempts));
}

platform::Recipient to_platform(const storage::OutboxRecipient& r) {
  return {r.kind == storage::OutboxRecipient::Kind::person ? platform::Recipient::Kind::person
                                                           : platform::Recipient::Kind::channel,
          r.id};
}

}  // namespace

SendCheck delivery_policy(storage::Database& db, const Clock& clock, const commands::Registry& registry,
                          const storage::SettingValues& file_settings) {
  return [&db, &clock, &registry, &file_settings](const storage::OutboxItem& item) {
    auto check = commands::Services(db, clock, registry, file_settings).recheck(item);
    return OutboxCheck{std::move(check.decision), std::move(check.message)};
  };
}

OutboxCheck send_as_queued(const storage::OutboxItem& item) {
  return {config::Decision{}, item.message};
}

OutboxSender::OutboxSender(boost::asio::any_io_executor executor, storage::Database& db, const Clock& clock,
                           platform::Delivery& adapter, SendCheck check, OutboxOptions options,
                           std::string platform)
    : timer_(executor),
      db_(db),
      clock_(clock),
      adapter_(adapter),
      options_(options),
      platform_(std::move(platform)),
      check_(std::move(check)) {}

void OutboxSender::wake() {
  timer_.cancel();
}

void OutboxSender::stop() {
  stopping_ = true;
  timer_.cancel();
}

bool OutboxSender::give_up(const storage::OutboxItem& item, const platform::SendResult& result,
                           bool is_alert) {
  const auto& to = item.recipient;
  storage::Transaction tx(db_);
  storage::Outbox outbox(db_);
  outbox.mark_dead(item.id, result.error);
  spdlog::error("outbox message {} to a {} could not be delivered and was set aside: {}", item.id,
                to.kind == storage::OutboxRecipient::Kind::person ? "person" : "channel", result.error);
  // Tell the coordinators, unless the failed message was itself such an alert: once per message,
  // or once per person when the platform will never let Tend message them.
  bool alerted = false;
  if (!is_alert) {
    std::optional<storage::Person> person;
    if (to.person_id) person = storage::People(db_).by_id(*to.person_id);
    Message alert;
    std::string key;
    if (result.recipient_unreachable) {
      const auto name = person ? person->display_name : to.id;
      alert.text = "Tend cannot send direct messages to *" + name + "*: " + result.error +
                   ". Their messages are set aside, not retried. Please ask them to allow direct messages "
                   "from this server's members, or reach them another way.";
      key = kUnreachablePrefix + to.id;
    } else {
      alert.text = "Tend could not deliver a message (outbox #" + std::to_string(item.id) +
                   ") after several tries: " + result.error +
                   ". Please check that the recipient still exists and that Tend can message them.";
      key = kDeadLetterPrefix + std::to_string(item.id);
    }
    for (const auto& admin : storage::People(db_).of_kind(storage::Kind::admin)) {
      outbox.enqueue({storage::OutboxRecipient::Kind::person, admin.platform_user_id, admin.id}, alert,
                     clock_.now(), key + ":" + std::to_string(admin.id));
      alerted = true;
    }
  }
  tx.commit();
  metrics().outbox_dead(platform_);
  return alerted;
}

boost::asio::awaitable<std::optional<std::chrono::steady_clock::time_point>> OutboxSender::deliver_due() {
  std::optional<std::chrono::steady_clock::time_point> wait_until;
  for (bool more = true; more && !stopping_;) {
    more = false;
    auto due = storage::Outbox(db_).due(clock_.now(), kBatch);
    for (auto& item : due) {
      if (stopping_) break;
      const auto recipient = to_platform(item.recipient);
      const auto key = item.recipient.id;
      const auto clock_now = clock_.precise_now();
      if (auto it = channel_free_at_.find(key); it != channel_free_at_.end() && it->second > clock_now) {
        const auto at = std::chrono::steady_clock::now() + (it->second - clock_now);
        wait_until = wait_until ? std::min(*wait_until, at) : at;
        continue;
      }
      std::optional<Message> rewritten;
      {
        auto check = check_(item);
        using config::Verdict;
        if (check.decision.verdict == Verdict::hold || check.decision.verdict == Verdict::drop ||
            check.decision.verdict == Verdict::wait) {
          storage::Transaction tx(db_);
          storage::Outbox outbox(db_);
          if (check.decision.verdict == Verdict::hold)
            outbox.hold(item.id);
          else if (check.decision.verdict == Verdict::drop)
            outbox.set_aside(item.id, "dropped", check.decision.reason);
          else
            outbox.postpone(item.id, check.decision.at);
          tx.commit();
          continue;
        }
        if (check.message != item.message) rewritten = std::move(check.message);
      }
      auto result = co_await adapter_.send(recipient, rewritten ? *rewritten : item.message);
      channel_free_at_[key] = clock_.precise_now() + options_.pace;
      const bool is_alert = item.idempotency_key.starts_with(kDeadLetterPrefix) ||
                            item.idempotency_key.starts_with(kUnreachablePrefix);
      switch (result.status) {
        case platform::SendResult::Status::sent: {
          storage::Transaction tx(db_);
          storage::Outbox(db_).mark_sent(item.id, clock_.now(), rewritten);
          tx.commit();
          ++delivered_;
          metrics().outbox_sent(platform_);
          more = true;
          break;
        }
        case platform::SendResult::Status::retry_after: {
          // The platform asked for quiet on this channel: nothing goes to it before then.
          channel_free_at_[key] = clock_.precise_now() + result.retry_after;
          storage::Transaction tx(db_);
          storage::Outbox(db_).retry_later(item.id, clock_.now() + result.retry_after, "rate limited");
          tx.commit();
          break;
        }
        case platform::SendResult::Status::temporary_failure:
          if (item.attempts + 1 >= options_.max_attempts) {
            // The alerts it queues are due now: another pass sends them.
            more |= give_up(item, result, is_alert);
          } else {
            storage::Transaction tx(db_);
            storage::Outbox(db_).retry_later(item.id, clock_.now() + backoff(item.attempts), result.error);
            tx.commit();
          }
          break;
        case platform::SendResult::Status::permanent_failure:
          more |= give_up(item, result, is_alert);
          break;
      }
    }
  }
  co_return wait_until;
}

boost::asio::awaitable<void> OutboxSender::run() {
  while (!stopping_) {
    std::optional<std::chrono::steady_clock::time_point> wake_at;
    try {
      wake_at = co_await deliver_due();
    } catch (const std::exception& e) {
      spdlog::error("outbox delivery pass failed, retrying shortly: {}", e.what());
      wake_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    }
    if (stopping_) break;
    if (auto next = storage::Outbox(db_).earliest_pending(); next && *next > clock_.now()) {
      auto at = std::chrono::steady_clock::now() + (*next - clock_.precise_now());
      wake_at = wake_at ? std::min(*wake_at, at) : at;
    }
    if (wake_at)
      timer_.expires_at(*wake_at);
    else
      timer_.expires_at(std::chrono::steady_clock::time_point::max());
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

}  // namespace tend
