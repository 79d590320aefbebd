#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/file_config.hpp"
#include "config/settings.hpp"

using namespace tend::config;
using Catch::Contains;

TEST_CASE("every setting's default is valid and normalised") {
  for (const auto& spec : setting_specs()) {
    INFO(spec.key);
    CHECK(normalize_setting(spec.key, spec.default_value) == spec.default_value);
    CHECK_FALSE(spec.help.empty());
  }
}

TEST_CASE("settings are normalised, and bad values name the key, the value and what is expected") {
  CHECK(normalize_setting("story.followups", " 1D, 3d,1w") == "1d,3d,1w");
  CHECK(normalize_setting("nudge.working_days", "MON-FRI") == "mon-fri");
  CHECK(normalize_setting("checkin.time", "9:00") == "09:00");
  CHECK(normalize_setting("nudge.quiet_hours", "NONE") == "none");
  CHECK(normalize_setting("checkin.escalate_at", "3") == "3");
  CHECK_THROWS_WITH(normalize_setting("checkin.time", "25:00"),
                    Contains("checkin.time") && Contains("\"25:00\"") && Contains("HH:MM"));
  CHECK_THROWS_WITH(normalize_setting("checkin.escalate_at", "6"), Contains("a score from 1 to 5"));
  CHECK_THROWS_WITH(normalize_setting("coordinator.channel", "two words"), Contains("channel id"));
  CHECK_THROWS_WITH(normalize_setting("no.such", "1"),
                    Contains("unknown setting \"no.such\"") && Contains("checkin.time"));
}

TEST_CASE("resolved settings fall back to defaults") {
  Settings s(std::map<std::string, std::string, std::less<>>{{"checkin.time", "09:30"}});
  CHECK(s.time_of_day("checkin.time") == std::chrono::minutes(570));
  CHECK(s.durations("story.followups").size() == 3);
  CHECK_FALSE(s.channel("coordinator.channel"));
  CHECK_FALSE(s.optional_duration("privacy.note_retention"));
  CHECK_THROWS_AS(s.raw("nope"), std::out_of_range);
}

