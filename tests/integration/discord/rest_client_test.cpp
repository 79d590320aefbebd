// Tend's Discord REST client against the emulator over real loopback sockets.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "bot/platform/discord/interactions.hpp"
#include "bot/platform/discord/rest_client.hpp"
#include "tests/emulator/discord/discord_emulator.hpp"

using namespace tend::discord;
using tend::emulator::DiscordEmulator;
using Status = tend::platform::SendResult::Status;
using json = nlohmann::json;
namespace asio = boost::asio;

namespace {

template <class F>
auto run(asio::io_context& io, F coroutine) {
  auto result = asio::co_spawn(io, coroutine(), asio::use_future);
  io.restart();
  io.run();
  return result.get();
}

const std::string kKey = "signing-key";

}  // namespace

TEST_CASE("gateway/bot names the URL and the IDENTIFY budget; a wrong token is a 401") {
  DiscordEmulator emulator;
  asio::io_context io;
  RestClient rest(io.get_executor(), emulator.api_base(), emulator.options().token);
  auto info = run(io, [&]() { return rest.gateway_bot(); });
  REQUIRE(info.ok());
  CHECK(info.url == emulator.gateway_url());
  CHECK(info.session_starts_total == 1000);
  CHECK(info.session_starts_remaining == 1000);
  CHECK(emulator.calls("GET /gateway/bot").at(0).authorization == "Bot " + emulator.options().token);

  RestClient wrong(io.get_executor(), emulator.api_base(), "wrong");
  auto refused = run(io, [&]() { return wrong.gateway_bot(); });
  CHECK_FALSE(refused.ok());
  CHECK(refused.response.status == 401);
}

TEST_CASE("a DM opens its channel once, then posts the rendered message") {
  DiscordEmulator emulator;
  asio::io_context io;
  RestClient rest(io.get_executor(), emulator.api_base(), emulator.options().token);
  tend::Message message{"*Check-in* time", {{"Done", "nudge.done", "7"}}, std::nullopt};
  for (int i = 0; i < 2; ++i) {
    auto result = run(io, [&]() { return rest.send_dm("42", message_body(message, kKey)); });
    CHECK(result.status == Status::sent);
  }
  CHECK(emulator.calls("POST /users/@me/channels").size() == 1);
  auto posts = emulator.calls("POST /channels/");
  REQUIRE(posts.size() == 2);
  CHECK(posts[0].body["content"] == "**Check-in** time");
  CHECK(posts[0].body["components"][0]["components"][0]["label"] == "Done");
}

TEST_CASE("50007 is a permanent failure that says the person cannot be messaged") {
  DiscordEmulator emulator;
  emulator.block_dms("42");
  asio::io_context io;
  RestClient rest(io.get_executor(), emulator.api_base(), emulator.options().token);
  auto result = run(io, [&]() { return rest.send_dm("42", json{{"content", "hi"}}); });
  CHECK(result.status == Status::permanent_failure);
  CHECK(result.error == kCannotMessageUserText);
  CHECK(result.recipient_unreachable);
  CHECK(result.error.find(emulator.options().token) == std::string::npos);
}

TEST_CASE("the bucket's headers pace the client: it never gets a 429 it could have avoided") {
  DiscordEmulator::Options options;
  options.bucket_limit = 3;
  options.bucket_reset_after = 0.3;
  DiscordEmulator emulator(options);
  asio::io_context io;
  RestClient rest(io.get_executor(), emulator.api_base(), options.token);
  auto channel = std::get<std::string>(run(io, [&]() { return rest.open_dm("42"); }));
  for (int i = 0; i < 7; ++i) {
    auto result = run(io, [&]() {
      return rest.create_message(channel, json{{"content", std::to_string(i)}});
    });
    CHECK(result.status == Status::sent);
  }
  for (const auto& call : emulator.calls("POST /channels/")) CHECK(call.http_status == 200);
}

TEST_CASE("a 429 comes back as retry_after with Discord's float rounded up, and holds the route") {
  DiscordEmulator emulator;
  emulator.rate_limit("POST /channels/", 1, 7.25);
  asio::io_context io;
  RestClient rest(io.get_executor(), emulator.api_base(), emulator.options().token);
  auto channel = std::get<std::string>(run(io, [&]() { return rest.open_dm("42"); }));
  auto limited = run(io, [&]() { return rest.create_message(channel, json{{"content", "a"}}); });
  CHECK(limited.status == Status::retry_after);
  CHECK(limited.retry_after == std::chrono::seconds(8));
  // The limiter now holds that channel longer than the client will sleep: answered locally.
  auto held = run(io, [&]() { return rest.create_message(channel, json{{"content", "b"}}); });
  CHECK(held.status == Status::retry_after);
  CHECK(emulator.calls("POST /channels/").size() == 1);
}

TEST_CASE("interaction callbacks: answered once; a second answer is refused by Discord (40060)") {
  DiscordEmulator emulator;
  emulator.send_interaction({{"id", "777"}, {"type", 2}, {"token", "itok"}});
  asio::io_context io;
  RestClient rest(io.get_executor(), emulator.api_base(), emulator.options().token);
  auto body = callback_message(tend::Message{"ok", {}, std::nullopt}, kKey);
  CHECK(run(io, [&]() { return rest.interaction_callback("777", "itok", body); }).status == Status::sent);
  auto again = run(io, [&]() { return rest.interaction_callback("777", "itok", body); });
  CHECK(again.status == Status::permanent_failure);
  CHECK(again.error.find("40060") != std::string::npos);
  CHECK(run(io, [&]() {
          return rest.edit_original("1", "itok", json{{"content", "done"}});
        }).status == Status::sent);
  auto callbacks = emulator.calls("POST /interactions/777/itok/callback");
  REQUIRE(callbacks.size() == 2);
  CHECK(callbacks[0].body == body);
}

TEST_CASE("commands are registered with one PUT of the whole set") {
  DiscordEmulator emulator;
  asio::io_context io;
  RestClient rest(io.get_executor(), emulator.api_base(), emulator.options().token);
  auto commands =
      application_commands({{"checkin", "record how you are", {{"", "[1-5] [note…]", "check in"}}}});
  CHECK(run(io, [&]() { return rest.put_commands(emulator.options().application_id, commands); }).status ==
        Status::sent);
  auto puts = emulator.calls("PUT /applications/");
  REQUIRE(puts.size() == 1);
  CHECK(puts[0].body == commands);
}
