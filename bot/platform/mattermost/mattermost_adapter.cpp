#include "bot/platform/mattermost/mattermost_adapter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>

#include "base/backoff.hpp"
#include "bot/metrics.hpp"
#include "bot/net/websocket.hpp"

namespace tend::mattermost {

namespace asio = boost::asio;
using json = nlohmann::json;
using Status = platform::SendResult::Status;

namespace {

// Failed connects and an unreachable server at sign-in wait this long first, then double.
constexpr std::chrono::milliseconds kFirstRetry{500};
// An answer to a post is tried this many times (a 429's wait, or a failure's backoff, between).
constexpr int kAnswerAttempts = 4;
constexpr std::chrono::milliseconds kAnswerBackoffCap{10000};
// Posts remembered as seen, so that one both replayed and fetched is handled once.
constexpr std::size_t kRecentPosts = 4096;
// When catching up, posts this much older than the newest one seen are asked for too: two posts
// can share a millisecond, and this machine's clock and the server's differ a little.
constexpr std::int64_t kCatchUpMarginMs = 2000;

const char* const kNotKept =
    "Sorry, something went wrong on my side and nothing was saved. Please try again in a moment, and tell "
    "a coordinator if it keeps happening.";
const char* const kWorkingOnIt = "Working on it… I'll answer here in a moment.";

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(duration);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

http::Response json_response(http::status code, const json& body) {
  http::Response response{code, 11};
  response.set(boost::beast::http::field::content_type, "application/json");
  response.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  response.prepare_payload();
  return response;
}

// A command's name as the log may show it: what Mattermost sent is the trigger word an admin
// chose, but the listener cannot know that the request came from Mattermost at all.
std::string loggable_name(const std::string& name) {
  std::string out;
  for (char c : name.substr(0, 32))
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '?';
  return out;
}

}  // namespace

// One WebSocket and what the adapter tracks of it. The read loop is its only reader; Tend writes
// nothing on it (it authenticates in the upgrade's header), so nothing is ever in flight on it.
class MattermostAdapter::Connection {
 public:
  Connection(link::SocketId id, std::unique_ptr<net::WebSocket> socket) : id(id), socket(std::move(socket)) {}
  const link::SocketId id;
  const std::unique_ptr<net::WebSocket> socket;
  bool closing = false;  // the core closed it
};

struct MattermostAdapter::Waiting {
  explicit Waiting(asio::any_io_executor executor) : timer(std::move(executor)) {}
  asio::steady_timer timer;  // runs out after answer_within; cancelled when the reply comes
  bool done = false;
  std::optional<Reply> reply;  // with done: nothing when the batch could not commit
  // Set when the request was answered without its reply: delivers the reply when it comes.
  std::function<void(std::optional<Reply>)> late;
};

MattermostAdapter::MattermostAdapter(asio::any_io_executor executor, MattermostOptions options)
    : executor_(executor),
      options_(std::move(options)),
      rest_(executor, options_.url, options_.token),
      link_(executor,
            link::CoreOptions{"Mattermost", "WebSocket", Backoff{kFirstRetry, options_.max_backoff},
                              options_.drain_timeout},
            *this),
      batch_(executor, "Mattermost") {
  // RestApi has checked that the URL is http(s); the WebSocket lives under the same base.
  socket_url_ = *net::Url::parse(options_.url);
  socket_path_ = socket_url_.path;
  while (!socket_path_.empty() && socket_path_.back() == '/') socket_path_.pop_back();
  while (!options_.callback_url.empty() && options_.callback_url.back() == '/')
    options_.callback_url.pop_back();
}

MattermostAdapter::~MattermostAdapter() = default;

void MattermostAdapter::stop() {
  stopping_ = true;
  link_.feed(link::Stop{});
}

ButtonTarget MattermostAdapter::buttons_for(const std::string& user_id) const {
  return {options_.callback_url + "/mattermost/action", options_.signing_key, user_id};
}

// ---- Signing in ----

asio::awaitable<void> MattermostAdapter::sign_in() {
  const Backoff backoff{kFirstRetry, options_.max_backoff};
  for (int attempt = 0;; ++attempt) {
    auto me = co_await rest_.me();
    if (me.ok() && me.body.is_object() && !me.body.value("id", std::string()).empty()) {
      bot_.user_id = me.body.value("id", std::string());
      bot_.username = me.body.value("username", std::string());
      spdlog::info("Mattermost: signed in to {} as @{}", socket_url_.host, bot_.username);
      co_return;
    }
    if (me.http_status == 401 || me.http_status == 403)
      throw std::runtime_error(
          "Mattermost refused MATTERMOST_TOKEN: GET /api/v4/users/me answered HTTP " +
          std::to_string(me.http_status) + " (" + me.error +
          "); check the bot account's access token (System Console → Integrations → Bot Accounts)");
    if (!me.temporary())
      throw std::runtime_error("Mattermost at MATTERMOST_URL answered GET /api/v4/users/me with " +
                               (me.ok() ? std::string("no user") : "HTTP " + std::to_string(me.http_status)) +
                               " (" + me.error +
                               "); is MATTERMOST_URL the address of the Mattermost server?");
    const auto wait = backoff.delay(attempt);
    spdlog::warn("Mattermost could not be reached at sign-in ({}); trying again in {} ms", me.error,
                 wait.count());
    // stop() ends the wait: the core, not yet started, finishes at once.
    co_await link_.pause(wait);
    if (link_.finished()) co_return;
  }
}

asio::awaitable<bool> MattermostAdapter::signed_in() {
  while (bot_.user_id.empty() && !stopping_) co_await sleep_for(std::chrono::milliseconds(50));
  co_return !bot_.user_id.empty();
}

asio::awaitable<void> MattermostAdapter::run(platform::Dispatcher& dispatcher) {
  dispatcher_ = &dispatcher;
  batch_.dispatch_to(dispatcher);
  co_await sign_in();
  if (!link_.finished()) link_.feed(link::Start{});
  co_await link_.until_finished();
}

// ---- The WebSocket ----

void MattermostAdapter::open(link::SocketId id, const std::optional<link::Session>& resume) {
  asio::co_spawn(executor_, connect(id, resume.has_value()), asio::detached);
}

void MattermostAdapter::ping(link::SocketId) {
  // Beast pings a quiet socket itself (and answers the server's pings): the core is never asked.
}

void MattermostAdapter::retire(link::SocketId id) {
  // Nothing is ever in flight on a Mattermost socket: posts are answered through the REST API.
  link_.feed(link::Drained{id});
}

void MattermostAdapter::close(link::SocketId id, link::Close::How how, int) {
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second->closing) return;
  it->second->closing = true;
  if (how == link::Close::How::properly)
    asio::co_spawn(executor_, it->second->socket->close(), asio::detached);
  else
    it->second->socket->abort();
}

