#include "config/file_config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <sstream>

#include "config/parse.hpp"
#include "config/settings.hpp"

namespace tend::config {
namespace {

const std::set<std::string, std::less<>> kTopLevel = {
    "platform", "admins", "log_level", "storage", "slack", "http", "settings", "commands", "mattermost"};
const std::set<std::string, std::less<>> kCommandFamilies = {"checkin", "boundaries", "supervision", "story",
                                                             "break",   "buddy",      "debrief",     "tend"};
const std::set<std::string, std::less<>> kLogLevels = {"trace", "debug", "info", "warn", "error"};

std::string where(const toml::node& node) {
  const auto& src = node.source();
  return src.begin ? " (line " + std::to_string(src.begin.line) + ")" : "";
}

std::string string_at(const toml::table& table, std::string_view key, const std::string& full_key,
                      const std::string& fallback) {
  const auto* node = table.get(key);
  if (!node) return fallback;
  if (auto v = node->value<std::string>()) return *v;
  throw ConfigError(full_key, full_key + where(*node) + ": expected a string in quotes");
}

void flatten_settings(const toml::table& table, const std::string& prefix,
                      std::map<std::string, std::string, std::less<>>& out) {
  for (const auto& [k, node] : table) {
    const auto key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      flatten_settings(*sub, key, out);
      continue;
    }
    std::string value;
    if (auto s = node.value<std::string>())
      value = *s;
    else if (auto i = node.value<int64_t>())
      value = std::to_string(*i);
    else
      throw ConfigError("settings." + key,
                        "settings." + key + where(node) + ": expected a string or a number");
    try {
      out[key] = normalize_setting(key, value);
    } catch (const SettingError& e) {
      throw ConfigError("settings." + key, std::string("[settings] ") + e.what() + where(node));
    }
  }
}

// "127.0.0.1:8080", "0.0.0.0:8080", "[::1]:8080": an IP address, not a host name, so that what
// Tend listens on never depends on a resolver.
void parse_listen(const std::string& text, HttpConfig& http) {
  const auto bad = [&](const std::string& why) {
    return ConfigError("http.listen", "http.listen: \"" + text + "\" is not valid (" + why +
                                          "); expected an IP address and a port like \"127.0.0.1:8080\"");
  };
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) throw bad("no port");
  auto host = text.substr(0, colon);
  const auto port_text = text.substr(colon + 1);
  if (host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find_first_of("[]:") != std::string::npos)
    throw bad("an IPv6 address goes in brackets, like [::1]:8080");
  unsigned char parsed[sizeof(in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), parsed) != 1 && inet_pton(AF_INET6, host.c_str(), parsed) != 1)
    throw bad("\"" + host + "\" is not an IP address");
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos || std::stoi(port_text) > 65535)
    throw bad("the port must be a number from 0 to 65535");
  http.address = host;
  http.port = static_cast<unsigned short>(std::stoi(port_text));
}

void read_http(const toml::table& table, HttpConfig& http) {
  for (const auto& [k, node] : table)
    if (k.str() != "listen" && k.str() != "read_timeout" && k.str() != "max_connections")
      throw ConfigError("http." + std::string(k.str()),
                        "unknown key http." + std::string(k.str()) + where(node) +
                            "; expected listen, read_timeout or max_connections");
  if (table.get("listen")) parse_listen(string_at(table, "listen", "http.listen", ""), http);
  if (table.get("read_timeout")) {
    const auto text = string_at(table, "read_timeout", "http.read_timeout", "");
    try {
      http.read_timeout = parse_duration(text);
    } catch (const ParseError& e) {
      throw ConfigError("http.read_timeout", "http.read_timeout: \"" + text + "\" is not valid; " + e.what());
    }
  }
  if (const auto* node = table.get("max_connections")) {
    const auto value = node->value<int64_t>();
    if (!value || *value < 1 || *value > 10000)
      throw ConfigError("http.max_connections",
                        "http.max_connections" + where(*node) + ": expected a whole number from 1 to 10000");
    http.max_connections = static_cast<int>(*value);
  }
}

