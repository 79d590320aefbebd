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

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "base/backoff.hpp"

#include "bot/metrics.hpp"
#include "bot/net/tls.hpp"

namespace tend::slack {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using json = nlohmann::json;

namespace {

constexpr std::chrono::seconds kHandshakeTimeout{10};
// Failed connects and unreachable sign-ins wait this long first, then double, up to max_backoff.
constexpr std::chrono::milliseconds kFirstRetry{500};

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
  explicit Connection(link::SocketId id) : id(id) {}
  virtual ~Connection() = default;
  virtual asio::awaitable<void> open(const Url& url, std::chrono::milliseconds silent_after) = 0;
  virtual asio::awaitable<std::string> read() = 0;  // throws beast::system_error
  virtual asio::awaitable<void> write(const std::string& frame) = 0;
  virtual asio::awaitable<void> close() = 0;
  virtual void abort() = 0;
  // Whether bytes of a further frame have already arrived: a batch of envelopes is what has
  // arrived, handled as soon as nothing more is waiting to be read.
  virtual bool more_readable() = 0;
  // While corked, what is written waits in the socket and leaves as one packet when uncorked: the
  // acknowledgements of one batch go out together.
  virtual void cork(bool on) = 0;

  bool drained() const { return in_flight == 0 && !writing && outgoing.empty(); }

  const link::SocketId id;
  bool retiring = false;  // the core retired it: it reports when it has drained
  bool closing = false;   // the core closed it: nothing more is written
  int in_flight = 0;      // envelopes received and not yet acknowledged
  bool writing = false;
  std::deque<std::string> outgoing;
};

namespace {

template <class Stream>
class WsConnection final : public SlackAdapter::Connection {
 public:
  template <class... Args>
  WsConnection(link::SocketId id, Args&&... args) : Connection(id), ws_(std::forward<Args>(args)...) {}

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

  bool more_readable() override {
    beast::error_code ec;
    return beast::get_lowest_layer(ws_).socket().available(ec) > 0 && !ec;
  }

  void cork(bool on) override {
    const int value = on ? 1 : 0;
    ::setsockopt(beast::get_lowest_layer(ws_).socket().native_handle(), IPPROTO_TCP, TCP_CORK, &value,
                 sizeof value);
  }

 private:
  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
};

}  // namespace

SlackAdapter::SlackAdapter(asio::any_io_executor executor, SlackOptions options)
    : executor_(executor),
      options_(std::move(options)),
      bot_api_(executor, options_.api_url, options_.bot_token),
      app_api_(executor, options_.api_url, options_.app_token),
      delivery_(bot_api_),
      link_(executor,
            link::CoreOptions{"Slack", "Socket Mode connection", Backoff{kFirstRetry, options_.max_backoff},
                              options_.drain_timeout},
            *this) {}

SlackAdapter::~SlackAdapter() = default;

void SlackAdapter::stop() {
  link_.feed(link::Stop{});
}

void SlackAdapter::open(link::SocketId id, const std::optional<link::Session>&) {
  // Slack never resumes: the core has no session to offer, and every connection starts fresh.
  asio::co_spawn(executor_, connect(id), asio::detached);
}

void SlackAdapter::ping(link::SocketId) {
  // Beast pings Slack's sockets itself (keep_alive_pings): this I/O never reports PingDue, so
  // the core never asks.
}

void SlackAdapter::retire(link::SocketId id) {
  if (auto it = connections_.find(id); it != connections_.end()) {
    it->second->retiring = true;
    report_if_drained(it->second);
  }
}

void SlackAdapter::close(link::SocketId id, link::Close::How how, int) {
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second->closing) return;
  it->second->closing = true;
  if (how == link::Close::How::properly)
    asio::co_spawn(executor_, it->second->close(), asio::detached);
  else
    it->second->abort();
}

asio::awaitable<void> SlackAdapter::check_tokens() {
  const Backoff backoff{kFirstRetry, options_.max_backoff};
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
    const auto wait = backoff.delay(attempt);
    spdlog::warn("Slack auth.test could not be reached ({}); trying again in {} ms", result.error,
                 wait.count());
    // stop() ends the wait: the core, not yet started, finishes at once.
    co_await link_.pause(wait);
    if (link_.finished()) co_return;
  }
}

