#include "bot/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "storage/inbound.hpp"
#include "storage/jobs.hpp"
#include "storage/people.hpp"
#include "storage/time.hpp"

namespace tend {
namespace {
constexpr int kBatch = 500;
// A job whose handler failed is tried again later rather than dropped or retried in a hot loop.
constexpr std::chrono::minutes kRetryFailedJobAfter{5};
// The scheduler wakes at least this often, so "alive at" is never older than this while Tend runs.
constexpr std::chrono::minutes kHeartbeat{5};
constexpr std::chrono::seconds kRetryFailedPassAfter{5};

}  // namespace

Scheduler::Scheduler(boost::asio::any_io_executor executor, storage::Database& db, const Clock& clock,
                     const commands::Registry& registry, const storage::SettingValues& file_settings)
    : timer_(executor), db_(db), clock_(clock), registry_(registry), file_settings_(file_settings) {
  // A new process: the time since the last one was last seen alive is time Tend was not running.
  storage::Transaction tx(db_);
  storage::Meta meta(db_);
  const auto now = clock_.now();
  if (auto alive = meta.get(commands::kAliveAtKey)) {
    const auto last = std::stoll(*alive);
    if (now - storage::from_unix_seconds(last) > kHeartbeat * 2) {
      meta.set(commands::kDownFromKey, *alive);
      meta.set(commands::kDownUntilKey, std::to_string(storage::unix_seconds(now)));
    }
  }
  meta.set(commands::kAliveAtKey, std::to_string(storage::unix_seconds(now)));
  tx.commit();
}

void Scheduler::wake() {
  timer_.cancel();
}

void Scheduler::stop() {
  stopping_ = true;
  timer_.cancel();
}

int Scheduler::run_due() {
  int ran = 0;
  bool queued = false;
  {
    storage::Transaction tx(db_);
    storage::Meta(db_).set(commands::kAliveAtKey, std::to_string(storage::unix_seconds(clock_.now())));
    tx.commit();
  }
  for (;;) {
    const auto now = clock_.now();
    auto due = storage::Jobs(db_).due(now, kBatch);
    if (due.empty()) break;
    for (const auto& job : due) {
      const auto kind = storage::to_string(job.kind);
      try {
        storage::Transaction tx(db_);
        commands::Services services(db_, clock_, registry_, file_settings_);
        storage::Jobs jobs(db_);
        const auto* spec = job.known_kind ? registry_.job(job.kind) : nullptr;
        if (!spec) {
          spdlog::error("job {} has a kind or payload this version does not know; removed", job.id);
          jobs.remove(job.id);
        } else if (jobs.by_key(job.key).has_value() || job.key.empty()) {
          // (A job handled together with an earlier one in this pass is gone already.)
          const auto decision = commands::decide_due_job(services, *spec, job);
          if (decision.verdict == config::Verdict::hold) {
            jobs.hold(job.id);
          } else if (decision.verdict == config::Verdict::drop) {
            spdlog::info("job {} ({}) not run: {}", job.id, kind, decision.reason);
            jobs.remove(job.id);
          } else {
            auto outcome = spec->handler(services, job);
            if (outcome.run_again_at)
              jobs.move(job.id, std::max(*outcome.run_again_at, now + std::chrono::seconds(1)));
            else
              jobs.remove(job.id);
          }
        }
        tx.commit();
        queued = queued || services.queued_messages();
      } catch (const std::exception& e) {
        spdlog::error("job {} ({}) failed, trying again in {} minutes: {}", job.id, kind,
                      kRetryFailedJobAfter.count(), e.what());
        storage::Transaction tx(db_);
        storage::Jobs(db_).move(job.id, now + kRetryFailedJobAfter);
        tx.commit();
      }
      ++ran;
    }
  }
  jobs_run_ += ran;
  if (queued && on_outbox_) on_outbox_();
  return ran;
}

boost::asio::awaitable<void> Scheduler::run() {
  while (!stopping_) {
    auto wait = std::chrono::duration_cast<std::chrono::system_clock::duration>(kHeartbeat);
    try {
      run_due();
      if (auto next = storage::Jobs(db_).earliest())
        wait = std::min(wait,
                        std::max(std::chrono::system_clock::duration::zero(), *next - clock_.precise_now()));
    } catch (const std::exception& e) {
      // The due jobs are still due: without a pause the pass would fail again at once, for ever.
      spdlog::error("scheduler pass failed, retrying in {} s: {}", kRetryFailedPassAfter.count(), e.what());
      wait = kRetryFailedPassAfter;
    }
    if (stopping_) break;
    timer_.expires_after(wait);
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

}  // namespace tend
