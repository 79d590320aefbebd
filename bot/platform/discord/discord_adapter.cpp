#include "bot/platform/discord/discord_adapter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/error.hpp>
#include <regex>
#include <stdexcept>

#include "base/backoff.hpp"
#include "bot/metrics.hpp"
#include "bot/net/websocket.hpp"

namespace tend::discord {

namespace asio = boost::asio;
using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

constexpr milliseconds kFirstRetry{500};
// Beast pings a socket quiet for half this and gives it up after the rest: a backstop behind
// the heartbeats, which come every 41.25 s and are what notices a zombie link.
constexpr std::chrono::seconds kSilentAfter{120};
constexpr std::size_t kRemembered = 10000;

struct Refusal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string gateway_target(const net::Url& url) {
  return url.path + (url.path.find('?') == std::string::npos ? "?" : "&") + "v=10&encoding=json";
}

}  // namespace

// One gateway WebSocket: one reader (the read loop), and frames to send queued behind one writer.
struct DiscordAdapter::Connection {
  Connection(link::SocketId id, std::unique_ptr<net::WebSocket> ws, asio::any_io_executor executor)
      : id(id), ws(std::move(ws)), heartbeat(executor) {}
  const link::SocketId id;
  std::unique_ptr<net::WebSocket> ws;
  bool closing = false;  // the core closed it: nothing more is written
  bool writing = false;
  std::deque<std::string> outgoing;
  asio::steady_timer heartbeat;
  milliseconds heartbeat_interval{0};
  bool ack_pending = false;              // a heartbeat went out and Discord has not acknowledged it
  std::optional<std::int64_t> last_seq;  // what heartbeats carry
  std::optional<std::string> resuming;   // the session this socket RESUMEs, until RESUMED
};

DiscordAdapter::DiscordAdapter(asio::any_io_executor executor, DiscordOptions options)
    : executor_(executor),
      options_(std::move(options)),
      rest_(executor, options_.api_url, options_.token),
      link_(executor,
            link::CoreOptions{"Discord", "gateway connection", Backoff{kFirstRetry, options_.max_backoff},
                              milliseconds(10000)},
            *this),
      start_wait_(executor),
      group_(executor, "Discord") {}

DiscordAdapter::~DiscordAdapter() = default;

void DiscordAdapter::stop() {
  stopping_ = true;
  start_wait_.cancel();
  link_.feed(link::Stop{});
}

asio::awaitable<void> DiscordAdapter::run(platform::Dispatcher& dispatcher) {
  group_.dispatch_to(dispatcher);
  co_await sign_in();
  if (link_.finished() || stopping_) co_return;
  co_await register_commands();
  link_.feed(link::Start{});
  co_await link_.until_finished();
}

// GET /gateway/bot: the token works, where to connect, and how many new sessions are left today.
asio::awaitable<void> DiscordAdapter::sign_in() {
  const Backoff backoff{kFirstRetry, options_.max_backoff};
  for (int attempt = 0;; ++attempt) {
    auto bot = co_await rest_.gateway_bot();
    if (bot.ok()) {
      gateway_url_ = options_.gateway_url.empty() ? bot.url : options_.gateway_url;
      session_starts_.emplace(SessionStarts::Limit{bot.session_starts_total, bot.session_starts_remaining,
                                                   bot.session_starts_reset_after, bot.max_concurrency},
                              steady_clock::now());
      spdlog::info("Discord: signed in; {} of {} new sessions left today", bot.session_starts_remaining,
                   bot.session_starts_total);
      co_return;
    }
    const auto result = classify_response(bot.response);
    if (bot.response.status == 401 || bot.response.status == 403)
      throw Refusal("Discord refused DISCORD_TOKEN: GET /gateway/bot answered " + result.error +
                    "; copy the bot's token again from the developer portal (Bot → Reset Token)");
    const auto wait = result.status == platform::SendResult::Status::retry_after
                          ? std::chrono::duration_cast<milliseconds>(result.retry_after)
                          : backoff.delay(attempt);
    spdlog::warn("Discord: GET /gateway/bot failed ({}); trying again in {} ms", result.error, wait.count());
    co_await link_.pause(wait);
    if (link_.finished() || stopping_) co_return;
  }
}

