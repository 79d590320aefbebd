#pragma once
// The TOML config file and the environment. Secrets come only from the environment.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tend::config {

// A configuration mistake: what() names the key, the value (never a secret) and what was expected.
struct ConfigError : std::runtime_error {
  ConfigError(std::string key_, const std::string& message)
      : std::runtime_error(message), key(std::move(key_)) {}
  std::string key;
};

struct Secrets {
  std::string slack_app_token;   // SLACK_APP_TOKEN, xapp-…
  std::string slack_bot_token;   // SLACK_BOT_TOKEN, xoxb-…
  std::string mattermost_token;  // MATTERMOST_TOKEN, the bot account's access token
  // Each Mattermost slash command's token, by command family ("checkin"): MATTERMOST_CHECKIN_TOKEN…
  // or [mattermost.command_tokens].
  std::map<std::string, std::string, std::less<>> mattermost_command_tokens;
  std::string discord_token;  // DISCORD_TOKEN, the bot's token
};

// [mattermost]: the server (MATTERMOST_URL overrides `url`) and where it reaches Tend's listener.
struct MattermostConfig {
  std::string url;
  // The base of the URL buttons send their presses to (<callback_url>/mattermost/action); empty:
  // http://<http.listen>.
  std::string callback_url;
};

// Discord: which application, and where its API and gateway are (the emulator's, in tests).
struct DiscordConfig {
  std::string application_id;                           // DISCORD_APPLICATION_ID
  std::string api_url = "https://discord.com/api/v10";  // TEND_DISCORD_API_URL
  std::string gateway_url;                              // TEND_DISCORD_GATEWAY_URL; empty: Discord's
};

// [http]: the listener for /healthz, /metrics and the platforms' HTTP routes; off when no
// `listen` is given.
struct HttpConfig {
  std::string address;                    // an IP address ("127.0.0.1", "::1"); empty: no listener
  unsigned short port = 0;                // 0: any free port, logged at start
  std::chrono::seconds read_timeout{10};  // a request must arrive whole within this
  int max_connections = 64;
  bool enabled() const { return !address.empty(); }
};

struct FileConfig {
  std::string platform = "console";  // resolved: "console", "slack", "mattermost" or "discord"
  std::filesystem::path database = "data/tend.db";
  std::vector<std::string> admins;
  std::string synchronous = "normal";  // "normal" | "full"
  std::string log_level = "info";
  std::string slack_api_url = "https://slack.com/api/";
  HttpConfig http;
  MattermostConfig mattermost;
  DiscordConfig discord;
  std::map<std::string, std::string, std::less<>> settings;       // normalised registry values
  std::map<std::string, std::string, std::less<>> command_names;  // canonical -> as typed
  Secrets secrets;
  std::filesystem::path source;  // the file read; empty when running on defaults
};

using GetEnv = std::function<std::optional<std::string>(const char*)>;
std::optional<std::string> process_env(const char* name);

// `explicit_path`: --config (a missing file is an error); otherwise config/tend.toml when it
// exists; otherwise defaults. Environment variables override the file.
FileConfig load_config(std::optional<std::filesystem::path> explicit_path, const GetEnv& env = process_env);

}  // namespace tend::config
