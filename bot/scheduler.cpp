#include "bot/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "storage/jobs.hpp"

namespace tend {
namespace {
constexpr int kBatch = 500;
// A job whose handler failed is tried again later rather than dropped or retried in a hot loop.
constexpr std::chrono::minutes kRetryFailedJobAfter{5};
}  // namespace

Scheduler::Scheduler(boost::asio::any_io_executor executor, storage::Database& db, const Clock& clock,
                     const commands::Registry& registry, const storage::SettingValues& file_settings)
    : timer_(executor), db_(db), clock_(clock), registry_(registry), file_settings_(file_settings) {}

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
  for (;;) {
    const auto now = clock_.now();
    auto due = storage::Jobs(db_).due(now, kBatch);
    if (due.empty()) break;
    for (const auto& job : due) {
      try {
        storage::Transaction tx(db_);
        commands::Services services(db_, clock_, registry_, file_settings_);
        storage::Jobs jobs(db_);
        const auto* spec = registry_.job(job.kind);
        if (!spec) {
          spdlog::error("job {} has unknown kind {}; removed", job.id, job.kind);
          jobs.remove(job.id);
        } else {
          auto outcome = spec->handler(services, job);
          if (outcome.run_again_at)
            jobs.move(job.id, std::max(*outcome.run_again_at, now + std::chrono::seconds(1)));
          else
            jobs.remove(job.id);
        }
        tx.commit();
        queued = queued || services.queued_messages();
      } catch (const std::exception& e) {
        spdlog::error("job {} ({}) failed, trying again in {} minutes: {}", job.id, job.kind,
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
    try {
      run_due();
    } catch (const std::exception& e) {
      spdlog::error("scheduler pass failed, retrying shortly: {}", e.what());
    }
    if (stopping_) break;
    auto next = storage::Jobs(db_).earliest();
    if (next) {
      timer_.expires_after(
          std::max(std::chrono::system_clock::duration::zero(), *next - clock_.precise_now()));
    } else {
      timer_.expires_at(std::chrono::steady_clock::time_point::max());
    }
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

}  // namespace tend
