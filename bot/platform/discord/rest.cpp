#include "bot/platform/discord/rest.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace tend::discord {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

std::optional<double> number_header(const RestResponse& r, const std::string& name) {
  auto it = r.headers.find(name);
  if (it == r.headers.end()) return std::nullopt;
  try {
    std::size_t used = 0;
    auto value = std::stod(it->second, &used);
    if (used == 0 || !std::isfinite(value) || value < 0) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string header(const RestResponse& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

milliseconds seconds_to_ms(double seconds) {
  return milliseconds(static_cast<std::int64_t>(std::ceil(std::min(seconds, 86400.0) * 1000.0)));
}

json body_json(const RestResponse& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() ? j : json::object();
}

}  // namespace

std::string RateLimiter::bucket_key(const Route& route) const {
  auto route_key = route.method + " " + route.path;
  auto it = bucket_of_route_.find(route_key);
  // Until Discord names the bucket, the route itself stands for it.
  return (it == bucket_of_route_.end() ? route_key : it->second) + "|" + route.major;
}

milliseconds RateLimiter::wait_before(const Route& route, SteadyTime now) const {
  milliseconds wait{0};
  auto until = [&](SteadyTime t) {
    if (t > now) wait = std::max(wait, std::chrono::ceil<milliseconds>(t - now));
  };
  if (!route.interaction) {
    until(global_until_);
    if (sent_this_second_ >= kGlobalPerSecond) until(second_start_ + std::chrono::seconds(1));
  }
  if (auto it = buckets_.find(bucket_key(route)); it != buckets_.end() && it->second.remaining <= 0)
    until(it->second.reset_at);
  return wait;
}

void RateLimiter::sent(const Route& route, SteadyTime now) {
  if (!route.interaction) {
    if (now - second_start_ >= std::chrono::seconds(1)) {
      second_start_ = now;
      sent_this_second_ = 0;
    }
    ++sent_this_second_;
  }
  if (auto it = buckets_.find(bucket_key(route)); it != buckets_.end()) {
    if (now >= it->second.reset_at) it->second.remaining = std::max(it->second.remaining, 1);
    --it->second.remaining;
  }
}

void RateLimiter::observe(const Route& route, const RestResponse& response, SteadyTime now) {
  if (auto bucket = header(response, "x-ratelimit-bucket"); !bucket.empty())
    bucket_of_route_[route.method + " " + route.path] = bucket;
  auto key = bucket_key(route);
  auto remaining = number_header(response, "x-ratelimit-remaining");
  auto reset_after = number_header(response, "x-ratelimit-reset-after");
  if (remaining && reset_after)
    buckets_[key] = {static_cast<int>(*remaining), now + seconds_to_ms(*reset_after)};
  if (response.status != 429) return;
  auto wait = retry_after(response).value_or(milliseconds(1000));
  auto body = body_json(response);
  auto scope = header(response, "x-ratelimit-scope");
  bool global = header(response, "x-ratelimit-global") == "true" || scope == "global" ||
                (body.contains("global") && body["global"] == true);
  if (global) {
    global_until_ = std::max(global_until_, now + wait);
    return;
  }
  // A shared-resource 429 is not counted against Tend, but the resource still may not be called.
  auto& bucket = buckets_[key];
  bucket.remaining = 0;
  bucket.reset_at = std::max(bucket.reset_at, now + wait);
}

std::optional<milliseconds> retry_after(const RestResponse& response) {
  auto body = body_json(response);
  if (auto it = body.find("retry_after"); it != body.end() && it->is_number() && it->get<double>() >= 0)
    return seconds_to_ms(it->get<double>());
  if (auto header_value = number_header(response, "retry-after")) return seconds_to_ms(*header_value);
  return std::nullopt;
}

int error_code(const RestResponse& response) {
  auto body = body_json(response);
  auto it = body.find("code");
  return it != body.end() && it->is_number_integer() ? it->get<int>() : 0;
}

platform::SendResult classify_response(const RestResponse& response) {
  using Status = platform::SendResult::Status;
  platform::SendResult out;
  auto status = response.status;
  if (status >= 200 && status < 300) return out;
  auto body = body_json(response);
  auto code = error_code(response);
  out.error = "HTTP " + std::to_string(status);
  if (code != 0) out.error += " code " + std::to_string(code);
  if (auto it = body.find("message"); it != body.end() && it->is_string())
    out.error += ": " + it->get<std::string>();
  if (status == 0) {
    out.status = Status::temporary_failure;
  } else if (status == 429) {
    out.status = Status::retry_after;
    out.retry_after =
        std::chrono::ceil<std::chrono::seconds>(retry_after(response).value_or(milliseconds(1000)));
  } else if (status >= 500) {
    out.status = Status::temporary_failure;
  } else {
    // 400 with 50007 (DMs closed or no shared server), 401 bad token, 403 missing access, 404 unknown
    // channel: sending again would fail again.
    out.status = Status::permanent_failure;
    if (code == kUnknownInteraction) out.error = std::string(kInteractionExpiredText);
    if (code == kCannotMessageUser) {
      out.error = std::string(kCannotMessageUserText);
      out.recipient_unreachable = true;
    }
  }
  return out;
}

}  // namespace tend::discord
