#include "bot/platform/slack/slack_adapter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

#include "base/backoff.hpp"

#include "bot/metrics.hpp"
#include "bot/net/websocket.hpp"

namespace tend::slack {

namespace asio = boost::asio;
using json = nlohmann::json;

namespace {

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

// One Socket Mode WebSocket and what the adapter tracks of it. Beast allows one read and one
// write at a time: the read loop is the only reader, and frames to send queue here behind a
// single writer.
class SlackAdapter::Connection {
 public:
  Connection(link::SocketId id, std::unique_ptr<net::WebSocket> socket) : id(id), socket(std::move(socket)) {}

  bool drained() const { return in_flight == 0 && !writing && outgoing.empty(); }

  const link::SocketId id;
  const std::unique_ptr<net::WebSocket> socket;
  bool retiring = false;  // the core retired it: it reports when it has drained
  bool closing = false;   // the core closed it: nothing more is written
  int in_flight = 0;      // envelopes received and not yet acknowledged
  bool writing = false;
  std::deque<std::string> outgoing;
};

SlackAdapter::SlackAdapter(asio::any_io_executor executor, SlackOptions options)
    : executor_(executor),
      options_(std::move(options)),
      bot_api_(executor, options_.api_url, options_.bot_token),
      app_api_(executor, options_.api_url, options_.app_token),
      delivery_(bot_api_),
      link_(executor,
            link::CoreOptions{"Slack", "Socket Mode connection", Backoff{kFirstRetry, options_.max_backoff},
                              options_.drain_timeout},
            *this),
      batch_(executor, "Slack") {}

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
    asio::co_spawn(executor_, it->second->socket->close(), asio::detached);
  else
    it->second->socket->abort();
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

    connection = std::make_shared<Connection>(id, net::WebSocket::make(executor_, *url));
    // A named local: GCC 12 destroys braced temporaries inside co_await twice.
    const net::WebSocket::Options socket_options{options_.silent_after, ""};
    co_await connection->socket->open(*url, url->path, socket_options);
    link_.feed(link::Opened{id});
    // Slack greets every new connection; until then it is not ready for envelopes.
    auto frame = decode_frame(co_await connection->socket->read());
    if (!std::holds_alternative<Hello>(frame))
      throw std::runtime_error("Socket Mode connection did not start with hello");
    connections_[id] = connection;
    link_.feed(link::Ready{id, std::nullopt,
                           std::to_string(std::get<Hello>(frame).num_connections) + " open at Slack"});
    if (connected_before_) metrics().reconnected(platform());
    connected_before_ = true;
  } catch (const std::exception& e) {
    if (connection) connection->socket->abort();
    link_.feed(link::ConnectFailed{id, e.what()});
    co_return;
  }
  asio::co_spawn(executor_, read_loop(connection), asio::detached);
}

asio::awaitable<void> SlackAdapter::read_loop(std::shared_ptr<Connection> connection) {
  const auto id = connection->id;
  for (;;) {
    const auto text = co_await link_.read(id, *connection->socket);
    if (!text) {
      connections_.erase(id);
      break;
    }
    link_.feed(link::FrameReceived{id, std::nullopt});
    auto frame = decode_frame(*text);
    const bool more_coming = connection->socket->more_readable();
    if (auto* envelope = std::get_if<Envelope>(&frame)) {
      receive(connection, std::move(*envelope), more_coming);
      continue;
    } else if (auto* disconnect = std::get_if<Disconnect>(&frame)) {
      link_.feed(link_notice(id, *disconnect));
    } else if (auto* bad = std::get_if<DecodeError>(&frame)) {
      spdlog::warn("Slack: connection {} sent a frame Tend cannot read: {}", id, bad->what);
      if (!bad->envelope_id.empty()) send_frame(connection, encode_ack(bad->envelope_id));
    }
    if (!more_coming) batch_.flush();
  }
  connection->closing = true;
  batch_.flush();
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
  if (corked) connection->socket->cork(true);
  while (!connection->outgoing.empty() && !connection->closing) {
    const auto frame = std::move(connection->outgoing.front());
    connection->outgoing.pop_front();
    try {
      co_await connection->socket->write(frame);
    } catch (const std::exception& e) {
      connection->outgoing.clear();
      link_.feed(link::WriteError{connection->id, e.what()});
    }
  }
  if (corked && !connection->closing) connection->socket->cork(false);
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

void SlackAdapter::receive(const std::shared_ptr<Connection>& connection, Envelope envelope,
                           bool more_coming) {
  ++connection->in_flight;
  const auto at = std::chrono::steady_clock::now();
  if (!routed(envelope)) {
    acknowledge(connection, std::move(envelope), std::nullopt, at, /*modal_open=*/false);
    if (!more_coming) batch_.flush();
    return;
  }
  auto item = router_part(envelope);
  batch_.add(
      std::move(item),
      [this, connection, envelope = std::move(envelope), at](std::optional<Reply> reply) mutable {
        respond(connection, std::move(envelope), std::move(reply), at);
      },
      more_coming);
}

void SlackAdapter::respond(const std::shared_ptr<Connection>& connection, Envelope envelope,
                           std::optional<Reply> reply, std::chrono::steady_clock::time_point received_at) {
  // Without a reply nothing was kept: no ack, so Slack delivers the envelope again.
  if (!reply) {
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

// The ack is queued at once, with the reply in it where Slack takes one; what needs a Web API
// call (an answer through response_url, App Home) follows in its own coroutine.
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
  send_frame(connection, encode_ack(envelope.envelope_id, std::move(ack_payload)));
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
  batch_.dispatch_to(dispatcher);
  co_await check_tokens();
  link_.feed(link::Start{});
  co_await link_.until_finished();
}

}  // namespace tend::slack
