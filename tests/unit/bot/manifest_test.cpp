// The Slack app manifest an admin installs from must offer every command the router knows, and
// nothing it does not, with the scopes the Web API calls Tend makes need.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "commands/families.hpp"
#include "commands/registry.hpp"

using namespace tend;
using Catch::Contains;

TEST_CASE(
    "the Slack manifest offers exactly the router's commands, with Socket Mode and the scopes Tend uses") {
  std::ifstream in(std::filesystem::path(TEND_SOURCE_DIR) / "config" / "slack-manifest.yaml");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const auto manifest = text.str();

  std::set<std::string> in_manifest;
  const std::regex command(R"(- command: /([a-z_-]+))");
  for (auto it = std::sregex_iterator(manifest.begin(), manifest.end(), command);
       it != std::sregex_iterator(); ++it)
    in_manifest.insert((*it)[1]);

  commands::Registry registry;
  commands::add_all(registry);
  std::set<std::string> routed;
  for (const auto& family : registry.families()) routed.insert(family.name);
  CHECK(in_manifest == routed);

  CHECK_THAT(manifest, Contains("socket_mode_enabled: true"));
  CHECK_THAT(manifest, Contains("home_tab_enabled: true"));
  CHECK_THAT(manifest, Contains("app_home_opened"));
  // commands: slash-commands; chat:write: chat.postMessage/postEphemeral; im:write:
  // conversations.open for DMs; users:read: users.info for names and time zones.
  for (const auto* scope : {"- commands", "- chat:write", "- im:write", "- users:read"})
    CHECK_THAT(manifest, Contains(scope));
}
