#pragma once
// Tend on Mattermost: the WebSocket API for what people type to the bot, the REST API for what
// Tend says, and two routes on Tend's HTTP listener for what the Mattermost server sends Tend
// (slash commands and button presses).
//
// This file is I/O: Beast sockets, REST calls, the listener's handlers. What happens to the link
// (reconnect, back off, resume, give up) is decided by the connection core
// (bot/platform/connection_core.hpp); the wire formats are codec.hpp's. Events are numbered per
// connection: a repeated number is skipped, a gap makes Tend reconnect so that the server sends
// what was missed, and when the server has forgotten the connection (a new hello with a new id)
// Tend fetches the posts sent meanwhile. Every post is handled once: the router records its id
// with the reply, and a post fetched again that was handled already is not answered again.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "bot/http/routes.hpp"
#include "bot/platform/adapter.hpp"
#include "bot/platform/group_commit.hpp"
#include "bot/platform/link_driver.hpp"
#include "bot/platform/mattermost/codec.hpp"
#include "bot/platform/mattermost/rest_api.hpp"

namespace tend::mattermost {

struct MattermostOptions {
  std::string url;    // MATTERMOST_URL: the server, https:// or http://
  std::string token;  // MATTERMOST_TOKEN: the bot account's access token; never logged
  // Each custom slash command's token, by its trigger word without the slash ("checkin"). A
  // command without a token here is refused: anyone who can reach the listener could send it.
  std::map<std::string, std::string, std::less<>> command_tokens;
  // Where the Mattermost server reaches Tend's listener: buttons send their presses to
  // <callback_url>/mattermost/action.
  std::string callback_url;
  std::string signing_key;  // signs what every button carries; kept by Tend so it survives restarts
  // A socket silent this long (Tend pings it at half this) is given up and replaced.
  std::chrono::milliseconds silent_after{12000};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds drain_timeout{10000};
  // A slash command or button press not answered within this is answered at once ("working on
  // it"), and its reply follows through the command's response_url (a press: as a DM). The
  // Mattermost server waits ServiceSettings.OutgoingIntegrationRequestsTimeout, 30 s by default.
  std::chrono::milliseconds answer_within{2500};
};

class MattermostAdapter final : public platform::Adapter, private link::SocketIo {
 public:
  MattermostAdapter(boost::asio::any_io_executor executor, MattermostOptions options);
  ~MattermostAdapter() override;

  std::string platform() const override { return "mattermost"; }
  // POST /mattermost/command and POST /mattermost/action on Tend's HTTP listener.
  void add_routes(http::Routes& routes);
  // When the listener chose its port itself, buttons are sent there.
  void set_callback_url(std::string url) { options_.callback_url = std::move(url); }
  const std::string& callback_url() const { return options_.callback_url; }

  // Signs in (GET /api/v4/users/me), then serves until stop(); a refused token ends it with an
  // exception naming MATTERMOST_TOKEN and what the server answered.
  boost::asio::awaitable<void> run(platform::Dispatcher& dispatcher) override;
  void stop() override;
  boost::asio::awaitable<platform::SendResult> send(const platform::Recipient& to,
                                                    const Message& message) override;
  boost::asio::awaitable<std::optional<platform::UserProfile>> lookup_user(std::string user_id) override;
  bool link_up() const override { return link_.live(); }

  class Connection;

 private:
  struct Waiting;  // a request to the listener waiting for its batch to commit

  boost::asio::awaitable<void> sign_in();
  // Until signed in (the bot's user id is needed to open DMs), or until stop().
  boost::asio::awaitable<bool> signed_in();
  // What the connection core asks of the sockets.
  void open(link::SocketId id, const std::optional<link::Session>& resume) override;
  void ping(link::SocketId id) override;
  void retire(link::SocketId id) override;
  void close(link::SocketId id, link::Close::How how, int code) override;
  boost::asio::awaitable<void> connect(link::SocketId id, bool resuming);
  boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> connection);
  // One frame of a live socket; false when the socket must be given up (a gap in the sequence).
  bool on_frame(const std::shared_ptr<Connection>& connection, const Frame& frame);
  void on_hello(const Hello& hello, std::int64_t seq);

  // "@sam" in a command's text written "<@id|sam>", so that the router knows whom it names.
  boost::asio::awaitable<void> resolve_mentions(platform::Command& command);
  // Posts: typed commands, in batches through the router, answered by a post.
  void on_post(Post post);
  void dispatch_post(PostCommand command);
  bool seen(const std::string& post_id);
  boost::asio::awaitable<void> answer_post(PostCommand command, std::optional<Reply> reply,
                                           std::chrono::steady_clock::time_point received_at);
  // POST /api/v4/posts, again after a 429's wait or a failure's backoff, a few times.
  boost::asio::awaitable<platform::SendResult> post_with_retries(nlohmann::json body);
  // The server forgot the connection: what was posted meanwhile, fetched and handled.
  boost::asio::awaitable<void> catch_up();

  // The listener's routes.
  boost::asio::awaitable<http::Response> on_command(const http::Request& request);
  boost::asio::awaitable<http::Response> on_action(const http::Request& request);
  // The item's reply once its batch committed, or nothing after `answer_within` (the reply then
  // goes to `late`, a coroutine that delivers it some other way).
  boost::asio::awaitable<std::shared_ptr<Waiting>> handle_in_time(platform::Inbound item);
  ButtonTarget buttons_for(const std::string& user_id) const;

  boost::asio::any_io_executor executor_;
  MattermostOptions options_;
  RestApi rest_;
  net::Url socket_url_;  // the server, for WebSocket upgrades
  std::string socket_path_;
  link::Driver link_;
  platform::GroupCommit batch_;
  platform::Dispatcher* dispatcher_ = nullptr;
  Bot bot_;  // known once signed in
  bool stopping_ = false;

  std::map<link::SocketId, std::shared_ptr<Connection>> connections_;
  ResumePoint resume_;
  bool resume_refused_ = false;  // the server declined to resume: the next socket starts fresh
  bool connected_before_ = false;

  // What catching up needs: the newest post seen (the server's clock) and the ids of recent
  // posts, so a post both replayed and fetched is handled once.
  std::int64_t newest_post_at_ = 0;
  std::int64_t first_hello_at_ = 0;  // this machine's clock, when no post has been seen yet
  std::map<std::string, std::string, std::less<>> user_ids_;  // by username, once asked for
  std::deque<std::string> recent_order_;
  std::unordered_set<std::string> recent_;
  bool catching_up_ = false;
  bool catch_up_again_ = false;
};

}  // namespace tend::mattermost