void read_mattermost(const toml::table& table, FileConfig& config) {
  for (const auto& [k, node] : table)
    if (k.str() != "url" && k.str() != "callback_url" && k.str() != "command_tokens")
      throw ConfigError("mattermost." + std::string(k.str()),
                        "unknown key mattermost." + std::string(k.str()) + where(node) +
                            "; expected url, callback_url or command_tokens (the bot's token comes only from "
                            "MATTERMOST_TOKEN)");
  config.mattermost.url = string_at(table, "url", "mattermost.url", config.mattermost.url);
  config.mattermost.callback_url = string_at(table, "callback_url", "mattermost.callback_url", "");
  if (const auto* node = table.get("command_tokens")) {
    const auto* tokens = node->as_table();
    if (!tokens)
      throw ConfigError("mattermost.command_tokens", "mattermost.command_tokens" + where(*node) +
                                                         ": expected a table like { checkin = \"…\" }");
    for (const auto& [k, token] : *tokens) {
      const auto family = std::string(k.str());
      if (!kCommandFamilies.contains(family))
        throw ConfigError("mattermost.command_tokens." + family,
                          "unknown command mattermost.command_tokens." + family + where(token) +
                              "; expected checkin, boundaries, supervision, story, break or tend");
      config.secrets.mattermost_command_tokens[family] =
          string_at(*tokens, family, "mattermost.command_tokens." + family, "");
    }
  }
}

// "MATTERMOST_CHECKIN_TOKEN": where a slash command's token comes from in the environment.
std::string command_token_variable(std::string_view family) {
  std::string name = "MATTERMOST_";
  for (char c : family) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name + "_TOKEN";
}

bool is_http_url(const std::string& text) {
  return text.rfind("https://", 0) == 0 || text.rfind("http://", 0) == 0;
}

// Mattermost calls Tend back over HTTP (slash commands, buttons): without a listener, or without
// an address the server can use, only commands typed in a DM would work, and no button would.
void check_mattermost(FileConfig& config) {
  if (config.mattermost.url.empty())
    throw ConfigError(
        "MATTERMOST_URL",
        "platform \"mattermost\" needs MATTERMOST_URL (the server's address, https://… or http://…) "
        "in the environment or url in [mattermost]");
  if (!is_http_url(config.mattermost.url))
    throw ConfigError("MATTERMOST_URL",
                      "MATTERMOST_URL: \"" + config.mattermost.url +
                          "\" is not valid; expected a URL starting with https:// or http://");
  if (config.secrets.mattermost_token.empty())
    throw ConfigError(
        "MATTERMOST_TOKEN",
        "platform \"mattermost\" needs MATTERMOST_TOKEN (the bot account's access token) in the "
        "environment");
  if (!config.http.enabled())
    throw ConfigError("http.listen",
                      "platform \"mattermost\" needs http.listen: set listen in [http] to an address the "
                      "Mattermost server can reach, like \"127.0.0.1:8080\" (slash commands and buttons are "
                      "requests from the Mattermost server to Tend)");
  auto& callback = config.mattermost.callback_url;
  if (!callback.empty() && !is_http_url(callback))
    throw ConfigError("mattermost.callback_url",
                      "mattermost.callback_url: \"" + callback +
                          "\" is not valid; expected a URL starting with https:// or http://");
  while (!callback.empty() && callback.back() == '/') callback.pop_back();
  if (callback.empty() && (config.http.address == "0.0.0.0" || config.http.address == "::"))
    throw ConfigError(
        "mattermost.callback_url",
        "mattermost.callback_url is needed when http.listen is \"" + config.http.address +
            "\": the address the Mattermost server reaches Tend at, like \"http://10.0.0.5:8080\" "
            "(buttons send their presses there)");
}

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void read_file(const std::filesystem::path& path, FileConfig& config) {
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError("", path.string() + " is not valid TOML: " + std::string(e.description()) + " (line " +
                              std::to_string(e.source().begin.line) + ")");
  }
  config.source = path;
  for (const auto& [k, node] : root)
    if (!kTopLevel.contains(k.str()))
      throw ConfigError(std::string(k.str()),
                        "unknown key \"" + std::string(k.str()) + "\"" + where(node) + " in " +
                            path.string() +
                            "; expected one of platform, admins, "
                            "log_level, [storage], [slack], [mattermost], [http], [settings], [commands]");
  config.platform = string_at(root, "platform", "platform", "auto");
  config.log_level = string_at(root, "log_level", "log_level", config.log_level);
  if (const auto* admins = root.get("admins")) {
    const auto* array = admins->as_array();
    if (!array) throw ConfigError("admins", "admins" + where(*admins) + ": expected a list like [\"U123\"]");
    for (const auto& item : *array) {
      auto id = item.value<std::string>();
      if (!id) throw ConfigError("admins", "admins" + where(item) + ": expected user ids in quotes");
      config.admins.push_back(*id);
    }
  }
  auto section = [&](std::string_view name) -> const toml::table* {
    const auto* node = root.get(name);
    if (!node) return nullptr;
    if (const auto* t = node->as_table()) return t;
    throw ConfigError(std::string(name),
                      std::string(name) + where(*node) + ": expected a table [" + std::string(name) + "]");
  };
  if (const auto* storage = section("storage")) {
    for (const auto& [k, node] : *storage)
      if (k.str() != "path" && k.str() != "synchronous")
        throw ConfigError(
            "storage." + std::string(k.str()),
            "unknown key storage." + std::string(k.str()) + where(node) + "; expected path or synchronous");
    config.database = string_at(*storage, "path", "storage.path", config.database.string());
    config.synchronous = string_at(*storage, "synchronous", "storage.synchronous", config.synchronous);
  }
  if (const auto* slack = section("slack")) {
    for (const auto& [k, node] : *slack)
      if (k.str() != "api_url")
        throw ConfigError(
            "slack." + std::string(k.str()),
            "unknown key slack." + std::string(k.str()) + where(node) +
                "; expected api_url (tokens come only from SLACK_APP_TOKEN and SLACK_BOT_TOKEN)");
    config.slack_api_url = string_at(*slack, "api_url", "slack.api_url", config.slack_api_url);
  }
  if (const auto* mattermost = section("mattermost")) read_mattermost(*mattermost, config);
  if (const auto* http = section("http")) read_http(*http, config.http);
  if (const auto* settings = section("settings")) flatten_settings(*settings, "", config.settings);
  if (const auto* commands = section("commands")) {
    for (const auto& [k, node] : *commands) {
      const auto key = std::string(k.str());
      if (!kCommandFamilies.contains(key))
        throw ConfigError(
            "commands." + key,
            "unknown command commands." + key + where(node) +
                "; expected checkin, boundaries, supervision, story, break, buddy, debrief or tend");
      auto name = string_at(*commands, key, "commands." + key, key);
      if (!name.empty() && name.front() == '/') name.erase(0, 1);
      if (name.empty() || name.size() > 31 || name.find(' ') != std::string::npos)
        throw ConfigError("commands." + key,
                          "commands." + key + ": \"" + name +
                              "\" is not a slash-command name; expected a word like checkin");
      config.command_names[key] = name;
    }
  }
}

