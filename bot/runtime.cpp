#include "bot/runtime.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>

#include "base/text.hpp"
#include "bot/http/health.hpp"
#include "bot/http/server.hpp"
#include "bot/outbox_sender.hpp"
#include "bot/platform/console/console_adapter.hpp"
#include "bot/platform/discord/discord_adapter.hpp"
#include "bot/platform/mattermost/mattermost_adapter.hpp"
#include "bot/platform/slack/slack_adapter.hpp"
#include "bot/router.hpp"
#include "bot/scheduler.hpp"
#include "bot/simulated_time.hpp"
#include "commands/families.hpp"
#include "config/parse.hpp"
#include "storage/inbound.hpp"

namespace tend {
namespace {

constexpr const char* kClockOffsetKey = "console.clock_offset_seconds";
constexpr const char* kMattermostKey = "mattermost.button_signing_key";

config::Settings global_settings(storage::Database& db, const storage::SettingValues& file_settings) {
  return storage::SettingsStore(db).layered(storage::SettingsStore::global, file_settings);
}

std::chrono::seconds stored_clock_offset(storage::Database& db) {
  auto value = storage::Meta(db).get(kClockOffsetKey);
  return std::chrono::seconds{value ? std::stoll(*value) : 0};
}

// The parts of a running Tend, in the order they are built; each refers only to those above it.
struct Parts {
  Parts(Mode mode, const config::FileConfig& config)
      : config(config),
        console(mode == Mode::console || config.platform == "console"),
        db({config.database, config.synchronous == "full"}),
        registry(config.command_names),
        console_clock(console ? stored_clock_offset(db) : std::chrono::seconds{0}),
        clock(console ? static_cast<const Clock&>(console_clock) : system_clock),
        router(db, clock, registry,
               {console ? "console" : config.platform, config.admins, config.settings, console, !console}),
        scheduler(io.get_executor(), db, clock, registry, config.settings) {
    commands::add_all(registry);  // the router and the scheduler only keep a reference to it
  }

