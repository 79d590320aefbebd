#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/file_config.hpp"

using namespace tend::config;
using Catch::Contains;

namespace {

FileConfig with_http(const std::string& table) {
  const auto path =
      std::filesystem::temp_directory_path() / ("tend-http-config-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[http]\n" << table;
  struct Remove {
    std::filesystem::path p;
    ~Remove() { std::filesystem::remove(p); }
  } remove{path};
  return load_config(path, [](const char*) -> std::optional<std::string> { return std::nullopt; });
}

std::string refusal(const std::string& table, std::string& key) {
  try {
    with_http(table);
  } catch (const ConfigError& e) {
    key = e.key;
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("[http] listen is off by default and takes an IP address and a port") {
  CHECK_FALSE(load_config(std::nullopt, [](const char*) -> std::optional<std::string> {
                return std::nullopt;
              }).http.enabled());
  const auto v4 = with_http("listen = \"127.0.0.1:8080\"\n");
  CHECK(v4.http.enabled());
  CHECK(v4.http.address == "127.0.0.1");
  CHECK(v4.http.port == 8080);
  CHECK(v4.http.read_timeout == std::chrono::seconds(10));
  CHECK(v4.http.max_connections == 64);
  const auto v6 = with_http("listen = \"[::1]:0\"\nread_timeout = \"2s\"\nmax_connections = 3\n");
  CHECK(v6.http.address == "::1");
  CHECK(v6.http.port == 0);
  CHECK(v6.http.read_timeout == std::chrono::seconds(2));
  CHECK(v6.http.max_connections == 3);
}

TEST_CASE("a bad [http] value is refused naming the key, the value and what is expected") {
  std::string key;
  for (const auto* listen : {"localhost:8080", "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:http", ":8080",
                             "::1:8080", "[::1:8080", "300.1.1.1:80"}) {
    INFO(listen);
    const auto message = refusal(std::string("listen = \"") + listen + "\"\n", key);
    CHECK(key == "http.listen");
    CHECK_THAT(message, Contains("http.listen") && Contains(listen) && Contains("127.0.0.1:8080"));
  }
  CHECK_THAT(refusal("read_timeout = \"soon\"\n", key), Contains("soon") && Contains("duration"));
  CHECK(key == "http.read_timeout");
  CHECK_THAT(refusal("max_connections = 0\n", key), Contains("1 to 10000"));
  CHECK(key == "http.max_connections");
  CHECK_THAT(refusal("port = 8080\n", key), Contains("expected listen"));
  CHECK(key == "http.port");
}