asio::awaitable<void> MattermostAdapter::connect(link::SocketId id, bool resuming) {
  std::shared_ptr<Connection> connection;
  try {
    const bool resume = resuming && !resume_refused_ && !resume_.connection_id().empty();
    const auto target =
        socket_path_ + (resume ? resume_.websocket_target() : std::string("/api/v4/websocket"));
    connection = std::make_shared<Connection>(id, net::WebSocket::make(executor_, socket_url_));
    try {
      // A named local: GCC 12 destroys braced temporaries inside co_await twice.
      const net::WebSocket::Options socket_options{options_.silent_after, "Bearer " + options_.token};
      co_await connection->socket->open(socket_url_, target, socket_options);
    } catch (const net::UpgradeDeclined& e) {
      if (e.status == 401 || e.status == 403) {
        link_.feed(
            link::ConnectFailed{id,
                                "Mattermost refused MATTERMOST_TOKEN when opening the WebSocket (HTTP " +
                                    std::to_string(e.status) +
                                    "); check the bot account's access token (System Console → "
                                    "Integrations → Bot Accounts)",
                                /*permanent=*/true});
        co_return;
      }
      // A server that will not resume this connection: the next attempt starts a fresh one,
      // and catching up fetches what was missed.
      if (resume && e.status >= 400 && e.status < 500 && e.status != 429) resume_refused_ = true;
      throw;
    }
    link_.feed(link::Opened{id});
    std::string detail;
    if (resume) {
      // A resumed connection is not greeted again: the server sends what was missed, if anything.
      detail =
          "resuming connection " + resume_.connection_id() + " at event " + std::to_string(resume_.next());
    } else {
      const auto frame = decode_frame(co_await connection->socket->read());
      const auto* hello = std::get_if<Hello>(&frame.body);
      if (!hello || !frame.seq) throw std::runtime_error("the WebSocket did not start with hello");
      resume_refused_ = false;
      on_hello(*hello, *frame.seq);
      detail =
          "connection " + resume_.connection_id() + ", Mattermost " + hello->server_version.substr(0, 40);
    }
    connections_[id] = connection;
    link_.feed(link::Ready{id, link::Session{resume_.connection_id(), resume_.next() - 1}, detail});
    if (connected_before_) metrics().reconnected(platform());
    connected_before_ = true;
  } catch (const std::exception& e) {
    if (connection) connection->socket->abort();
    link_.feed(link::ConnectFailed{id, e.what()});
    co_return;
  }
  asio::co_spawn(executor_, read_loop(connection), asio::detached);
}