// One PUT of the whole set, and only when it differs from what was registered last.
asio::awaitable<void> DiscordAdapter::register_commands() {
  const auto commands = application_commands(options_.commands);
  const auto hash = commands_hash(commands);
  if (options_.registered_hash && options_.registered_hash() == hash) {
    spdlog::info("Discord: the {} slash commands are registered already", commands.size());
    co_return;
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto result = co_await rest_.put_commands(options_.application_id, commands);
    using Status = platform::SendResult::Status;
    if (result.status == Status::sent) {
      if (options_.remember_hash) options_.remember_hash(hash);
      spdlog::info("Discord: registered {} slash commands", commands.size());
      co_return;
    }
    if (result.status == Status::permanent_failure)
      throw Refusal("Discord refused the slash commands for DISCORD_APPLICATION_ID " +
                    options_.application_id + " (" + result.error +
                    "); check the Application ID on the developer portal's General Information page");
    const auto wait = result.status == Status::retry_after
                          ? std::chrono::duration_cast<milliseconds>(result.retry_after)
                          : Backoff{kFirstRetry, options_.max_backoff}.delay(attempt);
    spdlog::warn("Discord: registering the slash commands failed ({}); trying again in {} ms", result.error,
                 wait.count());
    co_await link_.pause(wait);
    if (link_.finished() || stopping_) co_return;
  }
  spdlog::error("Discord: the slash commands could not be registered; the ones registered before stay");
}

void DiscordAdapter::open(link::SocketId id, const std::optional<link::Session>& resume) {
  asio::co_spawn(executor_, connect(id, resume), asio::detached);
}

// A new session costs one of the day's IDENTIFYs: it waits until SessionStarts allows it.
asio::awaitable<bool> DiscordAdapter::wait_for_session_start() {
  auto& starts = *session_starts_;
  const auto now = steady_clock::now();
  const auto at = starts.next_at(now);
  if (at <= now) co_return true;
  const auto wait = std::chrono::duration_cast<milliseconds>(at - now);
  if (starts.holding_reserve(now))
    spdlog::warn(
        "Discord: only {} of the day's {} new sessions are left; Tend keeps them for restarts and waits {} "
        "min "
        "for the daily budget to reset before starting a new session",
        starts.remaining(now), starts.total(), wait.count() / 60000);
  else
    spdlog::info("Discord: the next new session may start in {} ms ({} of {} left today)", wait.count(),
                 starts.remaining(now), starts.total());
  start_wait_.expires_after(wait);
  boost::system::error_code ec;
  co_await start_wait_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return !stopping_ && steady_clock::now() >= at;
}

