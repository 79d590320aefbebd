#include "bot/platform/mattermost/rest_api.hpp"

#include <algorithm>
#include <cctype>

namespace tend::mattermost {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

constexpr std::chrono::seconds kDefaultRetryAfter{10};

std::optional<std::chrono::seconds> seconds_in(std::string_view header) {
  if (header.empty() || header.size() > 9 ||
      !std::all_of(header.begin(), header.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  return std::chrono::seconds(std::stol(std::string(header)));
}

// Mattermost ids are 26 lowercase letters and digits; anything else would change the path.
bool is_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c); });
}

RestResult invalid_id() {
  RestResult r;
  r.http_status = 400;
  r.error = "invalid id";
  return r;
}

}  // namespace

RestApi::RestApi(asio::any_io_executor executor, const std::string& base, std::string token)
    : http_(std::move(executor)), token_(std::move(token)) {
  auto parsed = net::Url::parse(base);
  if (!parsed || base.rfind("ws", 0) == 0)
    throw std::invalid_argument("the Mattermost URL must start with https:// or http://");
  while (parsed->path.size() > 1 && parsed->path.back() == '/') parsed->path.pop_back();
  if (parsed->path == "/") parsed->path.clear();
  base_ = *parsed;
}

asio::awaitable<RestResult> RestApi::request(const net::Url& url, net::HttpClient::Request request) {
  auto response = co_await http_.exchange(url, request);
  RestResult result;
  result.http_status = response.status;
  if (response.status == 0) {
    result.error = response.error;
    co_return result;
  }
  result.body = json::parse(response.message.body(), nullptr, /*allow_exceptions=*/false);
  if (result.body.is_discarded()) result.body = json();
  if (result.ok()) co_return result;
  if (result.body.is_object() && result.body.contains("id") && result.body["id"].is_string())
    result.error = result.body["id"].get<std::string>();
  else
    result.error = "HTTP " + std::to_string(result.http_status);
  if (result.rate_limited()) {
    const auto& headers = response.message;
    result.retry_after = seconds_in(headers[http::field::retry_after])
                             .value_or(seconds_in(headers["X-RateLimit-Reset"]).value_or(kDefaultRetryAfter));
  }
  co_return result;
}

asio::awaitable<RestResult> RestApi::api(http::verb verb, std::string path, std::optional<json> body) {
  net::HttpClient::Request req;
  req.verb = verb;
  req.target = base_.path + path;
  req.authorization = "Bearer " + token_;
  if (body) {
    req.content_type = "application/json";
    req.body = body->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  co_return co_await request(base_, std::move(req));
}

// Arguments are named locals: GCC 12 destroys braced temporaries inside co_await twice.
asio::awaitable<RestResult> RestApi::me() {
  const std::optional<json> no_body;
  const std::string path = "/api/v4/users/me";
  co_return co_await api(http::verb::get, path, no_body);
}

asio::awaitable<RestResult> RestApi::user(std::string user_id) {
  if (!is_id(user_id)) co_return invalid_id();
  const std::optional<json> no_body;
  const auto path = "/api/v4/users/" + user_id;
  co_return co_await api(http::verb::get, path, no_body);
}

asio::awaitable<RestResult> RestApi::user_by_username(std::string username) {
  const bool valid = !username.empty() && username.size() <= 64 &&
                     std::all_of(username.begin(), username.end(), [](unsigned char c) {
                       return std::isalnum(c) || c == '.' || c == '-' || c == '_';
                     });
  if (!valid) co_return invalid_id();
  const std::optional<json> no_body;
  const auto path = "/api/v4/users/username/" + username;
  co_return co_await api(http::verb::get, path, no_body);
}

asio::awaitable<RestResult> RestApi::direct_channel(std::string bot_user_id, std::string user_id) {
  const std::optional<json> members = json::array({bot_user_id, user_id});
  const std::string path = "/api/v4/channels/direct";
  co_return co_await api(http::verb::post, path, members);
}

asio::awaitable<RestResult> RestApi::create_post(json body) {
  const std::optional<json> post = std::move(body);
  const std::string path = "/api/v4/posts";
  co_return co_await api(http::verb::post, path, post);
}

asio::awaitable<RestResult> RestApi::my_channels() {
  const std::optional<json> no_body;
  const std::string path = "/api/v4/users/me/channels";
  co_return co_await api(http::verb::get, path, no_body);
}

asio::awaitable<RestResult> RestApi::posts_since(std::string channel_id, std::int64_t since_ms) {
  if (!is_id(channel_id)) co_return invalid_id();
  const std::optional<json> no_body;
  const auto path = "/api/v4/channels/" + channel_id + "/posts?since=" + std::to_string(since_ms);
  co_return co_await api(http::verb::get, path, no_body);
}

asio::awaitable<RestResult> RestApi::post_to(std::string url, json body) {
  auto parsed = net::Url::parse(url);
  if (!parsed || url.rfind("ws", 0) == 0) {
    RestResult r;
    r.error = "not an http(s) URL";
    co_return r;
  }
  net::HttpClient::Request req;
  req.verb = http::verb::post;
  req.target = parsed->path;
  req.content_type = "application/json";
  req.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  co_return co_await request(*parsed, std::move(req));
}

asio::awaitable<RestResult> RestApi::open_dm(std::string bot_user_id, std::string user_id) {
  if (auto it = dm_channels_.find(user_id); it != dm_channels_.end()) {
    RestResult cached;
    cached.http_status = 200;
    cached.body = {{"id", it->second}};
    co_return cached;
  }
  auto result = co_await direct_channel(bot_user_id, user_id);
  if (result.ok()) {
    const auto id = result.body.is_object() ? result.body.value("id", std::string()) : std::string();
    if (id.empty()) {
      result.http_status = 502;
      result.error = "channel without an id";
    } else {
      dm_channels_[user_id] = id;
    }
  }
  co_return result;
}

asio::awaitable<std::optional<platform::UserProfile>> RestApi::user_profile(std::string user_id) {
  auto result = co_await user(std::move(user_id));
  if (!result.ok() || !result.body.is_object()) co_return std::nullopt;
  co_return profile_of(result.body);
}

asio::awaitable<platform::SendResult> RestApi::send(std::string bot_user_id, platform::Recipient to,
                                                    Message message, ButtonTarget buttons) {
  std::string channel = to.id;
  if (to.kind == platform::Recipient::Kind::person) {
    auto person = to.id;
    auto dm = co_await open_dm(std::move(bot_user_id), std::move(person));
    if (!dm.ok()) co_return send_result_of(dm);
    channel = dm.body["id"].get<std::string>();
    buttons.user_id = to.id;
  }
  auto body = post_body(message, channel, buttons);
  auto posted = co_await create_post(std::move(body));
  co_return send_result_of(posted);
}

platform::SendResult send_result_of(const RestResult& result) {
  using Status = platform::SendResult::Status;
  platform::SendResult out;
  if (result.ok()) return out;
  out.error = result.error;
  if (result.rate_limited()) {
    out.status = Status::retry_after;
    out.retry_after = result.retry_after;
  } else {
    out.status = result.temporary() ? Status::temporary_failure : Status::permanent_failure;
  }
  return out;
}

}  // namespace tend::mattermost
