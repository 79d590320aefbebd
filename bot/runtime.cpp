#include "bot/runtime.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>

#include "bot/http/health.hpp"
#include "bot/http/server.hpp"
#include "bot/outbox_sender.hpp"
#include "bot/platform/console/console_adapter.hpp"
#include "bot/platform/slack/slack_adapter.hpp"
#include "bot/router.hpp"
#include "bot/scheduler.hpp"
#include "commands/families.hpp"
#include "config/parse.hpp"
#include "storage/inbound.hpp"
#include "storage/jobs.hpp"
#include "storage/outbox.hpp"

namespace tend {
namespace {

constexpr const char* kClockOffsetKey = "console.clock_offset_seconds";

config::Settings global_settings(storage::Database& db, const storage::SettingValues& file_settings) {
  auto merged = file_settings;
  for (auto& [key, value] : storage::SettingsStore(db).values(storage::SettingsStore::global))
    merged[key] = value;
  return config::Settings(std::move(merged));
}

std::chrono::seconds stored_clock_offset(storage::Database& db) {
  auto value = storage::Meta(db).get(kClockOffsetKey);
  return std::chrono::seconds{value ? std::stoll(*value) : 0};
}

}  // namespace

int serve(Mode mode, const config::FileConfig& config, std::istream& in, std::ostream& out) {
  storage::Database db({config.database, config.synchronous == "full"});
  commands::Registry registry(config.command_names);
  commands::add_all(registry);

  const bool console = mode == Mode::console || config.platform == "console";
  boost::asio::io_context io(1);

  OffsetClock console_clock(console ? stored_clock_offset(db) : std::chrono::seconds{0});
  SystemClock system_clock;
  const Clock& clock = console ? static_cast<const Clock&>(console_clock) : system_clock;

  Router router(db, clock, registry, {console ? "console" : config.platform, config.admins, config.settings});
  const auto settings = global_settings(db, config.settings);

  std::unique_ptr<platform::Adapter> adapter;
  platform::ConsoleAdapter* console_adapter = nullptr;
  std::unique_ptr<OutboxSender> sender;
  Scheduler scheduler(io.get_executor(), db, clock, registry, config.settings);
  {
    storage::Transaction tx(db);
    commands::Services services(db, clock, registry, config.settings);
    commands::schedule_housekeeping(services);
    tx.commit();
  }
  if (console) {
    platform::ConsoleAdapter::Hooks hooks;
    hooks.settle = [&]() -> boost::asio::awaitable<void> {
      scheduler.run_due();
      co_await sender->deliver_due();
    };
    // Moves the clock from one due job or message to the next, so what falls due is delivered
    // in order and at its own time, as it would be had that time really passed.
    hooks.advance = [&](std::chrono::seconds by) -> boost::asio::awaitable<void> {
      const auto target = console_clock.now() + by;
      for (;;) {
        auto next_job = storage::Jobs(db).earliest();
        auto next_message = storage::Outbox(db).earliest_pending();
        std::optional<Instant> next;
        for (auto candidate : {next_job, next_message})
          if (candidate) next = next ? std::min(*next, *candidate) : *candidate;
        if (!next || *next > target) break;
        if (*next > console_clock.now()) {
          console_clock.advance(*next - console_clock.now());
          console_adapter->announce_time(config::format_local(
              console_clock.now(), global_settings(db, config.settings).zone("timezone.default")));
        }
        scheduler.run_due();
        co_await sender->deliver_due();
      }
      if (target > console_clock.now()) console_clock.advance(target - console_clock.now());
      storage::Transaction tx(db);
      storage::Meta(db).set(kClockOffsetKey, std::to_string(console_clock.offset().count()));
      tx.commit();
      scheduler.run_due();
      co_await sender->deliver_due();
    };
    hooks.format_now = [&](Instant now) {
      const auto* zone = global_settings(db, config.settings).zone("timezone.default");
      return config::format_local(now, zone) + " " + std::string(zone->name());
    };
    const std::string first_person = config.admins.empty() ? "you" : config.admins.front();
    auto made = std::make_unique<platform::ConsoleAdapter>(io.get_executor(), in, out, clock,
                                                           std::move(hooks), first_person);
    console_adapter = made.get();
    adapter = std::move(made);
  } else {
    adapter = std::make_unique<slack::SlackAdapter>(
        io.get_executor(), slack::SlackOptions{config.secrets.slack_app_token, config.secrets.slack_bot_token,
                                               config.slack_api_url});
  }

  OutboxOptions outbox_options;
  outbox_options.pace =
      console ? std::chrono::milliseconds{0}
              : std::chrono::duration_cast<std::chrono::milliseconds>(
                    settings.optional_duration("outbox.pace").value_or(std::chrono::seconds{0}));
  outbox_options.max_attempts = settings.integer("outbox.max_attempts");
  sender = std::make_unique<OutboxSender>(io.get_executor(), db, clock, *adapter, outbox_options);
  router.on_outbox_written([&] { sender->wake(); });
  router.on_jobs_scheduled([&] { scheduler.wake(); });
  scheduler.on_outbox_written([&] { sender->wake(); });
  router.set_profile_lookup([&](std::string user_id) { return adapter->lookup_user(std::move(user_id)); });

  int exit_code = 0;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {} received: finishing in-flight work and stopping", signal);
    adapter->stop();
  });

  http::Routes routes;
  std::unique_ptr<http::Server> listener;
  if (config.http.enabled()) {
    http::add_health_routes(routes, {db, adapter->platform(), [&] { return adapter->link_up(); }});
    listener =
        std::make_unique<http::Server>(io.get_executor(),
                                       http::ServerOptions{.address = config.http.address,
                                                           .port = config.http.port,
                                                           .read_timeout = config.http.read_timeout,
                                                           .max_connections = config.http.max_connections},
                                       routes);
    spdlog::info("HTTP listener on {}:{} (/healthz, /metrics)", config.http.address, listener->port());
    boost::asio::co_spawn(io, listener->run(), boost::asio::detached);
  }

  spdlog::info("Tend starting on {} with database {}", adapter->platform(), config.database.string());
  boost::asio::co_spawn(io, sender->run(), boost::asio::detached);
  boost::asio::co_spawn(io, scheduler.run(), boost::asio::detached);
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        try {
          co_await adapter->run(router);
        } catch (const std::exception& e) {
          spdlog::error("{}", e.what());
          exit_code = 1;
        }
        // Deliver what is already due before going, so nothing queued by the last command waits
        // for the next start.
        try {
          co_await sender->deliver_due();
        } catch (const std::exception& e) {
          spdlog::warn("final outbox pass failed; undelivered messages stay queued: {}", e.what());
        }
        sender->stop();
        scheduler.stop();
        if (listener) listener->stop();
        signals.cancel();
      },
      boost::asio::detached);
  io.run();
  spdlog::info("Tend stopped");
  return exit_code;
}

}  // namespace tend
