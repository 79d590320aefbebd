// tend run | console | check-config | backup <file> | --version
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <iostream>

#include "bot/logging.hpp"
#include "bot/runtime.hpp"
#include "config/file_config.hpp"
#include "config/settings.hpp"
#include "storage/database.hpp"
#include "tend/version.hpp"

int main(int argc, char** argv) {
  // The console reads stdin on its own thread; with C stdio underneath, exit() would wait for
  // that thread's lock on stdin and never return after SIGTERM.
  std::ios::sync_with_stdio(false);
  CLI::App app{"Tend: check-ins, boundaries, supervision and story follow-ups for peer volunteers"};
  app.set_version_flag("--version", std::string("tend ") + tend::version);
  std::string config_path;
  app.add_option("--config", config_path,
                 "TOML config file (default config/tend.toml; defaults when absent)");
  auto* run = app.add_subcommand(
      "run", "serve the configured platform (the console, in a terminal, when no chat credentials are set)");
  auto* console = app.add_subcommand("console", "a local chat in the terminal, with a simulated clock");
  auto* check = app.add_subcommand("check-config", "validate the configuration and the database, then exit");
  auto* backup = app.add_subcommand("backup", "copy the database to a file while Tend may be running");
  std::string backup_target;
  backup->add_option("file", backup_target, "where to write the copy")->required();
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);

  tend::config::FileConfig config;
  try {
    config = tend::config::load_config(
        config_path.empty() ? std::nullopt : std::optional<std::filesystem::path>(config_path));
  } catch (const tend::config::ConfigError& e) {
    std::cerr << "tend: configuration error: " << e.what() << "\n";
    return 2;
  }
  tend::setup_logging(config.log_level);
  // `tend run` without chat credentials is the console, which needs someone at a terminal. A
  // service (or a container started without -it) has none: stop at once, saying what to set.
  if (*run && config.platform == "console" && !::isatty(STDIN_FILENO)) {
    spdlog::error(
        "no chat platform to serve: set SLACK_APP_TOKEN and SLACK_BOT_TOKEN (Slack), MATTERMOST_URL and "
        "MATTERMOST_TOKEN with [http] listen (Mattermost), or DISCORD_TOKEN and DISCORD_APPLICATION_ID "
        "(Discord); for the service, in /etc/tend/env. The console needs a terminal: `tend console` reads a "
        "pipe.");
    return 2;
  }

  try {
    if (*check) {
      tend::storage::Database db({config.database, config.synchronous == "full"});
      std::cout << "Configuration OK: "
                << (config.source.empty() ? "defaults (no config file)" : config.source.string())
                << "; platform " << config.platform << "; database " << config.database.string()
                << " (schema " << db.schema_version() << "); " << config.admins.size() << " admin(s) listed; "
                << config.settings.size() << " setting(s) set in the file; HTTP listener "
                << (config.http.enabled() ? config.http.address + ":" + std::to_string(config.http.port)
                                          : "off")
                << ".\n";
      return 0;
    }
    if (*backup) {
      tend::storage::Database db({config.database, config.synchronous == "full"});
      db.backup_to(backup_target);
      std::cout << "Backed up " << config.database.string() << " to " << backup_target << "\n";
      return 0;
    }
    return tend::serve(*console ? tend::Mode::console : tend::Mode::run, config, std::cin, std::cout);
  } catch (const tend::storage::StorageError& e) {
    std::cerr << "tend: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    spdlog::critical("stopped by an unexpected error: {}", e.what());
    return 1;
  }
}