  const config::FileConfig& config;
  const bool console;
  boost::asio::io_context io{1};
  storage::Database db;
  commands::Registry registry;
  OffsetClock console_clock;
  SystemClock system_clock;
  const Clock& clock;
  Router router;
  Scheduler scheduler;
  std::unique_ptr<platform::Adapter> adapter;
  platform::ConsoleAdapter* console_adapter = nullptr;
  mattermost::MattermostAdapter* mattermost = nullptr;
  std::unique_ptr<OutboxSender> sender;
  http::Routes routes;
  std::unique_ptr<http::Server> listener;  // [http] listen; none when unset
};

// After each line, what that line queued is delivered; `:advance` steps the simulated clock from
// one due job or message to the next, so each is delivered in order and at its own time.
platform::ConsoleAdapter::Hooks console_hooks(Parts& t) {
  platform::ConsoleAdapter::Hooks hooks;
  hooks.settle = [&t]() -> boost::asio::awaitable<void> {
    t.scheduler.run_due();
    co_await t.sender->deliver_due();
  };
  hooks.advance = [&t, settle = hooks.settle](std::chrono::seconds by) -> boost::asio::awaitable<void> {
    ClockSteps steps;
    steps.stop_at_messages = true;
    steps.move = [&t](std::chrono::seconds step) { t.console_clock.advance(step); };
    steps.settle = settle;
    steps.arrived = [&t] {
      t.console_adapter->announce_time(config::format_local(
          t.console_clock.now(), global_settings(t.db, t.config.settings).zone("timezone.default")));
    };
    co_await advance_through_due(t.db, t.console_clock, by, steps);
    storage::Transaction tx(t.db);
    storage::Meta(t.db).set(kClockOffsetKey, std::to_string(t.console_clock.offset().count()));
    tx.commit();
  };
  hooks.format_now = [&t](Instant now) {
    const auto* zone = global_settings(t.db, t.config.settings).zone("timezone.default");
    return config::format_local(now, zone) + " " + std::string(zone->name());
  };
  return hooks;
}

// The key that signs Mattermost buttons, made once and kept with the data: a button sent before a
// restart still works after it, and nobody without the database can forge a press.
std::string mattermost_signing_key(storage::Database& db) {
  storage::Transaction tx(db);
  storage::Meta meta(db);
  auto key = meta.get(kMattermostKey);
  if (!key) {
    key = mattermost::new_signing_key();
    meta.set(kMattermostKey, *key);
  }
  tx.commit();
  return *key;
}

mattermost::MattermostOptions mattermost_options(Parts& t) {
  mattermost::MattermostOptions options;
  options.url = t.config.mattermost.url;
  options.token = t.config.secrets.mattermost_token;
  // Mattermost sends each command under the trigger word the admin gave it, the workspace's name
  // for the family ([commands]).
  for (const auto& [family, token] : t.config.secrets.mattermost_command_tokens)
    options.command_tokens[lower(t.registry.slash(family).substr(1))] = token;
  options.callback_url = t.config.mattermost.callback_url;
  options.signing_key = mattermost_signing_key(t.db);
  return options;
}

constexpr const char* kDiscordCommandsKey = "discord.commands_hash";

// Discord: the registry's families become its slash commands, registered when they changed.
std::unique_ptr<platform::Adapter> discord_adapter(Parts& t) {
  discord::DiscordOptions options;
  options.token = t.config.secrets.discord_token;
  options.application_id = t.config.discord.application_id;
  options.api_url = t.config.discord.api_url;
  options.gateway_url = t.config.discord.gateway_url;
  options.help_command = t.registry.slash("tend") + " help";
  for (const auto& family : t.registry.families()) {
    discord::CommandSpec spec{t.registry.slash(family.name).substr(1), family.summary, {}};
    for (const auto& sub : family.subcommands) spec.subcommands.push_back({sub.path, sub.usage, sub.summary});
    options.commands.push_back(std::move(spec));
  }
  options.registered_hash = [&t] { return storage::Meta(t.db).get(kDiscordCommandsKey); };
  options.remember_hash = [&t](const std::string& hash) {
    storage::Transaction tx(t.db);
    storage::Meta(t.db).set(kDiscordCommandsKey, hash);
    tx.commit();
  };
  return std::make_unique<discord::DiscordAdapter>(t.io.get_executor(), std::move(options));
}

void make_adapter(Parts& t, std::istream& in, std::ostream& out) {
  if (t.console) {
    platform::ConsoleAdapter::Options options;
    options.first_person = t.config.admins.empty() ? "you" : t.config.admins.front();
    // Beside the database, so each workspace tried in the console keeps its own history.
    options.history_file = t.config.database.parent_path() / "console_history";
    for (const auto& family : t.registry.families())
      options.commands.push_back(t.registry.slash(family.name));
    auto console = std::make_unique<platform::ConsoleAdapter>(t.io.get_executor(), in, out, t.clock,
                                                              console_hooks(t), std::move(options));
    t.console_adapter = console.get();
    t.adapter = std::move(console);
  } else if (t.config.platform == "mattermost") {
    auto adapter =
        std::make_unique<mattermost::MattermostAdapter>(t.io.get_executor(), mattermost_options(t));
    t.mattermost = adapter.get();
    t.adapter = std::move(adapter);
  } else if (t.config.platform == "discord") {
    t.adapter = discord_adapter(t);
  } else {
    t.adapter = std::make_unique<slack::SlackAdapter>(
        t.io.get_executor(), slack::SlackOptions{t.config.secrets.slack_app_token,
                                                 t.config.secrets.slack_bot_token, t.config.slack_api_url});
  }
}

void make_sender(Parts& t) {
  const auto settings = global_settings(t.db, t.config.settings);
  OutboxOptions options;
  options.pace = t.console ? std::chrono::milliseconds{0}
                           : std::chrono::duration_cast<std::chrono::milliseconds>(
                                 settings.optional_duration("outbox.pace").value_or(std::chrono::seconds{0}));
  options.max_attempts = settings.integer("outbox.max_attempts");
  t.sender = std::make_unique<OutboxSender>(t.io.get_executor(), t.db, t.clock, *t.adapter,
                                            delivery_policy(t.db, t.clock, t.registry, t.config.settings),
                                            options, t.adapter->platform());
}

// Committed work wakes whoever acts on it; a newcomer's profile comes from the platform.
void wire(Parts& t) {
  t.router.on_outbox_written([&t] { t.sender->wake(); });
  t.router.on_jobs_scheduled([&t] { t.scheduler.wake(); });
  t.scheduler.on_outbox_written([&t] { t.sender->wake(); });
  t.router.set_profile_lookup(
      [&t](std::string user_id) { return t.adapter->lookup_user(std::move(user_id)); });
}

// /healthz and /metrics on [http] listen. Binding now makes a taken address fail before Tend
// connects anywhere.
void make_listener(Parts& t) {
  if (!t.config.http.enabled()) return;
  http::add_health_routes(t.routes, {t.db, t.adapter->platform(), [&t] { return t.adapter->link_up(); }});
  t.listener =
      std::make_unique<http::Server>(t.io.get_executor(),
                                     http::ServerOptions{.address = t.config.http.address,
                                                         .port = t.config.http.port,
                                                         .read_timeout = t.config.http.read_timeout,
                                                         .max_connections = t.config.http.max_connections},
                                     t.routes);
  spdlog::info("HTTP listener on {}:{} (/healthz, /metrics{})", t.config.http.address, t.listener->port(),
               t.mattermost ? ", /mattermost/command, /mattermost/action" : "");
  if (t.mattermost) {
    t.mattermost->add_routes(t.routes);
    if (t.mattermost->callback_url().empty()) {
      const auto host = t.config.http.address.find(':') == std::string::npos
                            ? t.config.http.address
                            : "[" + t.config.http.address + "]";
      t.mattermost->set_callback_url("http://" + host + ":" + std::to_string(t.listener->port()));
    }
    spdlog::info("Mattermost buttons send their presses to {}/mattermost/action",
                 t.mattermost->callback_url());
  }
}

// Serves until the adapter stops (end of input, a signal, a fatal platform error).
int run(Parts& t) {
  int exit_code = 0;
  boost::asio::signal_set signals(t.io, SIGINT, SIGTERM);
  signals.async_wait([&t](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {} received: finishing in-flight work and stopping", signal);
    t.adapter->stop();
  });

  spdlog::info("Tend starting on {} with database {}", t.adapter->platform(), t.config.database.string());
  boost::asio::co_spawn(t.io, t.sender->run(), boost::asio::detached);
  boost::asio::co_spawn(t.io, t.scheduler.run(), boost::asio::detached);
  if (t.listener) boost::asio::co_spawn(t.io, t.listener->run(), boost::asio::detached);
  boost::asio::co_spawn(
      t.io,
      [&]() -> boost::asio::awaitable<void> {
        try {
          co_await t.adapter->run(t.router);
        } catch (const std::exception& e) {
          spdlog::error("{}", e.what());
          exit_code = 1;
        }
        // Deliver what is already due before going, so nothing queued by the last command waits
        // for the next start.
        try {
          co_await t.sender->deliver_due();
        } catch (const std::exception& e) {
          spdlog::warn("final outbox pass failed; undelivered messages stay queued: {}", e.what());
        }
        t.sender->stop();
        t.scheduler.stop();
        if (t.listener) t.listener->stop();
        signals.cancel();
      },
      boost::asio::detached);
  t.io.run();
  spdlog::info("Tend stopped");
  return exit_code;
}

}  // namespace

int serve(Mode mode, const config::FileConfig& config, std::istream& in, std::ostream& out) {
  Parts t(mode, config);
  {
    storage::Transaction tx(t.db);
    commands::Services services(t.db, t.clock, t.registry, config.settings);
    commands::schedule_housekeeping(services);
    tx.commit();
  }
  make_adapter(t, in, out);
  make_sender(t);
  wire(t);
  make_listener(t);
  return run(t);
}

}  // namespace tend
