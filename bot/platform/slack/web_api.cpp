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

constexpr std::chrono::seconds kIoTimeout{30};
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

std::optional<Url> Url::parse(const std::string& text) {
  Url url;
  std::string rest;
  if (text.rfind("https://", 0) == 0 || text.rfind("wss://", 0) == 0) {
    url.tls = true;
    rest = text.substr(text.find("://") + 3);
  } else if (text.rfind("http://", 0) == 0 || text.rfind("ws://", 0) == 0) {
    url.tls = false;
    rest = text.substr(text.find("://") + 3);
  } else {
    return std::nullopt;
  }
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  url.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  url.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  url.port = colon == std::string::npos ? (url.tls ? "443" : "80") : authority.substr(colon + 1);
  if (url.host.empty() || url.port.empty()) return std::nullopt;
  return url;
}

struct WebApi::Connection {
  std::string key;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*secure); }
};

WebApi::WebApi(asio::any_io_executor executor, const std::string& base, std::string token)
    : executor_(executor), token_(std::move(token)) {
  auto parsed = Url::parse(base);
  if (!parsed) throw std::invalid_argument("the Slack API base must start with https:// or http://");
  base_ = *parsed;
}

WebApi::~WebApi() = default;

asio::awaitable<ApiResult> WebApi::exchange(const Url& url, const std::string& target,
                                            const std::string& content_type, const std::string& body,
                                            const std::string& authorization) {
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "tend");
  req.set(http::field::content_type, content_type);
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  const auto key = (url.tls ? "tls:" : "tcp:") + url.host + ":" + url.port;

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn;
    bool fresh = false;
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if ((*it)->key == key) {
        conn = std::move(*it);
        idle_.erase(it);
        break;
      }
    }
    try {
      if (!conn) {
        fresh = true;
        conn = std::make_unique<Connection>();
        conn->key = key;
        asio::ip::tcp::resolver resolver(executor_);
        auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
        if (url.tls) {
          conn->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor_, net::client_tls());
          net::expect_host(*conn->secure, url.host);
          conn->lowest().expires_after(kIoTimeout);
          co_await conn->lowest().async_connect(endpoints, asio::use_awaitable);
          co_await conn->secure->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
        } else {
          conn->plain = std::make_unique<beast::tcp_stream>(executor_);
          conn->lowest().expires_after(kIoTimeout);
          co_await conn->lowest().async_connect(endpoints, asio::use_awaitable);
        }
        ++connections_opened_;
      }
      conn->lowest().expires_after(kIoTimeout);
      http::response<http::string_body> res;
      if (conn->plain) {
        co_await http::async_write(*conn->plain, req, asio::use_awaitable);
        co_await http::async_read(*conn->plain, conn->buffer, res, asio::use_awaitable);
      } else {
        co_await http::async_write(*conn->secure, req, asio::use_awaitable);
        co_await http::async_read(*conn->secure, conn->buffer, res, asio::use_awaitable);
      }
      conn->lowest().expires_never();
      if (res.keep_alive()) idle_.push_back(std::move(conn));

      ApiResult result;
      result.http_status = static_cast<int>(res.result_int());
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
    } catch (const beast::system_error& e) {
      // A reused keep-alive connection the server closed meanwhile: try once on a new one.
      if (!fresh) continue;
      ApiResult failed;
      failed.error = "network: " + e.code().message();
      co_return failed;
    }
  }
  co_return ApiResult{false, 0, {}, "network: connection lost", {}};
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