void read_discord_env(const GetEnv& env, FileConfig& config) {
  if (auto token = env("DISCORD_TOKEN")) config.secrets.discord_token = *token;
  if (auto id = env("DISCORD_APPLICATION_ID")) config.discord.application_id = *id;
  if (auto url = env("TEND_DISCORD_API_URL")) config.discord.api_url = *url;
  if (auto url = env("TEND_DISCORD_GATEWAY_URL")) config.discord.gateway_url = *url;
}

// Names the variable, never prints the token.
void check_discord(FileConfig& config) {
  if (config.secrets.discord_token.empty())
    throw ConfigError(
        "DISCORD_TOKEN",
        "platform = \"discord\" needs DISCORD_TOKEN (the bot's token, developer portal → Bot) in "
        "the environment");
  if (config.secrets.discord_token.find_first_of(" \t\r\n") != std::string::npos ||
      config.secrets.discord_token.rfind("Bot ", 0) == 0)
    throw ConfigError(
        "DISCORD_TOKEN",
        "DISCORD_TOKEN does not look like a bot token: give the token alone, without \"Bot \" or "
        "spaces");
  const auto& id = config.discord.application_id;
  if (id.empty() || id.size() > 20 || id.find_first_not_of("0123456789") != std::string::npos)
    throw ConfigError("DISCORD_APPLICATION_ID",
                      "DISCORD_APPLICATION_ID " + std::string(id.empty() ? "is not set" : "is not a number") +
                          "; Discord needs it too: the Application ID on the developer portal's General "
                          "Information page, digits only");
  for (const auto* url : {&config.discord.api_url, &config.discord.gateway_url}) {
    const auto name = url == &config.discord.api_url ? "TEND_DISCORD_API_URL" : "TEND_DISCORD_GATEWAY_URL";
    if (url->empty() && url == &config.discord.gateway_url) continue;
    if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0 && url->rfind("wss://", 0) != 0 &&
        url->rfind("ws://", 0) != 0)
      throw ConfigError(
          name, std::string(name) + ": \"" + *url +
                    "\" is not valid; expected a URL starting with https://, http://, wss:// or ws://");
  }
  while (!config.discord.api_url.empty() && config.discord.api_url.back() == '/')
    config.discord.api_url.pop_back();
}

}  // namespace

std::optional<std::string> process_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

