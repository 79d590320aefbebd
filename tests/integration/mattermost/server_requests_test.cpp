// The emulator plays the Mattermost server's side of slash commands and buttons: its POSTs reach
// a listener over a real socket, and Tend's codec reads them, checks the command token and the
// button's signature, and answers.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <functional>

#include "bot/platform/mattermost/codec.hpp"
#include "bot/platform/mattermost/rest_api.hpp"
#include "tests/emulator/mattermost/mattermost_emulator.hpp"
#include "tests/integration/slack/run_to_completion.hpp"

using namespace tend;
using namespace tend::mattermost;
using testing::run;
using json = nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

const std::string kAda = "ada0000000000000000000000a";
const std::string kCommandToken = "checkin-command-token";
const std::string kKey = "tend-signing-key";

struct Received {
  std::string target;
  std::string content_type;
  std::string authorization;
  std::string body;
};

// One request, answered with what `answer` makes of it: a stand-in for Tend's listener.
class OneShotListener {
 public:
  explicit OneShotListener(asio::io_context& io) : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {}
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }
  asio::awaitable<Received> serve(std::function<std::pair<int, json>(const Received&)> answer) {
    auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    co_await http::async_read(stream, buffer, req, asio::use_awaitable);
    Received got{std::string(req.target()), std::string(req[http::field::content_type]),
                 std::string(req[http::field::authorization]), req.body()};
    const auto [status, body] = answer(got);
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.body() = body.dump();
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::use_awaitable);
    co_return got;
  }

 private:
  asio::ip::tcp::acceptor acceptor_;
};

// What Tend's listener will do with a slash command: check the token, answer ephemerally.
std::pair<int, json> answer_command(const Received& got) {
  const auto decoded = decode_slash_command(got.body, got.authorization);
  if (!std::holds_alternative<SlashCommand>(decoded)) return {400, json::object()};
  const auto& slash = std::get<SlashCommand>(decoded);
  if (!tokens_equal(slash.token, kCommandToken)) return {401, json::object()};
  return {200, command_response(Message{"Checked in: " + slash.command.text, {}, {}}, {"", kKey, ""})};
}

}  // namespace

TEST_CASE("a slash command reaches the listener as the server sends it, and its answer comes back") {
  emulator::MattermostEmulator mm;
  mm.set_user(kAda, {"ada", "", "", "", true, "", ""});
  asio::io_context io;
  OneShotListener listener(io);
  auto answer = mm.post_slash_command(listener.url("/mattermost/command"),
                                      {kAda, "/checkin", "4 good day & more", kCommandToken, ""});
  const auto got = run(io, listener.serve(answer_command));
  CHECK(got.target == "/mattermost/command");
  CHECK(got.content_type == "application/x-www-form-urlencoded");
  CHECK(got.authorization == "Token " + kCommandToken);
  const auto reply = answer.get();
  CHECK(reply.status == 200);
  const auto body = json::parse(reply.body);
  CHECK(body["response_type"] == "ephemeral");
  CHECK(body["text"] == "Checked in: 4 good day & more");

  const auto decoded = std::get<SlashCommand>(decode_slash_command(got.body));
  CHECK(decoded.command.name == "checkin");
  CHECK(decoded.command.origin.user_id == kAda);
  CHECK(decoded.command.origin.user_name == "ada");
  CHECK(decoded.command.origin.channel_id == mm.dm_channel(kAda));
  CHECK(decoded.response_url.rfind(mm.url() + "/hooks/commands/", 0) == 0);
}

TEST_CASE("a slash command with another command's token is refused") {
  emulator::MattermostEmulator mm;
  asio::io_context io;
  OneShotListener listener(io);
  auto answer = mm.post_slash_command(listener.url("/mattermost/command"),
                                      {kAda, "/checkin", "4", "story-command-token", ""});
  run(io, listener.serve(answer_command));
  CHECK(answer.get().status == 401);
}

TEST_CASE(
    "a press of Tend's button reaches the listener with its signed context; a forged one does not verify") {
  emulator::MattermostEmulator mm;
  mm.set_user(kAda, {"ada", "", "", "", true, "", ""});
  asio::io_context io;
  OneShotListener listener(io);
  RestApi api(io.get_executor(), mm.url(), mm.options().bot_token);
  const Message nudge{
      "Time for your check-in", {{"Done", "nudge.done", "41"}, {"Snooze 1 day", "nudge.snooze", "41"}}, {}};
  REQUIRE(run(io, api.send(mm.options().bot_user_id, {platform::Recipient::Kind::person, kAda}, nudge,
                           {listener.url("/mattermost/action"), kKey, ""}))
              .status == platform::SendResult::Status::sent);
  const auto post = mm.posts().at(0);

  std::optional<platform::Action> pressed;
  auto answer = mm.press(post, 1, kAda);
  run(io, listener.serve([&](const Received& got) -> std::pair<int, json> {
    auto decoded = decode_action(got.body, kKey);
    if (!std::holds_alternative<ActionRequest>(decoded)) return {403, json::object()};
    pressed = std::get<ActionRequest>(decoded).action;
    return {200, action_response(Message{"Snoozed until tomorrow.", {}, {}}, {"", kKey, ""}, true)};
  }));
  REQUIRE(pressed);
  CHECK(pressed->action_id == "nudge.snooze");
  CHECK(pressed->value == "41");
  CHECK(pressed->origin.user_id == kAda);
  CHECK(pressed->origin.channel_id == mm.dm_channel(kAda));
  CHECK(json::parse(answer.get().body)["update"]["message"] == "Snoozed until tomorrow.");

  // Someone crafting their own request with a made-up context.
  auto forged =
      mm.action_request(kAda, {{"action_id", "nudge.done"}, {"value", "41"}, {"sig", std::string(64, '0')}},
                        post["id"], post["channel_id"]);
  OneShotListener second(io);
  auto refused = mm.post_action(second.url("/mattermost/action"), forged);
  run(io, second.serve([&](const Received& got) -> std::pair<int, json> {
    return {std::holds_alternative<ActionRequest>(decode_action(got.body, kKey)) ? 200 : 403, json::object()};
  }));
  CHECK(refused.get().status == 403);
}

TEST_CASE("a listener that is not there: the server's request fails without an answer") {
  emulator::MattermostEmulator mm;
  const auto answer =
      mm.post_slash_command("http://127.0.0.1:1/mattermost/command", {kAda, "/checkin", "4", "t", ""}).get();
  CHECK(answer.status == 0);
  CHECK_FALSE(answer.error.empty());
}
