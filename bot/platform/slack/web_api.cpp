#include "bot/platform/slack/web_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "base/backoff.hpp"
#include "bot/net/tls.hpp"

namespace tend::slack {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using json = nlohmann::json;

namespace {

// Temporary failures wait 0.5 s, 1 s, 2 s… up to 30 s, jittered.
constexpr Backoff kRetryBackoff{std::chrono::milliseconds(500), std::chrono::seconds(30)};
constexpr std::chrono::seconds kDefaultRetryAfter{30};

std::string form_encode(const json& args) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const auto& [key, value] : args.items()) {
    if (!out.empty()) out += '&';
    const auto text = value.is_string() ? value.get<std::string>() : value.dump();
    for (const auto& part : {key, std::string("="), text}) {
      if (part == "=") {
        out += '=';
        continue;
      }
      for (unsigned char c : part) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out += static_cast<char>(c);
        } else {
          out += '%';
          out += hex[c >> 4];
          out += hex[c & 15];
        }
      }
    }
  }
  return out;
}

}  // namespace

WebApi::WebApi(asio::any_io_executor executor, const std::string& base, std::string token)
    : executor_(executor), http_(executor), token_(std::move(token)) {
  auto parsed = Url::parse(base);
  if (!parsed) throw std::invalid_argument("the Slack API base must start with https:// or http://");
  base_ = *parsed;
}

WebApi::~WebApi() = default;

asio::awaitable<ApiResult> WebApi::exchange(const Url& url, const std::string& target,
                                            const std::string& content_type, const std::string& body,
                                            const std::string& authorization) {
  // Named, not a braced temporary inside co_await: GCC 12 destroys such temporaries twice.
  const net::HttpClient::Request request{http::verb::post, target, content_type, body, authorization};
  auto response = co_await http_.exchange(url, request);
  ApiResult result;
  result.http_status = response.status;
  if (response.status == 0) {
    result.error = response.error;
    co_return result;
  }
  const auto& res = response.message;
  result.body = json::parse(res.body(), nullptr, false);
  if (result.body.is_discarded()) result.body = json();
  if (result.http_status == 429) {
    result.retry_after = kDefaultRetryAfter;
    try {
      result.retry_after = std::chrono::seconds(std::stoi(std::string(res[http::field::retry_after])));
    } catch (const std::exception&) {
    }
    result.error = "ratelimited";
  } else if (result.http_status / 100 != 2) {
    result.error = "HTTP " + std::to_string(result.http_status);
  } else if (result.body.is_object()) {
    result.ok = result.body.value("ok", false);
    if (!result.ok) result.error = result.body.value("error", std::string("unknown_error"));
  } else {
    // response_url answers "ok" as plain text.
    result.ok = true;
  }
  co_return result;
}

asio::awaitable<ApiResult> WebApi::call(const std::string& method, const json& args, Retry retry, bool form) {
  const auto body = form ? form_encode(args) : args.dump(-1, ' ', false, json::error_handler_t::replace);
  const auto content_type = form ? "application/x-www-form-urlencoded" : "application/json; charset=utf-8";
  ApiResult result;
  for (int attempt = 0; attempt < std::max(1, retry.attempts); ++attempt) {
    result = co_await exchange(base_, base_.path + method, content_type, body, "Bearer " + token_);
    if (result.ok || !result.temporary() || attempt + 1 >= retry.attempts) break;
    const auto wait = result.rate_limited()
                          ? std::chrono::duration_cast<std::chrono::milliseconds>(result.retry_after)
                          : kRetryBackoff.delay(attempt);
    spdlog::warn("Slack {} failed ({}), trying again in {} ms", method, result.error, wait.count());
    asio::steady_timer timer(executor_, wait);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return result;
}

asio::awaitable<ApiResult> WebApi::post_to(const std::string& url, const json& body) {
  auto parsed = Url::parse(url);
  if (!parsed) co_return ApiResult{false, 0, {}, "not an http(s) URL", {}};
  co_return co_await exchange(*parsed, parsed->path, "application/json; charset=utf-8",
                              body.dump(-1, ' ', false, json::error_handler_t::replace), "");
}

asio::awaitable<std::optional<std::string>> WebApi::open_dm(const std::string& user_id) {
  if (auto it = dm_channels_.find(user_id); it != dm_channels_.end()) co_return it->second;
  // Arguments are named locals: GCC 12 mis-compiles braced initializers inside co_await.
  const json args{{"users", user_id}};
  auto result = co_await call("conversations.open", args);
  if (!result.ok) co_return std::nullopt;
  auto channel = result.body.value("channel", json::object()).value("id", std::string());
  if (channel.empty()) co_return std::nullopt;
  dm_channels_[user_id] = channel;
  co_return channel;
}

asio::awaitable<std::optional<platform::UserProfile>> WebApi::user_profile(const std::string& user_id) {
  const json args{{"user", user_id}};
  auto result = co_await call("users.info", args, Retry{}, /*form=*/true);
  if (!result.ok) co_return std::nullopt;
  const auto user = result.body.value("user", json::object());
  const auto profile = user.value("profile", json::object());
  platform::UserProfile out;
  const std::vector<std::string> names{
      profile.value("display_name", std::string()), profile.value("real_name", std::string()),
      user.value("real_name", std::string()), user.value("name", std::string())};
  for (const auto& name : names) {
    if (!name.empty()) {
      out.display_name = name;
      break;
    }
  }
  out.zone = user.value("tz", std::string());
  co_return out;
}

}  // namespace tend::slack
