#include "bot/outbox_sender.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/backoff.hpp"
#include "storage/outbox.hpp"
#include "storage/people.hpp"

namespace tend {
namespace {

constexpr int kBatch = 200;
const std::string kDeadLetterPrefix = "dead-letter:";

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

OutboxSender::OutboxSender(boost::asio::any_io_executor executor, storage::Database& db, const Clock& clock,
                           platform::Delivery& adapter, OutboxOptions options)
    : timer_(executor), db_(db), clock_(clock), adapter_(adapter), options_(options) {}

void OutboxSender::wake() {
  timer_.cancel();
}

void OutboxSender::stop() {
  stopping_ = true;
  timer_.cancel();
}

void OutboxSender::give_up(int64_t id, const platform::Recipient& to, const std::string& error,
                           bool is_alert) {
  storage::Transaction tx(db_);
  storage::Outbox outbox(db_);
  outbox.mark_dead(id, error);
  spdlog::error("outbox message {} to a {} could not be delivered and was set aside: {}", id,
                to.kind == platform::Recipient::Kind::person ? "person" : "channel", error);
  // Tell the coordinators, once, unless the failed message was itself such an alert.
  if (!is_alert) {
    Message alert{"Tend could not deliver a message (outbox #" + std::to_string(id) +
                      ") after several tries: " + error +
                      ". Please check that the recipient still exists and that Tend can message them.",
                  {},
                  {}};
    for (const auto& admin : storage::People(db_).of_kind(storage::Kind::admin))
      outbox.enqueue({storage::OutboxRecipient::Kind::person, admin.platform_user_id, admin.id}, alert,
                     clock_.now(), kDeadLetterPrefix + std::to_string(id) + ":" + std::to_string(admin.id));
  }
  tx.commit();
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
      auto result = co_await adapter_.send(recipient, item.message);
      channel_free_at_[key] = clock_.precise_now() + options_.pace;
      const bool is_alert = item.idempotency_key.starts_with(kDeadLetterPrefix);
      switch (result.status) {
        case platform::SendResult::Status::sent: {
          storage::Transaction tx(db_);
          storage::Outbox(db_).mark_sent(item.id, clock_.now());
          tx.commit();
          ++delivered_;
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
            give_up(item.id, recipient, result.error, is_alert);
          } else {
            storage::Transaction tx(db_);
            storage::Outbox(db_).retry_later(item.id, clock_.now() + backoff(item.attempts), result.error);
            tx.commit();
          }
          break;
        case platform::SendResult::Status::permanent_failure:
          give_up(item.id, recipient, result.error, is_alert);
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