namespace {

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& text) {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("tend-config-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".toml");
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

GetEnv env_of(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST_CASE("a config file is read, and the environment overrides it") {
  TempFile file(R"(
admins = ["U1"]
log_level = "warn"
[storage]
path = "/var/lib/tend/tend.db"
synchronous = "full"
[settings]
"checkin.time" = "9:30"
[settings.nudge]
quiet_hours = "none"
[commands]
checkin = "/ci"
)");
  auto c = load_config(file.path, env_of({{"TEND_ADMINS", "U2, U1"}, {"TEND_DB", "other.db"}}));
  CHECK(c.admins == std::vector<std::string>{"U1", "U2"});
  CHECK(c.database == "other.db");
  CHECK(c.synchronous == "full");
  CHECK(c.log_level == "warn");
  CHECK(c.settings.at("checkin.time") == "09:30");
  CHECK(c.settings.at("nudge.quiet_hours") == "none");
  CHECK(c.command_names.at("checkin") == "ci");
  CHECK(c.platform == "console");
}

TEST_CASE("configuration mistakes are named") {
  CHECK_THROWS_WITH(load_config(std::filesystem::path("/nonexistent/tend.toml"), env_of({})),
                    Contains("does not exist"));
  TempFile syntax("admins = [\"U1\"\nplatform = ");
  CHECK_THROWS_WITH(load_config(syntax.path, env_of({})), Contains("not valid TOML") && Contains("line"));
  TempFile unknown("colour = \"blue\"\n");
  CHECK_THROWS_WITH(load_config(unknown.path, env_of({})), Contains("unknown key \"colour\""));
  TempFile bad_setting("[settings]\n\"nudge.working_days\" = \"weekdays\"\n");
  CHECK_THROWS_WITH(load_config(bad_setting.path, env_of({})),
                    Contains("nudge.working_days") && Contains("weekdays") && Contains("mon-fri"));
  TempFile bad_sync("[storage]\nsynchronous = \"sometimes\"\n");
  CHECK_THROWS_WITH(load_config(bad_sync.path, env_of({})), Contains("storage.synchronous"));
  TempFile slack("platform = \"slack\"\n");
  CHECK_THROWS_WITH(load_config(slack.path, env_of({})), Contains("SLACK_APP_TOKEN"));
}

TEST_CASE("tokens choose Slack, are checked by prefix, and are never repeated in a message") {
  auto c =
      load_config(std::nullopt, env_of({{"SLACK_APP_TOKEN", "xapp-1-A"}, {"SLACK_BOT_TOKEN", "xoxb-2-B"}}));
  CHECK(c.platform == "slack");
  try {
    load_config(std::nullopt,
                env_of({{"SLACK_APP_TOKEN", "xoxb-secret-value"}, {"SLACK_BOT_TOKEN", "xoxb-1"}}));
    FAIL("accepted a bot token as the app token");
  } catch (const ConfigError& e) {
    CHECK(e.key == "SLACK_APP_TOKEN");
    CHECK_THAT(e.what(), !Contains("secret-value"));
  }
  auto url = load_config(std::nullopt, env_of({{"TEND_SLACK_API_URL", "http://127.0.0.1:9/api"}}));
  CHECK(url.slack_api_url == "http://127.0.0.1:9/api/");
  CHECK_THROWS_WITH(load_config(std::nullopt, env_of({{"TEND_SLACK_API_URL", "ftp://x"}})),
                    Contains("slack.api_url"));
}

TEST_CASE("Discord's token and application id choose Discord; mistakes name the variable, not the token") {
  const std::map<std::string, std::string> discord = {
      {"DISCORD_TOKEN", "MTAz.secret-token-value"},
      {"DISCORD_APPLICATION_ID", "1030118727418646629"},
      {"TEND_DISCORD_API_URL", "http://127.0.0.1:9/api/v10/"}};
  auto c = load_config(std::nullopt, env_of(discord));
  CHECK(c.platform == "discord");
  CHECK(c.secrets.discord_token == "MTAz.secret-token-value");
  CHECK(c.discord.application_id == "1030118727418646629");
  CHECK(c.discord.api_url == "http://127.0.0.1:9/api/v10");
  CHECK(c.discord.gateway_url.empty());

  auto without_id = discord;
  without_id.erase("DISCORD_APPLICATION_ID");
  try {
    load_config(std::nullopt, env_of(without_id));
    FAIL("accepted Discord without an application id");
  } catch (const ConfigError& e) {
    CHECK(e.key == "DISCORD_APPLICATION_ID");
    CHECK_THAT(e.what(), Contains("General Information") && !Contains("secret-token-value"));
  }
  auto prefixed = discord;
  prefixed["DISCORD_TOKEN"] = "Bot MTAz.secret-token-value";
  CHECK_THROWS_WITH(load_config(std::nullopt, env_of(prefixed)),
                    Contains("DISCORD_TOKEN") && !Contains("secret-token-value"));
  TempFile chosen("platform = \"discord\"\n");
  CHECK_THROWS_WITH(load_config(chosen.path, env_of({})), Contains("DISCORD_TOKEN"));

  // Both platforms' credentials: Tend asks which, rather than guess.
  auto both = discord;
  both["SLACK_APP_TOKEN"] = "xapp-1";
  both["SLACK_BOT_TOKEN"] = "xoxb-1";
  CHECK_THROWS_WITH(load_config(std::nullopt, env_of(both)), Contains("platform = \"discord\""));
  TempFile slack_chosen("platform = \"slack\"\n");
  CHECK(load_config(slack_chosen.path, env_of(both)).platform == "slack");
}

TEST_CASE("the example config documents every setting and loads as-is") {
  const std::filesystem::path example = std::string(TEND_SOURCE_DIR) + "/config/tend.example.toml";
  std::ifstream in(example);
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& spec : setting_specs()) {
    INFO(spec.key);
    CHECK_THAT(text.str(), Contains(std::string(spec.key)));
  }
  auto c = load_config(example, env_of({}));
  CHECK(c.settings.empty());
}
