#pragma once
// The Mattermost payloads in tests/fixtures/mattermost (copied from shared/fixtures with their
// sources): read from the repository, so that a clone alone passes its tests.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#ifndef TEND_REPO_FIXTURES_DIR
#define TEND_REPO_FIXTURES_DIR TEND_SOURCE_DIR "/tests/fixtures"
#endif

namespace tend::testing::mattermost {

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(TEND_REPO_FIXTURES_DIR) / "mattermost" / name);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline nlohmann::json fixture(const std::string& name) {
  return nlohmann::json::parse(read_fixture(name));
}

// The body of an .http fixture; the docs wrap form bodies after each '&', the wire does not.
inline std::string http_body(const std::string& name, bool join_lines) {
  auto text = read_fixture(name);
  auto body = text.substr(text.find("\n\n") + 2);
  if (join_lines) std::erase(body, '\n');
  return body;
}

}  // namespace tend::testing::mattermost