asio::awaitable<void> DiscordAdapter::connect(link::SocketId id, std::optional<link::Session> resume) {
  std::shared_ptr<Connection> connection;
  try {
    if (!resume) {
      const bool may_start = co_await wait_for_session_start();
      if (!may_start) {
        link_.feed(link::ConnectFailed{id, "stopped while waiting to start a session"});
        co_return;
      }
    }
    const auto url = net::Url::parse(resume && !resume_url_.empty() ? resume_url_ : gateway_url_);
    if (!url) throw std::runtime_error("the gateway URL is not a ws:// or wss:// URL");
    connection = std::make_shared<Connection>(id, net::WebSocket::make(executor_, *url), executor_);
    const net::WebSocket::Options socket_options{kSilentAfter, ""};
    co_await connection->ws->open(*url, gateway_target(*url), socket_options);
    connections_[id] = connection;
    link_.feed(link::Opened{id});
    // Discord greets every connection with HELLO and the heartbeat interval.
    const auto first = co_await connection->ws->read();
    auto hello = decode_gateway(first, options_.token);
    if (!std::holds_alternative<Hello>(hello.event))
      throw std::runtime_error("the gateway did not start with HELLO");
    connection->heartbeat_interval = std::get<Hello>(hello.event).heartbeat_interval;
    // The first heartbeat at a random point of the first interval, so that many clients that
    // reconnected together do not beat together.
    beat_after(connection,
               milliseconds(static_cast<std::int64_t>(
                   static_cast<double>(connection->heartbeat_interval.count()) * random_jitter())));
    if (resume) {
      connection->last_seq = resume->seq;
      connection->resuming = resume->id;
      send_frame(connection, encode_resume(options_.token, resume->id, resume->seq));
    } else {
      session_starts_->spent(steady_clock::now());
      send_frame(connection, encode_identify(options_.token));
    }
  } catch (const std::exception& e) {
    if (connection) {
      connection->heartbeat.cancel();
      connection->ws->abort();
      connections_.erase(id);
    }
    link_.feed(link::ConnectFailed{id, e.what()});
    co_return;
  }
  asio::co_spawn(executor_, read_loop(connection), asio::detached);
}

asio::awaitable<void> DiscordAdapter::read_loop(std::shared_ptr<Connection> connection) {
  const auto id = connection->id;
  for (;;) {
    std::string text;
    try {
      text = co_await connection->ws->read();
    } catch (const boost::system::system_error& e) {
      connection->heartbeat.cancel();
      connections_.erase(id);
      const int code = connection->ws->close_code();
      if (net::WebSocket::timed_out(e)) link_.feed(link::PongMissing{id});
      if (e.code() == boost::beast::websocket::error::closed && code != 0) {
        if (auto notice = link_notice(id, code)) link_.feed(*notice);
        link_.feed(link::ReadError{id, classify_close(code).reason});
      } else {
        link_.feed(link::ReadError{id, e.code().message()});
      }
      break;
    } catch (const std::exception& e) {
      connection->heartbeat.cancel();
      connections_.erase(id);
      link_.feed(link::ReadError{id, e.what()});
      break;
    }
    on_frame(connection, decode_gateway(text, options_.token));
  }
  connection->closing = true;
}

void DiscordAdapter::on_frame(const std::shared_ptr<Connection>& connection, GatewayFrame frame) {
  const auto id = connection->id;
  if (frame.sequence) connection->last_seq = frame.sequence;
  if (auto* ready = std::get_if<Ready>(&frame.event)) {
    resume_url_ = ready->resume_gateway_url;
    connection->resuming.reset();
    link_.feed(link::Ready{id, link::Session{ready->session_id, frame.sequence.value_or(0)}, "new session"});
    if (connected_before_) metrics().reconnected(platform());
    connected_before_ = true;
    return;
  }
  if (std::holds_alternative<Resumed>(frame.event)) {
    const auto session = connection->resuming.value_or("");
    connection->resuming.reset();
    link_.feed(link::Ready{id, link::Session{session, connection->last_seq.value_or(0)}, "session resumed"});
    if (connected_before_) metrics().reconnected(platform());
    connected_before_ = true;
    return;
  }
  if (frame.sequence) link_.feed(link::FrameReceived{id, frame.sequence});
  if (auto* interaction = std::get_if<InteractionCreate>(&frame.event)) {
    receive(std::move(interaction->interaction));
  } else if (std::holds_alternative<HeartbeatAck>(frame.event)) {
    connection->ack_pending = false;
  } else if (std::holds_alternative<HeartbeatRequest>(frame.event)) {
    link_.feed(link::PingDue{id});
  } else if (auto* reconnect = std::get_if<Reconnect>(&frame.event)) {
    link_.feed(link_notice(id, *reconnect));
  } else if (auto* invalid = std::get_if<InvalidSession>(&frame.event)) {
    link_.feed(link_notice(id, *invalid));
  } else if (auto* bad = std::get_if<DecodeError>(&frame.event)) {
    spdlog::warn("Discord: gateway connection {} sent a frame Tend cannot read: {}", id, bad->what);
  }
}