asio::awaitable<void> SlackAdapter::connect(link::SocketId id) {
  std::shared_ptr<Connection> connection;
  try {
    const json none = json::object();
    auto result = co_await app_api_.call("apps.connections.open", none, WebApi::Retry{1});
    if (!result.ok) {
      if (!result.temporary() && token_refused(result.error)) {
        link_.feed(link::ConnectFailed{
            id,
            "Slack refused SLACK_APP_TOKEN: apps.connections.open answered \"" + result.error +
                "\"; check the App-Level Token (xapp-…, scope connections:write) on the app's Basic "
                "Information page",
            /*permanent=*/true});
        co_return;
      }
      throw std::runtime_error("apps.connections.open failed: " + result.error);
    }
    const auto url = Url::parse(result.body.value("url", std::string()));
    if (!url) throw std::runtime_error("apps.connections.open gave no WebSocket URL");

    if (url->tls)
      connection = std::make_shared<WsConnection<beast::ssl_stream<beast::tcp_stream>>>(id, executor_,
                                                                                        net::client_tls());
    else
      connection = std::make_shared<WsConnection<beast::tcp_stream>>(id, executor_);
    co_await connection->open(*url, options_.silent_after);
    link_.feed(link::Opened{id});
    // Slack greets every new connection; until then it is not ready for envelopes.
    auto frame = decode_frame(co_await connection->read());
    if (!std::holds_alternative<Hello>(frame))
      throw std::runtime_error("Socket Mode connection did not start with hello");
    connections_[id] = connection;
    link_.feed(link::Ready{id, std::nullopt,
                           std::to_string(std::get<Hello>(frame).num_connections) + " open at Slack"});
    if (connected_before_) metrics().reconnected(platform());
    connected_before_ = true;
  } catch (const std::exception& e) {
    if (connection) connection->abort();
    link_.feed(link::ConnectFailed{id, e.what()});
    co_return;
  }
  asio::co_spawn(executor_, read_loop(connection), asio::detached);
}

asio::awaitable<void> SlackAdapter::read_loop(std::shared_ptr<Connection> connection) {
  const auto id = connection->id;
  for (;;) {
    std::string text;
    try {
      text = co_await connection->read();
    } catch (const beast::system_error& e) {
      // Beast's keep-alive ping went unanswered for the rest of `silent_after`.
      if (e.code() == beast::error::timeout) link_.feed(link::PongMissing{id});
      connections_.erase(id);
      link_.feed(link::ReadError{id, e.what()});
      break;
    } catch (const std::exception& e) {
      connections_.erase(id);
      link_.feed(link::ReadError{id, e.what()});
      break;
    }
    link_.feed(link::FrameReceived{id, std::nullopt});
    auto frame = decode_frame(text);
    if (auto* envelope = std::get_if<Envelope>(&frame)) {
      receive(connection, std::move(*envelope));
    } else if (auto* disconnect = std::get_if<Disconnect>(&frame)) {
      link_.feed(link_notice(id, *disconnect));
    } else if (auto* bad = std::get_if<DecodeError>(&frame)) {
      spdlog::warn("Slack: connection {} sent a frame Tend cannot read: {}", id, bad->what);
      if (!bad->envelope_id.empty()) send_frame(connection, encode_ack(bad->envelope_id));
    }
    if (!connection->more_readable() || pending_.size() >= kMaxBatch) handle_soon();
  }
  connection->closing = true;
  handle_soon();
}

void SlackAdapter::send_frame(const std::shared_ptr<Connection>& connection, std::string frame) {
  connection->outgoing.push_back(std::move(frame));
  if (connection->writing || connection->closing) return;
  connection->writing = true;
  asio::co_spawn(executor_, write_queued(connection), asio::detached);
}

