#include "bot/http/health.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "bot/metrics.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"

namespace tend::http {
namespace {

constexpr auto kLoopDeadline = std::chrono::seconds(1);
// A writer holding the lock longer than this counts as "not writable": the probe runs on the
// event loop, so it must not wait long.
constexpr auto kWriteWait = std::chrono::milliseconds(250);

}  // namespace

void add_health_routes(Routes& routes, HealthSources sources) {
  routes.add(verb::get, "/healthz", [sources](const Request&) -> boost::asio::awaitable<Response> {
    std::string problems;
    // How long a task waits behind everything else the loop has to do.
    const auto posted = std::chrono::steady_clock::now();
    const auto executor = co_await boost::asio::this_coro::executor;
    co_await boost::asio::post(executor, boost::asio::use_awaitable);
    const auto waited = std::chrono::steady_clock::now() - posted;
    if (waited > kLoopDeadline)
      problems += "event loop: slow (a task waited " +
                  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()) +
                  " ms)\n";
    if (auto problem = sources.db.write_problem(kWriteWait))
      problems += "database: not writable (" + *problem + ")\n";
    if (sources.link_up && !sources.link_up()) problems += "platform link: down (" + sources.platform + ")\n";
    if (problems.empty()) co_return text_response(status::ok, "ok\n");
    co_return text_response(status::service_unavailable, problems);
  });

  routes.add(verb::get, "/metrics", [sources](const Request&) -> boost::asio::awaitable<Response> {
    const std::vector<Gauge> gauges = {
        {"tend_outbox_pending", "Messages waiting to be sent.",
         static_cast<double>(storage::Outbox(sources.db).count_pending())},
        {"tend_jobs_pending", "Scheduled jobs not yet due or not yet run.",
         static_cast<double>(storage::Jobs(sources.db).count())},
        {"process_resident_memory_bytes", "Resident memory of the Tend process.", resident_memory_bytes()},
    };
    auto response = text_response(status::ok, metrics().render(sources.platform, gauges));
    response.set(boost::beast::http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    co_return response;
  });
}

}  // namespace tend::http
