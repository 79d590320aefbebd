#include "bot/platform/slack/slack_adapter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include "bot/metrics.hpp"
#include "bot/net/tls.hpp"

namespace tend::slack {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using json = nlohmann::json;

namespace {

constexpr std::chrono::seconds kHandshakeTimeout{10};

// Slack's answers that no retry will change: the token itself is wrong.
bool token_refused(const std::string& error) {
  return error == "invalid_auth" || error == "not_authed" || error == "account_inactive" ||
         error == "token_revoked" || error == "token_expired" || error == "not_allowed_token_type" ||
         error == "missing_scope";
}

struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

// One Socket Mode WebSocket. Beast allows one read and one write at a time: the read loop is
// the only reader, and frames to send queue here behind a single writer.
class SlackAdapter::Connection {
 public:
  explicit Connection(int id) : id(id) {}
  virtual ~Connection() = default;
  virtual asio::awaitable<void> open(const Url& url, std::chrono::milliseconds silent_after) = 0;
  virtual asio::awaitable<std::string> read() = 0;  // throws beast::system_error
  virtual asio::awaitable<void> write(const std::string& frame) = 0;
  virtual asio::awaitable<void> close() = 0;
  virtual void abort() = 0;

  const int id;
  bool retiring = false;  // no longer the live connection: closes once in-flight work is acked
  bool closing = false;
  int in_flight = 0;
  bool writing = false;
  std::deque<std::string> outgoing;
  std::unique_ptr<asio::steady_timer> drain_deadline;
};

namespace {

template <class Stream>
class WsConnection final : public SlackAdapter::Connection {
 public:
  template <class... Args>
  WsConnection(int id, Args&&... args) : Connection(id), ws_(std::forward<Args>(args)...) {}

  asio::awaitable<void> open(const Url& url, std::chrono::milliseconds silent_after) override {
    auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(executor);
    auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
    auto& tcp = beast::get_lowest_layer(ws_);
    tcp.expires_after(kHandshakeTimeout);
    co_await tcp.async_connect(endpoints, asio::use_awaitable);
    // An ack is one small frame that must leave at once, not wait for Nagle's algorithm.
    tcp.socket().set_option(asio::ip::tcp::no_delay(true));
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      net::expect_host(ws_.next_layer(), url.host);
      co_await ws_.next_layer().async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    }
    tcp.expires_never();
    // Beast pings when the socket has been quiet for half the idle timeout and fails the read
    // when the other half passes without a frame or a pong: a silent socket is noticed in time.
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = kHandshakeTimeout;
    timeouts.idle_timeout = silent_after;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "tend"); }));
    co_await ws_.async_handshake(url.host + ":" + url.port, url.path, asio::use_awaitable);
    ws_.text(true);
  }

  asio::awaitable<std::string> read() override {
    buffer_.clear();
    co_await ws_.async_read(buffer_, asio::use_awaitable);
    co_return beast::buffers_to_string(buffer_.data());
  }

  asio::awaitable<void> write(const std::string& frame) override {
    co_await ws_.async_write(asio::buffer(frame), asio::use_awaitable);
  }

  asio::awaitable<void> close() override {
    beast::error_code ec;
    co_await ws_.async_close(websocket::close_code::normal, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) abort();
  }

  void abort() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
};

// A retiring connection closes properly once nothing is in flight and nothing waits to be sent.
void close_if_idle(const std::shared_ptr<SlackAdapter::Connection>& connection,
                   asio::any_io_executor executor) {
  if (!connection->retiring || connection->in_flight > 0 || connection->writing || connection->closing)
    return;
  connection->closing = true;
  asio::co_spawn(executor, connection->close(), asio::detached);
}

// Sends queued frames one at a time, then closes the connection if it is retiring and idle.
asio::awaitable<void> drain(std::shared_ptr<SlackAdapter::Connection> connection,
                            asio::any_io_executor executor) {
  while (!connection->outgoing.empty()) {
    const auto frame = std::move(connection->outgoing.front());
    connection->outgoing.pop_front();
    try {
      co_await connection->write(frame);
    } catch (const std::exception& e) {
      spdlog::warn("Slack connection {}: a frame could not be sent ({})", connection->id, e.what());
      connection->outgoing.clear();
      connection->abort();
    }
  }
  connection->writing = false;
  close_if_idle(connection, executor);
}

void send_frame(const std::shared_ptr<SlackAdapter::Connection>& connection, std::string frame,
                asio::any_io_executor executor) {
  connection->outgoing.push_back(std::move(frame));
  if (connection->writing || connection->closing) return;
  connection->writing = true;
  asio::co_spawn(executor, drain(connection, executor), asio::detached);
}

}  // namespace

