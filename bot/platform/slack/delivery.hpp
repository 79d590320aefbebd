#pragma once
// What the outbox sender needs from Slack: deliver one message to a person (by DM) or a channel
// and say how it went, without sleeping on a 429 (the sender paces and honours Retry-After per
// channel), and look people up.
#include <boost/asio/awaitable.hpp>
#include <optional>

#include "bot/platform/adapter.hpp"
#include "bot/platform/slack/web_api.hpp"

namespace tend::slack {

class Delivery final : public platform::Delivery {
 public:
  explicit Delivery(WebApi& api) : api_(api) {}
  boost::asio::awaitable<platform::SendResult> send(const platform::Recipient& to,
                                                    const Message& message) override;
  boost::asio::awaitable<std::optional<platform::UserProfile>> lookup_user(std::string user_id) override {
    co_return co_await api_.user_profile(user_id);
  }

 private:
  WebApi& api_;
};

// How a Web API answer reads to the outbox sender.
platform::SendResult to_send_result(const ApiResult& result);

}  // namespace tend::slack