// Heartbeats: every interval a PingDue, or PongMissing when the last one was never acknowledged.
void DiscordAdapter::beat_after(const std::shared_ptr<Connection>& connection, milliseconds wait) {
  connection->heartbeat.expires_after(wait);
  connection->heartbeat.async_wait([this, connection](const boost::system::error_code& ec) {
    if (ec || connection->closing) return;
    if (connection->ack_pending) {
      link_.feed(link::PongMissing{connection->id});
      return;
    }
    link_.feed(link::PingDue{connection->id});
    beat_after(connection, connection->heartbeat_interval);
  });
}

void DiscordAdapter::ping(link::SocketId id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  it->second->ack_pending = true;
  send_frame(it->second, encode_heartbeat(it->second->last_seq));
}

void DiscordAdapter::retire(link::SocketId id) {
  // Interactions are answered over REST, not on the socket they came by: nothing to drain.
  link_.feed(link::Drained{id});
}

void DiscordAdapter::close(link::SocketId id, link::Close::How how, int) {
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second->closing) return;
  auto connection = it->second;
  connection->closing = true;
  connection->heartbeat.cancel();
  // 1000 would end the session at Discord: only a stop may. Any other code keeps it resumable,
  // for the replacement that resumes it (op 7) or the next socket (a zombie link).
  const bool ending = how == link::Close::How::properly && stopping_;
  if (connection->writing) {
    // A close frame cannot follow a write still under way; the dropped link is resumable too.
    connection->ws->abort();
    return;
  }
  asio::co_spawn(executor_,
                 close_within(connection, ending ? 1000 : kResumableCloseCode,
                              how == link::Close::How::properly ? milliseconds(5000) : milliseconds(1000)),
                 asio::detached);
}

// The close frame, and the socket dropped if Discord has not answered it within `grace` (a
// zombie link never will).
asio::awaitable<void> DiscordAdapter::close_within(std::shared_ptr<Connection> connection, int code,
                                                   milliseconds grace) {
  asio::steady_timer deadline(executor_, grace);
  deadline.async_wait([connection](const boost::system::error_code& ec) {
    if (!ec) connection->ws->abort();
  });
  co_await connection->ws->close_with(code);
  deadline.cancel();
}

void DiscordAdapter::send_frame(const std::shared_ptr<Connection>& connection, std::string frame) {
  connection->outgoing.push_back(std::move(frame));
  if (connection->writing || connection->closing) return;
  connection->writing = true;
  asio::co_spawn(executor_, write_queued(connection), asio::detached);
}

asio::awaitable<void> DiscordAdapter::write_queued(std::shared_ptr<Connection> connection) {
  while (!connection->outgoing.empty() && !connection->closing) {
    const auto frame = std::move(connection->outgoing.front());
    connection->outgoing.pop_front();
    try {
      co_await connection->ws->write(frame);
    } catch (const std::exception& e) {
      connection->outgoing.clear();
      link_.feed(link::WriteError{connection->id, e.what()});
    }
  }
  connection->writing = false;
}

// ---- Interactions ----

namespace {

platform::Inbound router_part(const Interaction& interaction) {
  if (const auto* command = std::get_if<platform::Command>(&interaction.inbound)) return *command;
  return std::get<platform::Action>(interaction.inbound);
}

// How long ago Discord made the interaction (its 3 seconds started then), as far as this
// machine's clock can tell; never less than the time since it arrived.
steady_clock::duration age(const Interaction& interaction, steady_clock::time_point received_at) {
  auto waited = steady_clock::now() - received_at;
  if (auto made = snowflake_time(interaction.id)) {
    const auto since = std::chrono::system_clock::now() - *made;
    if (since > waited && since < std::chrono::hours(1))
      waited = std::chrono::duration_cast<steady_clock::duration>(since);
  }
  return waited;
}

// Mentions Discord sends as `<@123>` (a mention typed into a text option) or `<@!123>`.
const std::regex kBareMention(R"(<@!?(\d{5,25})>)");

bool has_bare_mention(const Interaction& interaction) {
  const auto* command = std::get_if<platform::Command>(&interaction.inbound);
  return command && command->text.find("<@") != std::string::npos &&
         std::regex_search(command->text, kBareMention);
}

}  // namespace