// Beast allows one write at a time: frames queue on the connection behind this single writer.
asio::awaitable<void> SlackAdapter::write_queued(std::shared_ptr<Connection> connection) {
  const bool corked = connection->outgoing.size() > 1;
  if (corked) connection->cork(true);
  while (!connection->outgoing.empty() && !connection->closing) {
    const auto frame = std::move(connection->outgoing.front());
    connection->outgoing.pop_front();
    try {
      co_await connection->write(frame);
    } catch (const std::exception& e) {
      connection->outgoing.clear();
      link_.feed(link::WriteError{connection->id, e.what()});
    }
  }
  if (corked && !connection->closing) connection->cork(false);
  connection->writing = false;
  report_if_drained(connection);
}

void SlackAdapter::report_if_drained(const std::shared_ptr<Connection>& connection) {
  if (connection->retiring && !connection->closing && connection->drained())
    link_.feed(link::Drained{connection->id});
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
}

void SlackAdapter::handle_soon() {
  if (handling_ || pending_.empty()) return;
  handling_ = true;
  asio::co_spawn(executor_, handle_pending(), asio::detached);
}

asio::awaitable<void> SlackAdapter::handle_pending() {
  while (!pending_.empty()) {
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
      if (routed(envelope) && replies) reply = std::move((*replies)[next_reply++]);
      respond(connection, std::move(envelope), std::move(reply), at);
    }
  }
  handling_ = false;
}

void SlackAdapter::respond(const std::shared_ptr<Connection>& connection, Envelope envelope,
                           std::optional<Reply> reply, std::chrono::steady_clock::time_point received_at) {
  // A routed envelope without a reply was not kept: no ack, so Slack delivers it again.
  if (routed(envelope) && !reply) {
    --connection->in_flight;
    report_if_drained(connection);
    return;
  }
  const auto* slash = std::get_if<SlashCommand>(&envelope.inbound);
  if (slash && reply->form && !slash->trigger_id.empty()) {
    // A modal must be opened before the ack, while the trigger_id is fresh.
    asio::co_spawn(executor_,
                   open_modal_then_ack(connection, std::move(envelope), std::move(*reply), received_at),
                   asio::detached);
    return;
  }
  acknowledge(connection, std::move(envelope), std::move(reply), received_at, /*modal_open=*/false);
}

asio::awaitable<void> SlackAdapter::open_modal_then_ack(std::shared_ptr<Connection> connection,
                                                        Envelope envelope, Reply reply,
                                                        std::chrono::steady_clock::time_point received_at) {
  const auto& slash = std::get<SlashCommand>(envelope.inbound);
  const json args{{"trigger_id", slash.trigger_id}, {"view", modal_view(*reply.form)}};
  auto opened = co_await bot_api_.call("views.open", args, WebApi::Retry{1});
  if (!opened.ok) spdlog::warn("Slack views.open failed ({}); answering with buttons", opened.error);
  acknowledge(connection, std::move(envelope), std::move(reply), received_at, opened.ok);
}

void SlackAdapter::acknowledge(const std::shared_ptr<Connection>& connection, Envelope envelope,
                               std::optional<Reply> reply, std::chrono::steady_clock::time_point received_at,
                               bool modal_open) {
  std::optional<json> ack_payload;
  std::function<asio::awaitable<void>()> after_ack;
  if (auto* slash = std::get_if<SlashCommand>(&envelope.inbound)) {
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
  send_frame(connection, encode_ack(envelope.envelope_id, ack_payload));
  metrics().ack_latency(platform(), std::chrono::steady_clock::now() - received_at);
  --connection->in_flight;
  report_if_drained(connection);
  if (after_ack)
    asio::co_spawn(executor_, follow_up(std::move(after_ack), std::move(envelope.type)), asio::detached);
}

asio::awaitable<void> SlackAdapter::follow_up(std::function<asio::awaitable<void>()> work, std::string type) {
  try {
    co_await work();
  } catch (const std::exception& e) {
    spdlog::warn("Slack: follow-up to an envelope of type {} failed: {}", type, e.what());
  }
}

asio::awaitable<void> SlackAdapter::run(platform::Dispatcher& dispatcher) {
  dispatcher_ = &dispatcher;
  co_await check_tokens();
  link_.feed(link::Start{});
  co_await link_.until_finished();
}

}  // namespace tend::slack
