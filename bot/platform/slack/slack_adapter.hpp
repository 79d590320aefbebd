#pragma once
// Tend on Slack: Socket Mode for what people do, the Web API for what Tend says.
//
// This file is the I/O: Beast sockets, the Web API calls that open them, and the batching of
// envelopes to the router. What happens to the link (reconnect, back off, open a replacement
// before closing a refreshed socket, close it once its envelopes are acknowledged, give up) is
// decided by the connection core (bot/platform/connection_core.hpp); this file tells it what
// happened and does what it answers. Every envelope is acknowledged after the router returned,
// which is after its transaction committed; Beast pings a quiet socket and gives it up when it
// stays silent for `silent_after`.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/platform/adapter.hpp"
#include "bot/platform/link_driver.hpp"
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

class SlackAdapter final : public platform::Adapter, private link::SocketIo {
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
    return delivery_.lookup_user(std::move(user_id));
  }
  bool link_up() const override { return link_.live(); }

  class Connection;

 private:
  boost::asio::awaitable<void> check_tokens();
  // What the connection core asks of the sockets.
  void open(link::SocketId id, const std::optional<link::Session>& resume) override;
  void ping(link::SocketId id) override;
  void retire(link::SocketId id) override;
  void close(link::SocketId id, link::Close::How how, int code) override;
  boost::asio::awaitable<void> connect(link::SocketId id);
  boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> connection);
  void send_frame(const std::shared_ptr<Connection>& connection, std::string frame);
  boost::asio::awaitable<void> write_queued(std::shared_ptr<Connection> connection);
  // A retiring connection with nothing in flight and nothing to write tells the core so.
  void report_if_drained(const std::shared_ptr<Connection>& connection);
  // Envelopes that arrive together go to the router together: one transaction, one commit, and
  // then each is acknowledged (group commit). A batch is what has arrived when nothing more is
  // waiting to be read (or kMaxBatch): an envelope that arrives alone is handled at once.
  void receive(const std::shared_ptr<Connection>& connection, Envelope envelope);
  void handle_soon();
  boost::asio::awaitable<void> handle_pending();
  void respond(const std::shared_ptr<Connection>& connection, Envelope envelope, std::optional<Reply> reply,
               std::chrono::steady_clock::time_point received_at);
  boost::asio::awaitable<void> open_modal_then_ack(std::shared_ptr<Connection> connection, Envelope envelope,
                                                   Reply reply,
                                                   std::chrono::steady_clock::time_point received_at);
  void acknowledge(const std::shared_ptr<Connection>& connection, Envelope envelope,
                   std::optional<Reply> reply, std::chrono::steady_clock::time_point received_at,
                   bool modal_open);
  boost::asio::awaitable<void> follow_up(std::function<boost::asio::awaitable<void>()> work,
                                         std::string type);
  boost::asio::awaitable<void> answer(const std::string& user_id, const std::string& response_url,
                                      const Message& reply);

  boost::asio::any_io_executor executor_;
  SlackOptions options_;
  WebApi bot_api_;
  WebApi app_api_;
  slack::Delivery delivery_;
  link::Driver link_;
  platform::Dispatcher* dispatcher_ = nullptr;
  std::map<link::SocketId, std::shared_ptr<Connection>> connections_;
  struct Received {
    std::shared_ptr<Connection> connection;
    Envelope envelope;
    std::chrono::steady_clock::time_point at;  // for the ack latency metric
  };
  static constexpr std::size_t kMaxBatch = 256;
  std::vector<Received> pending_;
  bool handling_ = false;
  bool connected_before_ = false;  // a connection after the first counts as a reconnect
};

}  // namespace tend::slack