void DiscordAdapter::receive(Interaction interaction) {
  if (std::holds_alternative<Refused>(interaction.inbound)) {
    spdlog::info("Discord: answered an interaction Tend does not handle ({})",
                 std::get<Refused>(interaction.inbound).what);
    run_in(answers_, [this, interaction = std::move(interaction)]() { return answer_refused(interaction); });
    return;
  }
  Received item{std::move(interaction), steady_clock::now()};
  // Work that may pass Discord's 3 s gets a deferred answer before it starts (the work blocks the
  // event loop while it runs): an interaction already old when it arrives, or any while answers
  // are slow.
  item.deferred = age(item.interaction, item.at) > options_.defer_after || last_wait_ > options_.defer_after;
  if (item.deferred || has_bare_mention(item.interaction)) {
    asio::co_spawn(executor_, admit(std::move(item)), asio::detached);
    return;
  }
  commit(std::move(item));
}

// What must happen before an interaction joins a batch: its deferred answer, and the names of
// the people it mentions.
asio::awaitable<void> DiscordAdapter::admit(Received item) {
  if (item.deferred) {
    auto deferred = callback_deferred();
    auto sent =
        co_await rest_.interaction_callback(item.interaction.id, item.interaction.token, std::move(deferred));
    item.deferred = sent.status == platform::SendResult::Status::sent;
    if (item.deferred) metrics().ack_latency(platform(), steady_clock::now() - item.at);
    // Refused as too late: the answer goes by DM after the work.
    item.expired = interaction_expired(sent);
  }
  if (auto* command = std::get_if<platform::Command>(&item.interaction.inbound);
      command && has_bare_mention(item.interaction))
    co_await name_mentions(*command);
  commit(std::move(item));
}

// Into the next batch (group commit); answered once it committed.
void DiscordAdapter::commit(Received item) {
  auto inbound = router_part(item.interaction);
  group_.add(std::move(inbound), [this, item = std::move(item)](std::optional<Reply> reply) mutable {
    last_wait_ = steady_clock::now() - item.at;
    run_in(answers_, [this, item = std::move(item), reply = std::move(reply)]() mutable {
      return answer(std::move(item), std::move(reply));
    });
  });
}

// A mention typed into a text option arrives as an id; Tend's handlers name people by it, so it
// gets the person's name first (GET /users/{id}, remembered).
asio::awaitable<void> DiscordAdapter::name_mentions(platform::Command& command) {
  std::string out;
  auto rest = command.text;
  std::smatch match;
  while (std::regex_search(rest, match, kBareMention)) {
    const auto id = match[1].str();
    auto known = names_.find(id);
    if (known == names_.end()) {
      const Route route{"GET", "/users/{user_id}", ""};
      auto response = co_await rest_.request(boost::beast::http::verb::get, route, "/users/" + id, nullptr);
      auto user = json::parse(response.body, nullptr, false);
      known = names_.emplace(id, response.status == 200 ? mention_name(user) : std::string()).first;
    }
    out += match.prefix().str() + "<@" + id + (known->second.empty() ? "" : "|" + known->second) + ">";
    rest = match.suffix().str();
  }
  command.text = out + rest;
}

