#pragma once
// Tend on Discord: the Gateway for what people do (slash commands, buttons, forms arrive as
// INTERACTION_CREATE), REST for what Tend says (interaction callbacks, DMs).
//
// This file is the I/O: the gateway WebSocket, its heartbeats, the REST calls, and the batching
// of interactions to the router. What a link does when something happens to it (resume, start
// a new session, open a replacement, back off, give up) is decided by the connection core
// (bot/platform/connection_core.hpp) from the codec's notices (gateway_codec.hpp: link_notice);
// when a new session may start is decided by SessionStarts. Every interaction is answered after
// the router returned, which is after its transaction committed; one that may not be answered
// within Discord's 3 seconds is deferred first and its answer edited in afterwards.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "bot/platform/adapter.hpp"
#include "bot/platform/discord/gateway_codec.hpp"
#include "bot/platform/discord/interactions.hpp"
#include "bot/platform/discord/rest_client.hpp"
#include "bot/platform/discord/session_starts.hpp"
#include "bot/platform/group_commit.hpp"
#include "bot/platform/link_driver.hpp"

namespace tend::discord {

struct DiscordOptions {
  std::string token;           // DISCORD_TOKEN: the bot's token; sent only as its Authorization
  std::string application_id;  // DISCORD_APPLICATION_ID
  std::string api_url = "https://discord.com/api/v10";
  std::string gateway_url;  // empty: the one GET /gateway/bot names
  // The registry's families, registered as slash commands at start when they changed since the
  // last registration: `registered_hash` reads the digest stored then, `remember_hash` stores it.
  std::vector<CommandSpec> commands;
  std::function<std::optional<std::string>()> registered_hash;
  std::function<void(const std::string&)> remember_hash;
  std::string help_command = "/tend help";  // named in the answer to what Tend does not handle
  std::chrono::milliseconds max_backoff{30000};
  // An interaction already this old when it arrives, or any that arrives while the last answer
  // waited this long for its commit, is answered with a deferred response first: Discord waits 3 s.
  std::chrono::milliseconds defer_after{1000};
};

class DiscordAdapter final : public platform::Adapter, private link::SocketIo {
 public:
  DiscordAdapter(boost::asio::any_io_executor executor, DiscordOptions options);
  ~DiscordAdapter() override;

  std::string platform() const override { return "discord"; }
  // Checks the token (GET /gateway/bot), registers the commands, then serves until stop() or a
  // fatal close; a refused token or application id ends it with an exception saying which.
  boost::asio::awaitable<void> run(platform::Dispatcher& dispatcher) override;
  void stop() override;
  boost::asio::awaitable<platform::SendResult> send(const platform::Recipient& to,
                                                    const Message& message) override;
  // Interactions carry the person's name, and Discord knows no zone: nothing to look up.
  boost::asio::awaitable<std::optional<platform::UserProfile>> lookup_user(std::string) override {
    co_return std::nullopt;
  }
  bool link_up() const override { return link_.live(); }

  struct Connection;

 private:
  struct Received {
    Interaction interaction;
    std::chrono::steady_clock::time_point at;
    bool deferred = false;  // answered with type 5: the answer edits it in
    bool expired = false;   // Discord refused an answer as too late: the answer goes by DM
  };
  // Jobs run by at most `at_once` coroutines, in order.
  struct Jobs {
    explicit Jobs(int at_once) : at_once(at_once) {}
    const int at_once;
    int running = 0;
    std::deque<std::function<boost::asio::awaitable<void>()>> waiting;
  };

  boost::asio::awaitable<void> sign_in();
  boost::asio::awaitable<void> register_commands();
  // What the connection core asks of the sockets.
  void open(link::SocketId id, const std::optional<link::Session>& resume) override;
  void ping(link::SocketId id) override;
  void retire(link::SocketId id) override;
  void close(link::SocketId id, link::Close::How how, int code) override;
  boost::asio::awaitable<void> connect(link::SocketId id, std::optional<link::Session> resume);
  boost::asio::awaitable<bool> wait_for_session_start();
  boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> connection);
  void on_frame(const std::shared_ptr<Connection>& connection, GatewayFrame frame);
  void beat_after(const std::shared_ptr<Connection>& connection, std::chrono::milliseconds wait);
  void send_frame(const std::shared_ptr<Connection>& connection, std::string frame);
  boost::asio::awaitable<void> write_queued(std::shared_ptr<Connection> connection);
  boost::asio::awaitable<void> close_within(std::shared_ptr<Connection> connection, int code,
                                            std::chrono::milliseconds grace);
  // Interactions that arrive together go to the router together (group commit); each is then
  // answered on its own.
  void receive(Interaction interaction);
  boost::asio::awaitable<void> admit(Received item);
  void commit(Received item);
  boost::asio::awaitable<void> name_mentions(platform::Command& command);
  boost::asio::awaitable<void> answer(Received item, std::optional<Reply> reply);
  boost::asio::awaitable<void> answer_refused(Interaction interaction);
  // Answers go out through a few workers: a burst of interactions must not open a connection each.
  void run_in(Jobs& jobs, std::function<boost::asio::awaitable<void>()> job);
  boost::asio::awaitable<void> work(Jobs& jobs);

  boost::asio::any_io_executor executor_;
  DiscordOptions options_;
  RestClient rest_;
  link::Driver link_;
  std::map<link::SocketId, std::shared_ptr<Connection>> connections_;
  std::string gateway_url_;
  std::string resume_url_;
  std::optional<SessionStarts> session_starts_;
  boost::asio::steady_timer start_wait_;  // a new session waiting for its turn; stop() ends it
  bool stopping_ = false;
  bool connected_before_ = false;  // a session after the first counts as a reconnect

  platform::GroupCommit group_;
  // How long the last answered interaction waited for its commit: when that passes defer_after,
  // the next ones are deferred first.
  std::chrono::steady_clock::duration last_wait_{};

  Jobs answers_{16};
  Jobs late_answers_{2};  // by DM, waiting for the DM routes' rate limits
  // Interactions answered by this process (bounded): a replay after RESUME is not answered twice.
  std::unordered_set<std::string> answered_;
  std::deque<std::string> answered_order_;
  std::map<std::string, std::string> names_;  // user id -> display name, for mentions
};

}  // namespace tend::discord