FileConfig load_config(std::optional<std::filesystem::path> explicit_path, const GetEnv& env) {
  FileConfig config;
  config.platform = "auto";
  if (explicit_path) {
    if (!std::filesystem::exists(*explicit_path))
      throw ConfigError("--config", "the config file " + explicit_path->string() + " does not exist");
    read_file(*explicit_path, config);
  } else if (std::filesystem::exists("config/tend.toml")) {
    read_file("config/tend.toml", config);
  }

  if (auto admins = env("TEND_ADMINS"))
    for (auto& id : split_ids(*admins))
      if (std::find(config.admins.begin(), config.admins.end(), id) == config.admins.end())
        config.admins.push_back(id);
  if (auto db = env("TEND_DB")) config.database = *db;
  if (auto url = env("TEND_SLACK_API_URL")) config.slack_api_url = *url;
  if (auto level = env("TEND_LOG_LEVEL")) config.log_level = *level;
  if (auto token = env("SLACK_APP_TOKEN")) config.secrets.slack_app_token = *token;
  if (auto token = env("SLACK_BOT_TOKEN")) config.secrets.slack_bot_token = *token;
  if (auto url = env("MATTERMOST_URL")) config.mattermost.url = *url;
  if (auto token = env("MATTERMOST_TOKEN")) config.secrets.mattermost_token = *token;
  for (const auto& family : kCommandFamilies)
    if (auto token = env(command_token_variable(family).c_str()))
      config.secrets.mattermost_command_tokens[family] = *token;
  read_discord_env(env, config);

  if (!kLogLevels.contains(config.log_level))
    throw ConfigError("log_level", "log_level: \"" + config.log_level +
                                       "\" is not valid; expected trace, debug, info, warn or error");
  if (config.synchronous != "normal" && config.synchronous != "full")
    throw ConfigError("storage.synchronous", "storage.synchronous: \"" + config.synchronous +
                                                 "\" is not valid; expected \"normal\" or \"full\"");
  if (config.slack_api_url.rfind("https://", 0) != 0 && config.slack_api_url.rfind("http://", 0) != 0)
    throw ConfigError("slack.api_url",
                      "slack.api_url: \"" + config.slack_api_url +
                          "\" is not valid; expected a URL starting with https:// or http://");
  if (config.slack_api_url.back() != '/') config.slack_api_url += '/';
  // Name the variable, never print the token.
  if (!config.secrets.slack_app_token.empty() && config.secrets.slack_app_token.rfind("xapp-", 0) != 0)
    throw ConfigError("SLACK_APP_TOKEN",
                      "SLACK_APP_TOKEN does not look like an app-level token; expected one "
                      "starting with xapp- (Basic Information → App-Level Tokens)");
  if (!config.secrets.slack_bot_token.empty() && config.secrets.slack_bot_token.rfind("xoxb-", 0) != 0)
    throw ConfigError("SLACK_BOT_TOKEN",
                      "SLACK_BOT_TOKEN does not look like a bot token; expected one starting "
                      "with xoxb- (OAuth & Permissions → Bot User OAuth Token)");
  const bool has_tokens = !config.secrets.slack_app_token.empty() && !config.secrets.slack_bot_token.empty();
  const bool has_mattermost = !config.secrets.mattermost_token.empty();
  const bool has_discord = !config.secrets.discord_token.empty();
  if (config.platform == "auto") {
    if (int(has_tokens) + int(has_mattermost) + int(has_discord) > 1)
      throw ConfigError(
          "platform",
          "the credentials of more than one platform are set (Slack's tokens, MATTERMOST_TOKEN, "
          "DISCORD_TOKEN); choose one with platform = \"slack\", platform = \"mattermost\" or "
          "platform = \"discord\" in the config file, or unset the others");
    config.platform = has_tokens       ? "slack"
                      : has_mattermost ? "mattermost"
                      : has_discord    ? "discord"
                                       : "console";
  }
  if (config.platform == "mattermost") {
    check_mattermost(config);
  } else if (config.platform == "discord") {
    check_discord(config);
  } else if (config.platform == "slack") {
    if (config.secrets.slack_app_token.empty())
      throw ConfigError("SLACK_APP_TOKEN",
                        "platform = \"slack\" needs SLACK_APP_TOKEN (xapp-…) in the environment");
    if (config.secrets.slack_bot_token.empty())
      throw ConfigError("SLACK_BOT_TOKEN",
                        "platform = \"slack\" needs SLACK_BOT_TOKEN (xoxb-…) in the environment");
  } else if (config.platform != "console") {
    throw ConfigError("platform",
                      "platform: \"" + config.platform +
                          "\" is not valid; expected \"console\", \"slack\", \"mattermost\", \"discord\" or "
                          "\"auto\"");
  }
  return config;
}

}  // namespace tend::config
