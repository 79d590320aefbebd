// Mattermost is chosen by its credentials or by platform = "mattermost"; it needs the HTTP listener
// (slash commands and buttons are requests from the server to Tend) and an address buttons can
// send their presses to; slash-command tokens come from the environment or the file.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "config/file_config.hpp"

using namespace tend::config;
using Catch::Contains;

namespace {

using Env = std::map<std::string, std::string>;

const Env kCredentials = {{"MATTERMOST_URL", "https://chat.example.org"},
                          {"MATTERMOST_TOKEN", "mm-secret-token"}};

FileConfig load(const std::string& file, const Env& env) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tend-mattermost-config-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << file;
  struct Remove {
    std::filesystem::path p;
    ~Remove() { std::filesystem::remove(p); }
  } remove{path};
  return load_config(path, [&](const char* name) -> std::optional<std::string> {
    if (auto it = env.find(name); it != env.end()) return it->second;
    return std::nullopt;
  });
}

// The refused key, with the message in `message`.
std::string refused(const std::string& file, const Env& env, std::string& message) {
  try {
    load(file, env);
  } catch (const ConfigError& e) {
    message = e.what();
    return e.key;
  }
  return "accepted";
}

}  // namespace

TEST_CASE("MATTERMOST_TOKEN chooses Mattermost; the listener and the server's address are required") {
  const auto c = load("[http]\nlisten = \"127.0.0.1:8080\"\n", kCredentials);
  CHECK(c.platform == "mattermost");
  CHECK(c.mattermost.url == "https://chat.example.org");
  CHECK(c.secrets.mattermost_token == "mm-secret-token");

  std::string message;
  CHECK(refused("", kCredentials, message) == "http.listen");
  CHECK_THAT(message, Contains("slash commands and buttons") && !Contains("mm-secret-token"));
  CHECK(refused("[http]\nlisten = \"127.0.0.1:8080\"\n", {{"MATTERMOST_TOKEN", "t"}}, message) ==
        "MATTERMOST_URL");
  CHECK(refused("platform = \"mattermost\"\n[http]\nlisten = \"127.0.0.1:8080\"\n",
                {{"MATTERMOST_URL", "https://chat.example.org"}}, message) == "MATTERMOST_TOKEN");
  CHECK(refused("[http]\nlisten = \"127.0.0.1:8080\"\n",
                {{"MATTERMOST_URL", "wss://chat.example.org"}, {"MATTERMOST_TOKEN", "t"}},
                message) == "MATTERMOST_URL");
  // Both platforms' credentials: Tend does not guess.
  auto both = kCredentials;
  both["SLACK_APP_TOKEN"] = "xapp-1";
  both["SLACK_BOT_TOKEN"] = "xoxb-1";
  CHECK(refused("[http]\nlisten = \"127.0.0.1:8080\"\n", both, message) == "platform");
  CHECK(load("platform = \"mattermost\"\n[http]\nlisten = \"127.0.0.1:8080\"\n", both).platform ==
        "mattermost");
}

TEST_CASE("buttons need an address the server can reach: callback_url, or http://<listen>") {
  std::string message;
  CHECK(refused("[http]\nlisten = \"0.0.0.0:8080\"\n", kCredentials, message) == "mattermost.callback_url");
  CHECK_THAT(message, Contains("0.0.0.0"));
  const auto c =
      load("[mattermost]\ncallback_url = \"http://10.0.0.5:8080/\"\n[http]\nlisten = \"0.0.0.0:8080\"\n",
           kCredentials);
  CHECK(c.mattermost.callback_url == "http://10.0.0.5:8080");
  CHECK(refused("[mattermost]\ncallback_url = \"10.0.0.5:8080\"\n[http]\nlisten = \"0.0.0.0:8080\"\n",
                kCredentials, message) == "mattermost.callback_url");
  CHECK(refused("[mattermost]\ntoken = \"x\"\n[http]\nlisten = \"127.0.0.1:8080\"\n", kCredentials,
                message) == "mattermost.token");
  CHECK_THAT(message, Contains("MATTERMOST_TOKEN"));
}

TEST_CASE("slash-command tokens come from the file or, overriding it, from the environment") {
  auto env = kCredentials;
  env["MATTERMOST_CHECKIN_TOKEN"] = "from-env";
  const auto c = load(
      "[mattermost]\nurl = \"http://mm.internal:8065\"\ncommand_tokens = { checkin = \"from-file\", story = "
      "\"s\" "
      "}\n[http]\nlisten = \"127.0.0.1:8080\"\n",
      env);
  CHECK(c.secrets.mattermost_command_tokens.at("checkin") == "from-env");
  CHECK(c.secrets.mattermost_command_tokens.at("story") == "s");
  CHECK_FALSE(c.secrets.mattermost_command_tokens.contains("tend"));
  // MATTERMOST_URL overrides the file's url.
  CHECK(c.mattermost.url == "https://chat.example.org");
  std::string message;
  CHECK(refused("[mattermost]\ncommand_tokens = { chekin = \"x\" }\n[http]\nlisten = \"127.0.0.1:8080\"\n",
                kCredentials, message) == "mattermost.command_tokens.chekin");
}