asio::awaitable<void> MattermostAdapter::read_loop(std::shared_ptr<Connection> connection) {
  const auto id = connection->id;
  for (;;) {
    const auto text = co_await link_.read(id, *connection->socket);
    if (!text) {
      connections_.erase(id);
      break;
    }
    // A gap: this socket is given up, and the next one resumes where the sequence broke.
    if (!on_frame(connection, decode_frame(*text))) connection->socket->abort();
  }
}

bool MattermostAdapter::on_frame(const std::shared_ptr<Connection>& connection, const Frame& frame) {
  if (const auto* bad = std::get_if<DecodeError>(&frame.body); bad && !frame.seq) {
    spdlog::warn("Mattermost: WebSocket {} sent a frame Tend cannot read: {}", connection->id, bad->what);
    return true;
  }
  if (const auto* response = std::get_if<Response>(&frame.body)) {
    spdlog::debug("Mattermost: reply {} to a WebSocket request ({})", response->seq_reply,
                  response->ok ? "OK" : response->error_id);
    return true;
  }
  if (!frame.seq) return true;
  if (const auto* hello = std::get_if<Hello>(&frame.body)) {
    // The connection's own greeting, sent again in a replay: not a new start.
    if (!hello->connection_id.empty() && hello->connection_id == resume_.connection_id() &&
        *frame.seq < resume_.next())
      return true;
    on_hello(*hello, *frame.seq);
    link_.feed(link::FrameReceived{connection->id, *frame.seq});
    return true;
  }
  switch (resume_.on_event(*frame.seq)) {
    case ResumePoint::Order::repeated:
      spdlog::debug("Mattermost: event {} was handled already; skipped", *frame.seq);
      return true;
    case ResumePoint::Order::gap:
      spdlog::warn(
          "Mattermost: event {} arrived where {} was due; reconnecting so that the server sends what "
          "was missed",
          *frame.seq, resume_.next());
      return false;
    case ResumePoint::Order::next:
      break;
  }
  link_.feed(link::FrameReceived{connection->id, *frame.seq});
  if (const auto* posted = std::get_if<Posted>(&frame.body)) {
    on_post(posted->post);
  } else if (const auto* updated = std::get_if<UserUpdated>(&frame.body)) {
    if (updated->user_id != bot_.user_id)
      asio::co_spawn(executor_, dispatcher_->profile_changed(updated->user_id, updated->profile),
                     asio::detached);
  } else if (const auto* bad = std::get_if<DecodeError>(&frame.body)) {
    spdlog::warn("Mattermost: event {} cannot be read: {}", *frame.seq, bad->what);
  } else if (const auto* ignored = std::get_if<Ignored>(&frame.body)) {
    spdlog::trace("Mattermost: ignored {}", ignored->what);
  }
  return true;
}

