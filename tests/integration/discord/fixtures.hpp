#pragma once
// The Discord payloads in tests/fixtures/discord (copied from shared/fixtures with their sources):
// read from the repository, so that a clone alone passes its tests.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "bot/platform/discord/rest.hpp"

#ifndef TEND_REPO_FIXTURES_DIR
#define TEND_REPO_FIXTURES_DIR TEND_SOURCE_DIR "/tests/fixtures"
#endif

namespace tend::testing::discord {

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(TEND_REPO_FIXTURES_DIR) / "discord" / name, std::ios::binary);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline nlohmann::json fixture(const std::string& name) {
  return nlohmann::json::parse(read_fixture(name));
}

// A docs .http transcript ("< " prefixed status and headers, then the JSON body) as a response.
inline tend::discord::RestResponse http_fixture(const std::string& name) {
  std::istringstream in(read_fixture(name));
  tend::discord::RestResponse out;
  std::string line;
  bool in_body = false;
  while (std::getline(in, line)) {
    if (!in_body && line.rfind("< ", 0) == 0) {
      line.erase(0, 2);
      if (line.rfind("HTTP/", 0) == 0) {
        out.status = std::stoi(line.substr(line.find(' ') + 1));
        continue;
      }
      auto colon = line.find(':');
      auto name_part = line.substr(0, colon);
      for (auto& c : name_part) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name_part] = line.substr(line.find_first_not_of(' ', colon + 1));
    } else {
      in_body = true;
      out.body += line + "\n";
    }
  }
  return out;
}

}  // namespace tend::testing::discord
