#pragma once
// Tend on Slack: Socket Mode for what people do, the Web API for what Tend says.
//
// One supervisor loop keeps exactly one live Socket Mode connection. When Slack asks for a
// refresh (disconnect: refresh_requested or warning) the next connection is opened before the
// old one is closed, and the old one is closed only once its in-flight envelopes are
// acknowledged, so never more than two are open. Every envelope is acknowledged after the
// router returned, which is after its transaction committed; a socket that carries nothing,
// not even a pong, for `silent_after` is replaced.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/platform/adapter.hpp"
#include "bot/platform/slack/codec.hpp"
#include "bot/platform/slack/delivery.hpp"
#include "bot/platform/slack/web_api.hpp"

namespace tend::slack {

struct SlackOptions {
  std::string app_token;  // xapp-…, for apps.connections.open only
  std::string bot_token;  // xoxb-…, for everything else
  std::string api_url = "https://slack.com/api/";
  // A socket silent this long (Tend pings it at half this) is given up and replaced: a dead
  // link is noticed in 12 s, inside the 15 s Tend promises.
  std::chrono::milliseconds silent_after{12000};
  // Failed connects wait 0.5 s, 1 s, 2 s… up to this, with jitter.
  std::chrono::milliseconds max_backoff{30000};
  // A retiring connection waits this long for its in-flight envelopes before it is closed anyway.
  std::chrono::milliseconds drain_timeout{10000};
};

class SlackAdapter final : public platform::Adapter {
 public:
  SlackAdapter(boost::asio::any_io_executor executor, SlackOptions options);
  ~SlackAdapter() override;

  std::string platform() const override { return "slack"; }
  // Checks both tokens, then serves until stop() or until Slack disables the link; a refused
  // token or a disabled link ends it with an exception saying which and what Slack answered.
  boost::asio::awaitable<void> run(platform::Dispatcher& dispatcher) override;
  void stop() override;
  boost::asio::awaitable<platform::SendResult> send(const platform::Recipient& to,
                                                    const Message& message) override {
    return delivery_.send(to, message);
  }
  boost::asio::awaitable<std::optional<platform::UserProfile>> lookup_user(std::string user_id) override {
    co_return co_await bot_api_.user_profile(user_id);
  }
  bool link_up() const override { return live_connections() > 0; }

  class Connection;

 private:
  boost::asio::awaitable<void> check_tokens();
  boost::asio::awaitable<void> open_connection();
  boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> connection);
  // Envelopes that arrive together go to the router together: one transaction, one commit, and
  // then each is acknowledged (group commit).
  void receive(const std::shared_ptr<Connection>& connection, Envelope envelope);
  boost::asio::awaitable<void> handle_pending();
  boost::asio::awaitable<void> respond(std::shared_ptr<Connection> connection, Envelope envelope,
                                       std::optional<Reply> reply,
                                       std::chrono::steady_clock::time_point received_at);
  boost::asio::awaitable<void> answer(const std::string& user_id, const std::string& response_url,
                                      const Message& reply);
  void on_disconnect(const std::shared_ptr<Connection>& connection, const std::string& reason);
  void retire(const std::shared_ptr<Connection>& connection);
  int live_connections() const;
  void wake();
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds at_most);

  boost::asio::any_io_executor executor_;
  SlackOptions options_;
  WebApi bot_api_;
  WebApi app_api_;
  Delivery delivery_;
  boost::asio::steady_timer wake_timer_;
  bool woken_ = false;
  bool stopping_ = false;
  bool replace_wanted_ = false;
  std::string fatal_;  // why Tend must stop, when Slack said so
  platform::Dispatcher* dispatcher_ = nullptr;
  std::vector<std::shared_ptr<Connection>> connections_;
  struct Received {
    std::shared_ptr<Connection> connection;
    Envelope envelope;
    std::chrono::steady_clock::time_point at;  // for the ack latency metric
  };
  static constexpr std::size_t kMaxBatch = 256;
  std::vector<Received> pending_;
  bool handling_ = false;
  int next_connection_id_ = 1;
  bool connected_before_ = false;  // a connection after the first counts as a reconnect
};

}  // namespace tend::slack
