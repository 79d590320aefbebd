#include "bot/platform/discord/rest_client.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

namespace tend::discord {
namespace {

namespace asio = boost::asio;
using boost::beast::http::verb;
using json = nlohmann::json;

json body_of(const RestResponse& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json() : j;
}

}  // namespace

RestClient::RestClient(asio::any_io_executor executor, const std::string& base, std::string token)
    : executor_(executor), http_(executor), authorization_("Bot " + std::move(token)) {
  auto url = net::Url::parse(base);
  if (!url) throw std::invalid_argument("Discord API base is not an http(s) URL");
  base_ = *url;
  while (!base_.path.empty() && base_.path.back() == '/') base_.path.pop_back();
}

asio::awaitable<RestResponse> RestClient::request(verb method, const Route& route, std::string path,
                                                  const json* body) {
  auto wait = limiter_.wait_before(route, std::chrono::steady_clock::now());
  if (wait > kMaxWait) {
    RestResponse held{429,
                      {},
                      json{{"message", "held by Tend's rate limiter"},
                           {"retry_after", wait.count() / 1000.0},
                           {"global", false}}
                          .dump()};
    co_return held;
  }
  if (wait.count() > 0) {
    asio::steady_timer timer(executor_, wait);
    co_await timer.async_wait(asio::use_awaitable);
  }
  net::HttpClient::Request req;
  req.verb = method;
  req.target = base_.path + path;
  req.authorization = authorization_;
  if (body) {
    req.content_type = "application/json";
    req.body = body->dump();
  }
  limiter_.sent(route, std::chrono::steady_clock::now());
  auto answer = co_await http_.exchange(base_, req);
  RestResponse out;
  out.status = answer.status;
  if (answer.status == 0) {
    out.body = json{{"message", answer.error}}.dump();
    co_return out;
  }
  for (const auto& field : answer.message) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.body = std::move(answer.message.body());
  limiter_.observe(route, out, std::chrono::steady_clock::now());
  co_return out;
}

asio::awaitable<GatewayBot> RestClient::gateway_bot() {
  GatewayBot out;
  const Route route{"GET", "/gateway/bot", ""};
  out.response = co_await request(verb::get, route, "/gateway/bot", nullptr);
  auto body = body_of(out.response);
  if (out.response.status != 200 || !body.is_object()) co_return out;
  out.url = body.value("url", "");
  auto limit = body.value("session_start_limit", json::object());
  if (limit.is_object()) {
    out.session_starts_total = limit.value("total", 0);
    out.session_starts_remaining = limit.value("remaining", 0);
    out.session_starts_reset_after = std::chrono::milliseconds(limit.value("reset_after", 0));
    out.max_concurrency = limit.value("max_concurrency", 1);
  }
  co_return out;
}

asio::awaitable<std::variant<std::string, platform::SendResult>> RestClient::open_dm(std::string user_id) {
  if (auto it = dm_channels_.find(user_id); it != dm_channels_.end()) co_return it->second;
  json body = {{"recipient_id", user_id}};
  const Route route{"POST", "/users/@me/channels", ""};
  auto response = co_await request(verb::post, route, "/users/@me/channels", &body);
  auto result = classify_response(response);
  if (result.status != platform::SendResult::Status::sent) co_return result;
  auto channel = body_of(response);
  auto id = channel.is_object() ? channel.value("id", "") : std::string();
  if (id.empty()) {
    platform::SendResult failed{platform::SendResult::Status::temporary_failure, {}, "DM channel without id"};
    co_return failed;
  }
  dm_channels_[user_id] = id;
  co_return id;
}

asio::awaitable<platform::SendResult> RestClient::create_message(std::string channel_id, json body) {
  const Route route{"POST", "/channels/{channel_id}/messages", channel_id};
  const auto path = "/channels/" + channel_id + "/messages";
  auto response = co_await request(verb::post, route, path, &body);
  co_return classify_response(response);
}

asio::awaitable<platform::SendResult> RestClient::send_dm(std::string user_id, json body) {
  auto channel = co_await open_dm(user_id);
  if (auto* failed = std::get_if<platform::SendResult>(&channel)) co_return *failed;
  auto channel_id = std::get<std::string>(channel);
  co_return co_await create_message(std::move(channel_id), std::move(body));
}

asio::awaitable<platform::SendResult> RestClient::interaction_callback(std::string interaction_id,
                                                                       std::string interaction_token,
                                                                       json body) {
  const Route route{"POST", "/interactions/{id}/{token}/callback", interaction_id, true};
  const auto path = "/interactions/" + interaction_id + "/" + interaction_token + "/callback";
  auto response = co_await request(verb::post, route, path, &body);
  co_return classify_response(response);
}

asio::awaitable<platform::SendResult> RestClient::edit_original(std::string application_id,
                                                                std::string interaction_token, json body) {
  const Route route{"PATCH", "/webhooks/{id}/{token}/messages/@original", interaction_token, true};
  const auto path = "/webhooks/" + application_id + "/" + interaction_token + "/messages/@original";
  auto response = co_await request(verb::patch, route, path, &body);
  co_return classify_response(response);
}

asio::awaitable<platform::SendResult> RestClient::put_commands(std::string application_id, json commands) {
  const Route route{"PUT", "/applications/{id}/commands", application_id};
  const auto path = "/applications/" + application_id + "/commands";
  auto response = co_await request(verb::put, route, path, &commands);
  co_return classify_response(response);
}

}  // namespace tend::discord