void MattermostAdapter::on_hello(const Hello& hello, std::int64_t seq) {
  if (first_hello_at_ == 0) first_hello_at_ = wall_clock_ms();
  const auto before = resume_.connection_id();
  if (!resume_.on_hello(hello, seq)) return;
  spdlog::warn(
      "Mattermost: the server no longer knew connection {} (now {}); fetching what was posted meanwhile",
      before, resume_.connection_id());
  asio::co_spawn(executor_, catch_up(), asio::detached);
}

// ---- Posts ----

bool MattermostAdapter::seen(const std::string& post_id) {
  if (!recent_.insert(post_id).second) return true;
  recent_order_.push_back(post_id);
  if (recent_order_.size() > kRecentPosts) {
    recent_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
  return false;
}

asio::awaitable<void> MattermostAdapter::resolve_mentions(platform::Command& command) {
  std::map<std::string, std::string, std::less<>> ids;
  for (auto& name : mentioned_usernames(command.text)) {
    if (auto known = user_ids_.find(name); known != user_ids_.end()) {
      ids.emplace(name, known->second);
      continue;
    }
    auto username = name;
    auto user = co_await rest_.user_by_username(std::move(username));
    if (user.ok() && user.body.is_object() && !user.body.value("id", std::string()).empty()) {
      user_ids_[name] = user.body.value("id", std::string());
      ids.emplace(name, user_ids_[name]);
    }
  }
  if (!ids.empty()) command.text = with_mention_ids(command.text, ids);
}

void MattermostAdapter::on_post(Post post) {
  newest_post_at_ = std::max(newest_post_at_, post.create_at);
  if (seen(post.id)) return;
  auto command = command_of(post, bot_);
  if (!command) return;
  if (command->command.text.find('@') == std::string::npos) {
    dispatch_post(std::move(*command));
    return;
  }
  asio::co_spawn(
      executor_,
      [this, command = std::move(*command)]() mutable -> asio::awaitable<void> {
        co_await resolve_mentions(command.command);
        dispatch_post(std::move(command));
      },
      asio::detached);
}

void MattermostAdapter::dispatch_post(PostCommand command) {
  auto item = command.command;
  batch_.add(std::move(item), [this, command = std::move(command),
                               at = std::chrono::steady_clock::now()](std::optional<Reply> reply) {
    asio::co_spawn(executor_, answer_post(command, std::move(reply), at), asio::detached);
  });
}

asio::awaitable<platform::SendResult> MattermostAdapter::post_with_retries(json body) {
  const Backoff backoff{kFirstRetry, kAnswerBackoffCap};
  for (int attempt = 0;; ++attempt) {
    auto result = send_result_of(co_await rest_.create_post(body));
    if (result.status == Status::sent || result.status == Status::permanent_failure ||
        attempt + 1 >= kAnswerAttempts || stopping_)
      co_return result;
    const auto wait = result.status == Status::retry_after
                          ? std::chrono::duration_cast<std::chrono::milliseconds>(result.retry_after)
                          : backoff.delay(attempt);
    co_await sleep_for(wait);
  }
}

asio::awaitable<void> MattermostAdapter::answer_post(PostCommand command, std::optional<Reply> reply,
                                                     std::chrono::steady_clock::time_point received_at) {
  const auto& origin = command.command.origin;
  const auto answer = reply.value_or(Message{kNotKept, {}, {}});
  platform::SendResult result;
  if (command.thread_root_id.empty()) {
    auto body = post_body(answer, origin.channel_id, buttons_for(origin.user_id));
    result = co_await post_with_retries(std::move(body));
  } else {
    // In a channel everyone reads the thread: the answer goes by DM, the thread hears only where.
    auto bot = bot_.user_id;
    auto person = origin.user_id;
    auto dm = co_await rest_.open_dm(std::move(bot), std::move(person));
    result = send_result_of(dm);
    if (dm.ok()) {
      auto body = post_body(answer, dm.body["id"].get<std::string>(), buttons_for(origin.user_id));
      result = co_await post_with_retries(std::move(body));
    }
    const Message pointer{origin.user_name.empty()
                              ? "I've answered you in a direct message."
                              : "@" + origin.user_name + ", I've answered you in a direct message.",
                          {},
                          {}};
    auto in_thread = post_body(pointer, origin.channel_id, buttons_for(""));
    in_thread["root_id"] = command.thread_root_id;
    co_await post_with_retries(std::move(in_thread));
  }
  metrics().ack_latency(platform(), std::chrono::steady_clock::now() - received_at);
  if (result.status != Status::sent)
    spdlog::warn("Mattermost: an answer to a post could not be delivered ({})", result.error);
}

asio::awaitable<void> MattermostAdapter::catch_up() {
  if (catching_up_) {
    catch_up_again_ = true;
    co_return;
  }
  catching_up_ = true;
  do {
    catch_up_again_ = false;
    const auto since = (newest_post_at_ > 0 ? newest_post_at_ : first_hello_at_) - kCatchUpMarginMs;
    const Backoff backoff{kFirstRetry, options_.max_backoff};
    RestResult channels;
    for (int attempt = 0; attempt < kAnswerAttempts && !stopping_; ++attempt) {
      channels = co_await rest_.my_channels();
      if (channels.ok() || !channels.temporary()) break;
      const auto wait = channels.rate_limited()
                            ? std::chrono::duration_cast<std::chrono::milliseconds>(channels.retry_after)
                            : backoff.delay(attempt);
      co_await sleep_for(wait);
    }
    if (!channels.ok()) {
      spdlog::error(
          "Mattermost: could not list the bot's channels to catch up ({}); what was posted while the "
          "server had forgotten the connection stays unanswered",
          channels.error);
      break;
    }
    int found = 0;
    for (const auto& channel : channels_of(channels.body)) {
      if (channel.last_post_at < since) continue;
      auto channel_id = channel.id;
      auto posts = co_await rest_.posts_since(std::move(channel_id), since);
      if (!posts.ok()) {
        spdlog::warn("Mattermost: could not fetch a channel's posts to catch up ({})", posts.error);
        continue;
      }
      for (auto& post : posts_of(posts.body, channel.type)) {
        // An older post edited meanwhile is not a new command.
        if (post.create_at < since || recent_.contains(post.id)) continue;
        found += post.user_id != bot_.user_id;
        on_post(std::move(post));
      }
    }
    spdlog::info("Mattermost: caught up; {} post(s) the server had not sent again", found);
  } while (catch_up_again_ && !stopping_);
  catching_up_ = false;
}

// ---- Outbound ----

asio::awaitable<platform::SendResult> MattermostAdapter::send(const platform::Recipient& to,
                                                              const Message& message) {
  auto recipient = to;
  auto copy = message;
  if (!co_await signed_in()) {
    platform::SendResult not_yet;
    not_yet.status = Status::temporary_failure;
    not_yet.error = "not signed in to Mattermost";
    co_return not_yet;
  }
  auto bot = bot_.user_id;
  auto buttons = buttons_for("");
  co_return co_await rest_.send(std::move(bot), std::move(recipient), std::move(copy), std::move(buttons));
}

asio::awaitable<std::optional<platform::UserProfile>> MattermostAdapter::lookup_user(std::string user_id) {
  co_return co_await rest_.user_profile(std::move(user_id));
}

// ---- The listener's routes ----

void MattermostAdapter::add_routes(http::Routes& routes) {
  routes.add(http::verb::post, "/mattermost/command",
             [this](const http::Request& r) { return on_command(r); });
  routes.add(http::verb::post, "/mattermost/action", [this](const http::Request& r) { return on_action(r); });
}

asio::awaitable<std::shared_ptr<MattermostAdapter::Waiting>> MattermostAdapter::handle_in_time(
    platform::Inbound item) {
  auto waiting = std::make_shared<Waiting>(executor_);
  waiting->timer.expires_after(options_.answer_within);
  batch_.add(std::move(item), [waiting](std::optional<Reply> reply) {
    waiting->done = true;
    waiting->reply = std::move(reply);
    if (waiting->late)
      waiting->late(std::move(waiting->reply));
    else
      waiting->timer.cancel();
  });
  if (!waiting->done) {
    boost::system::error_code ec;
    co_await waiting->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return waiting;
}

asio::awaitable<http::Response> MattermostAdapter::on_command(const http::Request& request) {
  const auto received_at = std::chrono::steady_clock::now();
  auto decoded = decode_slash_command(request.body(), request[boost::beast::http::field::authorization]);
  if (const auto* bad = std::get_if<DecodeError>(&decoded)) {
    spdlog::warn("Mattermost: a slash-command request Tend cannot read ({})", bad->what);
    co_return http::text_response(http::status::bad_request, "bad request\n");
  }
  auto slash = std::get<SlashCommand>(std::move(decoded));
  const auto expected = options_.command_tokens.find(slash.command.name);
  if (expected == options_.command_tokens.end()) {
    spdlog::warn(
        "Mattermost: a /{} request was refused: Tend has no token for that command (see the README: "
        "Mattermost, slash commands)",
        loggable_name(slash.command.name));
    co_return http::text_response(http::status::unauthorized, "unknown command\n");
  }
  if (!tokens_equal(slash.token, expected->second)) {
    spdlog::warn("Mattermost: a /{} request was refused: its token is not the one Tend has for that command",
                 loggable_name(slash.command.name));
    co_return http::text_response(http::status::unauthorized, "wrong token\n");
  }
  if (!dispatcher_) co_return http::text_response(http::status::service_unavailable, "starting\n");
  co_await resolve_mentions(slash.command);
  const auto user = slash.command.origin.user_id;
  platform::Inbound item = slash.command;
  auto waiting = co_await handle_in_time(std::move(item));
  Message answer{kWorkingOnIt, {}, {}};
  if (waiting->done) {
    answer = waiting->reply.value_or(Message{kNotKept, {}, {}});
  } else {
    waiting->late = [this, url = slash.response_url, user](std::optional<Reply> reply) {
      asio::co_spawn(
          executor_,
          [this, url, user, reply = std::move(reply)]() -> asio::awaitable<void> {
            const auto late = reply.value_or(Message{kNotKept, {}, {}});
            auto body = command_response(late, buttons_for(user));
            auto target = url;
            auto answered = co_await rest_.post_to(std::move(target), std::move(body));
            if (answered.ok()) co_return;
            spdlog::warn(
                "Mattermost: a late answer could not go to its response_url ({}); sending it as a DM",
                answered.error);
            const platform::Recipient to{platform::Recipient::Kind::person, user};
            co_await send(to, late);
          },
          asio::detached);
    };
  }
  metrics().ack_latency(platform(), std::chrono::steady_clock::now() - received_at);
  co_return json_response(http::status::ok, command_response(answer, buttons_for(user)));
}

asio::awaitable<http::Response> MattermostAdapter::on_action(const http::Request& request) {
  const auto received_at = std::chrono::steady_clock::now();
  auto decoded = decode_action(request.body(), options_.signing_key);
  if (const auto* bad = std::get_if<DecodeError>(&decoded)) {
    spdlog::warn("Mattermost: a button press was refused ({})", bad->what);
    co_return http::text_response(http::status::forbidden, "forbidden\n");
  }
  if (!dispatcher_) co_return http::text_response(http::status::service_unavailable, "starting\n");
  auto press = std::get<ActionRequest>(std::move(decoded));
  const auto user = press.action.origin.user_id;
  platform::Inbound item = press.action;
  auto waiting = co_await handle_in_time(std::move(item));
  json answer;
  if (waiting->done) {
    const auto reply = waiting->reply.value_or(Message{kNotKept, {}, {}});
    // New buttons replace the pressed message; a plain answer shows under it, to the presser only.
    answer = action_response(reply, buttons_for(user), /*replace_post=*/!reply.buttons.empty());
  } else {
    answer = action_response(Message{kWorkingOnIt, {}, {}}, buttons_for(user), false);
    waiting->late = [this, user](std::optional<Reply> reply) {
      asio::co_spawn(
          executor_,
          [this, user, reply = std::move(reply)]() -> asio::awaitable<void> {
            const platform::Recipient to{platform::Recipient::Kind::person, user};
            const auto late = reply.value_or(Message{kNotKept, {}, {}});
            co_await send(to, late);
          },
          asio::detached);
    };
  }
  metrics().ack_latency(platform(), std::chrono::steady_clock::now() - received_at);
  co_return json_response(http::status::ok, answer);
}

}  // namespace tend::mattermost