SlackAdapter::SlackAdapter(asio::any_io_executor executor, SlackOptions options)
    : executor_(executor),
      options_(std::move(options)),
      bot_api_(executor, options_.api_url, options_.bot_token),
      app_api_(executor, options_.api_url, options_.app_token),
      delivery_(bot_api_),
      wake_timer_(executor) {}

SlackAdapter::~SlackAdapter() = default;

void SlackAdapter::wake() {
  woken_ = true;
  wake_timer_.cancel();
}

asio::awaitable<void> SlackAdapter::sleep(std::chrono::milliseconds at_most) {
  if (!woken_) {
    wake_timer_.expires_after(at_most);
    beast::error_code ec;
    co_await wake_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  woken_ = false;
}

void SlackAdapter::stop() {
  if (stopping_) return;
  stopping_ = true;
  for (const auto& connection : connections_) retire(connection);
  wake();
}

int SlackAdapter::live_connections() const {
  return static_cast<int>(
      std::count_if(connections_.begin(), connections_.end(), [](const auto& c) { return !c->retiring; }));
}

asio::awaitable<void> SlackAdapter::check_tokens() {
  for (int attempt = 0;; ++attempt) {
    const json none = json::object();
    auto result = co_await bot_api_.call("auth.test", none);
    if (result.ok) {
      spdlog::info("Slack: signed in to workspace \"{}\" as {}", result.body.value("team", std::string()),
                   result.body.value("user", std::string()));
      co_return;
    }
    if (!result.temporary())
      throw Refused("Slack refused SLACK_BOT_TOKEN: auth.test answered \"" + result.error +
                    "\"; check the Bot User OAuth Token (xoxb-…) on the app's OAuth & Permissions page");
    const auto wait = backoff_delay(attempt, options_.max_backoff);
    spdlog::warn("Slack auth.test could not be reached ({}); trying again in {} ms", result.error,
                 wait.count());
    co_await sleep(wait);
    if (stopping_) co_return;
  }
}

asio::awaitable<void> SlackAdapter::open_connection() {
  const json none = json::object();
  auto result = co_await app_api_.call("apps.connections.open", none, WebApi::Retry{1});
  if (!result.ok) {
    if (!result.temporary() && token_refused(result.error))
      throw Refused("Slack refused SLACK_APP_TOKEN: apps.connections.open answered \"" + result.error +
                    "\"; check the App-Level Token (xapp-…, scope connections:write) on the app's Basic "
                    "Information page");
    throw std::runtime_error("apps.connections.open failed: " + result.error);
  }
  const auto url = Url::parse(result.body.value("url", std::string()));
  if (!url) throw std::runtime_error("apps.connections.open gave no WebSocket URL");

  std::shared_ptr<Connection> connection;
  if (url->tls)
    connection = std::make_shared<WsConnection<beast::ssl_stream<beast::tcp_stream>>>(
        next_connection_id_++, executor_, net::client_tls());
  else
    connection = std::make_shared<WsConnection<beast::tcp_stream>>(next_connection_id_++, executor_);
  co_await connection->open(*url, options_.silent_after);
  // Slack greets every new connection; until then it is not ready for envelopes.
  auto frame = decode_frame(co_await connection->read());
  if (!std::holds_alternative<Hello>(frame)) {
    connection->abort();
    throw std::runtime_error("Socket Mode connection did not start with hello");
  }
  spdlog::info("Slack: Socket Mode connection {} open ({} open at Slack)", connection->id,
               std::get<Hello>(frame).num_connections);
  if (connected_before_) metrics().reconnected(platform());
  connected_before_ = true;
  // The new connection is live; the ones it replaces finish their work and close.
  for (const auto& older : connections_)
    if (!older->retiring) retire(older);
  connections_.push_back(connection);
  asio::co_spawn(executor_, read_loop(connection), asio::detached);
}

void SlackAdapter::retire(const std::shared_ptr<Connection>& connection) {
  if (connection->retiring) return;
  connection->retiring = true;
  close_if_idle(connection, executor_);
  // In-flight work that never finishes must not keep a socket open for ever.
  connection->drain_deadline = std::make_unique<asio::steady_timer>(executor_, options_.drain_timeout);
  connection->drain_deadline->async_wait([connection](const beast::error_code& ec) {
    if (!ec && !connection->closing) {
      connection->closing = true;
      connection->abort();
    }
  });
}

void SlackAdapter::on_disconnect(const std::shared_ptr<Connection>& connection, const std::string& reason) {
  if (reason == "link_disabled") {
    fatal_ =
        "Slack disabled Socket Mode for this app (disconnect: link_disabled); turn Socket Mode back on "
        "in the app's settings and start Tend again";
    spdlog::error("{}", fatal_);
    stop();
  } else if (reason == "too_many_websockets") {
    spdlog::warn("Slack: too many WebSockets open; closing connection {}", connection->id);
    if (live_connections() > 1 || connection->retiring) {
      retire(connection);
    } else {
      replace_wanted_ = true;
      wake();
    }
  } else {
    // refresh_requested, warning and anything new: open the next connection, then close this one.
    spdlog::info("Slack: connection {} asked to refresh ({})", connection->id, reason);
    if (!connection->retiring) {
      replace_wanted_ = true;
      wake();
    }
  }
}

asio::awaitable<void> SlackAdapter::read_loop(std::shared_ptr<Connection> connection) {
  for (;;) {
    std::string text;
    try {
      text = co_await connection->read();
    } catch (const std::exception& e) {
      if (!connection->closing)
        spdlog::warn("Slack: connection {} lost ({}); reconnecting", connection->id, e.what());
      break;
    }
    auto frame = decode_frame(text);
    if (auto* envelope = std::get_if<Envelope>(&frame)) {
      receive(connection, std::move(*envelope));
    } else if (auto* disconnect = std::get_if<Disconnect>(&frame)) {
      on_disconnect(connection, disconnect->reason);
    } else if (auto* bad = std::get_if<DecodeError>(&frame)) {
      spdlog::warn("Slack: connection {} sent a frame Tend cannot read: {}", connection->id, bad->what);
      if (!bad->envelope_id.empty()) send_frame(connection, encode_ack(bad->envelope_id), executor_);
    }
  }
  connection->closing = true;
  if (connection->drain_deadline) connection->drain_deadline->cancel();
  std::erase(connections_, connection);
  wake();
}

asio::awaitable<void> SlackAdapter::answer(const std::string& user_id, const std::string& response_url,
                                           const Message& reply) {
  if (reply.text.empty() && reply.buttons.empty()) co_return;
  ApiResult result;
  if (!response_url.empty()) {
    auto body = message_body(reply, /*ephemeral=*/true);
    body["replace_original"] = false;
    result = co_await bot_api_.post_to(response_url, body);
  } else {
    const platform::Recipient to{platform::Recipient::Kind::person, user_id};
    auto sent = co_await delivery_.send(to, reply);
    result.ok = sent.status == platform::SendResult::Status::sent;
    result.error = sent.error;
  }
  if (!result.ok) spdlog::warn("Slack: a reply could not be delivered ({})", result.error);
}

namespace {

// Slash commands, button presses and form submissions go to the router; the rest (App Home,
// envelopes Tend ignores) only need an ack.
bool routed(const Envelope& envelope) {
  return !std::holds_alternative<HomeOpened>(envelope.inbound) &&
         !std::holds_alternative<Ignored>(envelope.inbound);
}

platform::Inbound router_part(const Envelope& envelope) {
  if (const auto* slash = std::get_if<SlashCommand>(&envelope.inbound)) return slash->command;
  if (const auto* press = std::get_if<BlockAction>(&envelope.inbound)) return press->action;
  return std::get<ViewSubmission>(envelope.inbound).action;
}

}  // namespace

void SlackAdapter::receive(const std::shared_ptr<Connection>& connection, Envelope envelope) {
  ++connection->in_flight;
  pending_.push_back({connection, std::move(envelope), std::chrono::steady_clock::now()});
  if (handling_) return;
  handling_ = true;
  asio::co_spawn(executor_, handle_pending(), asio::detached);
}

asio::awaitable<void> SlackAdapter::handle_pending() {
  while (!pending_.empty()) {
    // Let every envelope already on its way join this batch: keep yielding to the event loop
    // while more arrive. One quiet turn is not enough: a socket read the reactor has just
    // completed is only queued behind this coroutine.
    for (int quiet_turns = 0; quiet_turns < 2 && pending_.size() < kMaxBatch;) {
      const auto seen = pending_.size();
      co_await asio::post(executor_, asio::use_awaitable);
      quiet_turns = pending_.size() == seen ? quiet_turns + 1 : 0;
    }
    spdlog::debug("Slack: {} envelope(s) handled together", pending_.size());
    auto batch = std::move(pending_);
    pending_.clear();

    std::vector<platform::Inbound> items;
    for (const auto& [connection, envelope, at] : batch)
      if (routed(envelope)) items.push_back(router_part(envelope));
    std::optional<std::vector<Reply>> replies;
    if (!items.empty()) {
      try {
        replies = co_await dispatcher_->together(std::move(items));
      } catch (const std::exception& e) {
        // Nothing was kept: leave these envelopes unacknowledged so Slack delivers them again.
        spdlog::error("Slack: {} envelope(s) could not be handled and will be retried by Slack: {}",
                      batch.size(), e.what());
      }
    }
    std::size_t next_reply = 0;
    for (auto& [connection, envelope, at] : batch) {
      std::optional<Reply> reply;
      if (routed(envelope) && replies) reply = (*replies)[next_reply++];
      asio::co_spawn(executor_, respond(connection, std::move(envelope), std::move(reply), at),
                     asio::detached);
    }
  }
  handling_ = false;
}

asio::awaitable<void> SlackAdapter::respond(std::shared_ptr<Connection> connection, Envelope envelope,
                                            std::optional<Reply> reply,
                                            std::chrono::steady_clock::time_point received_at) {
  std::optional<json> ack_payload;
  std::function<asio::awaitable<void>()> after_ack;
  // A routed envelope without a reply was not kept: no ack, so Slack delivers it again.
  if (!routed(envelope) || reply) {
    if (auto* slash = std::get_if<SlashCommand>(&envelope.inbound)) {
      bool modal_open = false;
      if (reply->form && !slash->trigger_id.empty()) {
        const json args{{"trigger_id", slash->trigger_id}, {"view", modal_view(*reply->form)}};
        auto opened = co_await bot_api_.call("views.open", args, WebApi::Retry{1});
        modal_open = opened.ok;
        if (!opened.ok) spdlog::warn("Slack views.open failed ({}); answering with buttons", opened.error);
      }
      if (!modal_open) {
        if (envelope.accepts_response_payload)
          ack_payload = message_body(*reply, /*ephemeral=*/true);
        else
          after_ack = [this, slash = *slash, reply = *reply]() {
            return answer(slash.command.origin.user_id, slash.response_url, reply);
          };
      }
    } else if (auto* press = std::get_if<BlockAction>(&envelope.inbound)) {
      after_ack = [this, press = *press, reply = *reply]() {
        return answer(press.action.origin.user_id, press.response_url, reply);
      };
    } else if (auto* submission = std::get_if<ViewSubmission>(&envelope.inbound)) {
      after_ack = [this, user = submission->action.origin.user_id, reply = *reply]() {
        return answer(user, "", reply);
      };
    } else if (auto* home = std::get_if<HomeOpened>(&envelope.inbound)) {
      after_ack = [this, origin = home->origin]() -> asio::awaitable<void> {
        auto message = co_await dispatcher_->home(origin);
        const json args{{"user_id", origin.user_id}, {"view", home_view(message)}};
        auto published = co_await bot_api_.call("views.publish", args);
        if (!published.ok) spdlog::warn("Slack views.publish failed ({})", published.error);
      };
    } else if (auto* ignored = std::get_if<Ignored>(&envelope.inbound)) {
      spdlog::debug("Slack: acknowledged and ignored {}", ignored->what);
    }
    send_frame(connection, encode_ack(envelope.envelope_id, ack_payload), executor_);
    metrics().ack_latency(platform(), std::chrono::steady_clock::now() - received_at);
  }
  --connection->in_flight;
  close_if_idle(connection, executor_);
  if (after_ack) {
    try {
      co_await after_ack();
    } catch (const std::exception& e) {
      spdlog::warn("Slack: follow-up to an envelope of type {} failed: {}", envelope.type, e.what());
    }
  }
}

asio::awaitable<void> SlackAdapter::run(platform::Dispatcher& dispatcher) {
  dispatcher_ = &dispatcher;
  co_await check_tokens();
  int failures = 0;
  while (!stopping_) {
    // Never more than two open: a replacement waits for a retiring connection to finish.
    const bool wanted = live_connections() == 0 || replace_wanted_;
    if (wanted && connections_.size() < 2) {
      replace_wanted_ = false;
      std::optional<std::chrono::milliseconds> retry_in;
      try {
        co_await open_connection();
        failures = 0;
      } catch (const Refused& e) {
        fatal_ = e.what();
        stop();
        break;
      } catch (const std::exception& e) {
        retry_in = backoff_delay(failures++, options_.max_backoff);
        spdlog::warn("Slack: could not connect ({}); trying again in {} ms", e.what(), retry_in->count());
        if (live_connections() > 0) replace_wanted_ = true;
      }
      if (retry_in) {
        co_await sleep(*retry_in);
        continue;
      }
      if (stopping_)
        for (const auto& connection : connections_) retire(connection);
      continue;
    }
    co_await sleep(std::chrono::hours(1));
  }
  while (!connections_.empty()) co_await sleep(std::chrono::seconds(1));
  spdlog::info("Slack: all connections closed");
  if (!fatal_.empty()) throw std::runtime_error(fatal_);
}

}  // namespace tend::slack