asio::awaitable<void> DiscordAdapter::answer(Received item, std::optional<Reply> reply) {
  const auto& interaction = item.interaction;
  if (answered_.contains(interaction.id)) {
    // A replay after RESUME of what was answered already: Discord takes one answer.
    spdlog::debug("Discord: interaction answered before, not again");
    co_return;
  }
  answered_.insert(interaction.id);
  answered_order_.push_back(interaction.id);
  if (answered_order_.size() > kRemembered) {
    answered_.erase(answered_order_.front());
    answered_order_.pop_front();
  }
  const Reply sent_reply = reply.value_or(
      Reply{"Sorry, Tend could not save that just now, so nothing was kept. Please try again in a moment.",
            {},
            {}});
  if (!item.expired) {
    platform::SendResult result;
    if (item.deferred) {
      auto body = message_body(sent_reply, options_.token);
      result = co_await rest_.edit_original(options_.application_id, interaction.token, std::move(body));
    } else {
      // A form opens as a modal, except in answer to a modal (Discord allows none there): its
      // buttons offer the same choices.
      const bool modal = sent_reply.form && std::holds_alternative<platform::Command>(interaction.inbound);
      auto body = modal ? callback_modal(*sent_reply.form, options_.token)
                        : callback_message(sent_reply, options_.token);
      result = co_await rest_.interaction_callback(interaction.id, interaction.token, std::move(body));
      if (result.status == platform::SendResult::Status::sent)
        metrics().ack_latency(platform(), steady_clock::now() - item.at);
    }
    if (result.status == platform::SendResult::Status::sent) co_return;
    if (!interaction_expired(result)) {
      spdlog::warn("Discord: an interaction's answer could not be delivered ({})", result.error);
      co_return;
    }
  }
  // The work was done, but Discord no longer takes the answer in place (it came after the 3 s,
  // say after a reconnect): it comes by DM, from a queue of its own, since DMs wait for their
  // rate limits and must not hold up the answers that are still in time.
  const auto inbound = router_part(interaction);
  const auto user = std::visit([](const auto& i) { return i.origin.user_id; }, inbound);
  run_in(late_answers_,
         [this, user, body = message_body(sent_reply, options_.token)]() -> asio::awaitable<void> {
           auto sent = co_await rest_.send_dm(user, body);
           if (sent.status == platform::SendResult::Status::sent)
             spdlog::info("Discord: an interaction expired before its answer, which went by direct message");
           else
             spdlog::warn("Discord: a late answer could not be sent by direct message either ({})",
                          sent.error);
         });
}

asio::awaitable<void> DiscordAdapter::answer_refused(Interaction interaction) {
  auto body = callback_refused(std::get<Refused>(interaction.inbound), options_.help_command);
  auto result = co_await rest_.interaction_callback(interaction.id, interaction.token, std::move(body));
  if (result.status != platform::SendResult::Status::sent)
    spdlog::warn("Discord: an interaction's answer could not be delivered ({})", result.error);
}

void DiscordAdapter::run_in(Jobs& jobs, std::function<asio::awaitable<void>()> job) {
  jobs.waiting.push_back(std::move(job));
  if (jobs.running >= jobs.at_once) return;
  ++jobs.running;
  asio::co_spawn(executor_, work(jobs), asio::detached);
}

asio::awaitable<void> DiscordAdapter::work(Jobs& jobs) {
  while (!jobs.waiting.empty()) {
    auto job = std::move(jobs.waiting.front());
    jobs.waiting.pop_front();
    try {
      co_await job();
    } catch (const std::exception& e) {
      spdlog::warn("Discord: answering an interaction failed: {}", e.what());
    }
  }
  --jobs.running;
}

// ---- What Tend sends on its own ----

asio::awaitable<platform::SendResult> DiscordAdapter::send(const platform::Recipient& to,
                                                           const Message& message) {
  auto body = message_body(message, options_.token);
  if (to.kind == platform::Recipient::Kind::person) co_return co_await rest_.send_dm(to.id, std::move(body));
  co_return co_await rest_.create_message(to.id, std::move(body));
}

}  // namespace tend::discord
