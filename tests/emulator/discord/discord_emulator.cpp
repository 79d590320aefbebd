#include "tests/emulator/discord/discord_emulator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cmath>
#include <deque>
#include <future>
#include <map>

namespace tend::emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

struct Socket {
  explicit Socket(tcp::socket s) : ws(std::move(s)) {}
  websocket::stream<beast::tcp_stream> ws;
  std::deque<std::string> queue;
  bool writing = false;
  bool open = true;
  bool attached = false;  // identified or resumed: receives the session's dispatches
  std::size_t opening = 0;
};

struct Forced429 {
  std::string prefix;
  int count = 0;
  double retry_after = 0;
  bool global = false;
};

struct Bucket {
  int remaining = 0;
  std::chrono::steady_clock::time_point reset_at{};
};

}  // namespace

struct DiscordEmulator::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  Options options;
  unsigned short port = 0;
  // The session: one bot, one shard.
  std::string session_id;
  bool session_valid = false;
  std::int64_t sequence = 0;
  std::vector<std::pair<std::int64_t, std::string>> log;  // dispatches for replay
  int identifies = 0;
  int session_starts_remaining = 0;
  int session_counter = 0;
  bool zombie = false;
  std::vector<std::shared_ptr<Socket>> sockets;
  std::vector<GatewayOpening> openings;
  std::vector<json> received;
  // REST
  std::vector<DiscordCall> calls;
  std::vector<Forced429> forced;
  std::map<std::string, Bucket> buckets;
  std::map<std::string, std::string> dm_channel_of_user;
  std::map<std::string, std::string> user_of_dm_channel;
  std::vector<std::string> blocked_users;
  bool refuse_sockets = false;
  int max_open_sockets = 0;
  int heartbeats = 0;
  // Interactions: what was dispatched, and what Tend answered.
  struct InteractionState {
    std::string token;
    json d;
    std::chrono::steady_clock::time_point created{};
    std::optional<std::chrono::steady_clock::time_point> dispatched;
    InteractionAnswer answer;
  };
  std::map<std::string, InteractionState> interactions;
  std::map<std::string, std::string> interaction_of_token;
  std::map<std::int64_t, std::string> interaction_at;  // the session's sequence numbers of interactions
  int answered = 0;
  std::map<std::string, DiscordUser> users;
  json registered = json::array();
  // Snowflakes carry the millisecond they were made, as Discord's do.
  std::uint64_t snowflake_ms = 0;
  std::uint64_t snowflake_increment = 0;
};

namespace {

using State = DiscordEmulator::State;

template <class F>
auto on_io(State& s, F fn) {
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  asio::post(s.io, [&task] { task(); });
  return result.get();
}

constexpr std::uint64_t kDiscordEpochMs = 1420070400000;

std::string snowflake(State& s) {
  const auto now_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                     std::chrono::system_clock::now().time_since_epoch())
                                                     .count());
  if (now_ms > s.snowflake_ms) {
    s.snowflake_ms = now_ms;
    s.snowflake_increment = 0;
  } else if (++s.snowflake_increment == 4096) {
    ++s.snowflake_ms;  // more than 4096 in one millisecond: borrow the next one
    s.snowflake_increment = 0;
  }
  return std::to_string(((s.snowflake_ms - kDiscordEpochMs) << 22) | (1u << 17) | s.snowflake_increment);
}

asio::awaitable<void> drain(std::shared_ptr<Socket> socket) {
  while (!socket->queue.empty() && socket->open) {
    auto frame = std::move(socket->queue.front());
    socket->queue.pop_front();
    beast::error_code ec;
    socket->ws.text(true);
    co_await socket->ws.async_write(asio::buffer(frame), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  socket->writing = false;
}

void send(State& s, const std::shared_ptr<Socket>& socket, std::string frame) {
  if (!socket->open) return;
  socket->queue.push_back(std::move(frame));
  if (socket->writing) return;
  socket->writing = true;
  asio::co_spawn(s.io, drain(socket), asio::detached);
}

json op_frame(int op, json d) {
  return {{"t", nullptr}, {"s", nullptr}, {"op", op}, {"d", std::move(d)}};
}

void note_interaction(State& s, const json& d) {
  if (!d.is_object() || !d.contains("id") || !d["id"].is_string()) return;
  auto& known = s.interactions[d["id"].get<std::string>()];
  if (known.d.is_null()) {
    known.d = d;
    known.token = d.value("token", "");
    known.created = std::chrono::steady_clock::now();
    s.interaction_of_token[known.token] = d["id"].get<std::string>();
  }
  if (!known.dispatched) known.dispatched = std::chrono::steady_clock::now();
}

std::int64_t emit(State& s, const std::string& type, json d) {
  auto sequence = ++s.sequence;
  bool attached = false;
  for (auto& socket : s.sockets) attached = attached || socket->attached;
  if (type == "INTERACTION_CREATE") {
    note_interaction(s, d);
    const auto id = d.value("id", "");
    s.interaction_at[sequence] = id;
    if (attached) s.interactions[id].answer.delivered = true;
  }
  auto frame = json{{"t", type}, {"s", sequence}, {"op", 0}, {"d", std::move(d)}}.dump();
  s.log.emplace_back(sequence, frame);
  for (auto& socket : s.sockets)
    if (socket->attached) send(s, socket, frame);
  return sequence;
}

void close_socket(State& s, const std::shared_ptr<Socket>& socket, int code) {
  if (!socket->open) return;
  socket->open = false;
  socket->attached = false;
  s.openings[socket->opening].server_close_code = code;
  asio::co_spawn(
      s.io,
      [socket, code]() -> asio::awaitable<void> {
        beast::error_code ec;
        co_await socket->ws.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)),
                                        asio::redirect_error(asio::use_awaitable, ec));
      },
      asio::detached);
}

void on_frame(State& s, const std::shared_ptr<Socket>& socket, const std::string& text,
              DiscordEmulator& emulator) {
  auto frame = json::parse(text, nullptr, false);
  s.received.push_back(frame.is_discarded() ? json(text) : frame);
  if (!frame.is_object() || !frame.contains("op") || !frame["op"].is_number_integer()) {
    close_socket(s, socket, 4002);
    return;
  }
  const json d = frame.value("d", json());
  switch (frame["op"].get<int>()) {
    case 1:
      ++s.heartbeats;
      if (!s.zombie) send(s, socket, json{{"op", 11}}.dump());
      return;
    case 2: {
      if (!d.is_object() || d.value("token", "") != s.options.token) return close_socket(s, socket, 4004);
      if (socket->attached) return close_socket(s, socket, 4005);
      ++s.identifies;
      if (--s.session_starts_remaining < 0) return close_socket(s, socket, 4004);  // Discord resets the token
      // A new session replaces the old one, and the old one's sockets stop receiving.
      for (auto& other : s.sockets) other->attached = false;
      s.session_id = "emulatedsession" + std::to_string(++s.session_counter);
      s.session_valid = true;
      s.sequence = 0;
      s.log.clear();
      s.interaction_at.clear();
      socket->attached = true;
      s.openings[socket->opening].outcome = GatewayOpening::Outcome::identified;
      auto sequence = ++s.sequence;
      auto ready = emulator.ready_frame(sequence, s.session_id);
      s.log.emplace_back(sequence, ready.dump());
      send(s, socket, ready.dump());
      return;
    }
    case 6: {
      if (!d.is_object() || d.value("token", "") != s.options.token) return close_socket(s, socket, 4004);
      auto seq_it = d.find("seq");
      bool known = s.session_valid && d.value("session_id", "") == s.session_id && seq_it != d.end() &&
                   seq_it->is_number_integer() && seq_it->get<std::int64_t>() <= s.sequence;
      if (!known) {
        s.openings[socket->opening].outcome = GatewayOpening::Outcome::resume_refused;
        send(s, socket, op_frame(9, false).dump());
        return;
      }
      for (auto& other : s.sockets) other->attached = false;
      auto from = seq_it->get<std::int64_t>();
      int replayed = 0;
      for (const auto& [sequence, stored] : s.log)
        if (sequence > from) {
          send(s, socket, stored);
          ++replayed;
          if (auto it = s.interaction_at.find(sequence); it != s.interaction_at.end())
            s.interactions[it->second].answer.delivered = true;
        }
      socket->attached = true;
      s.openings[socket->opening].outcome = GatewayOpening::Outcome::resumed;
      s.openings[socket->opening].replayed = replayed;
      auto sequence = ++s.sequence;
      auto resumed = emulator.resumed_frame(sequence).dump();
      s.log.emplace_back(sequence, resumed);
      send(s, socket, resumed);
      return;
    }
    default:
      close_socket(s, socket, 4001);
  }
}

asio::awaitable<void> serve_gateway(State* s, DiscordEmulator* emulator, beast::tcp_stream stream,
                                    http::request<http::string_body> req) {
  beast::error_code ec;
  if (s->refuse_sockets) {
    http::response<http::string_body> refused{http::status::service_unavailable, 11};
    refused.body() = "upstream connect error";
    refused.prepare_payload();
    co_await http::async_write(stream, refused, asio::redirect_error(asio::use_awaitable, ec));
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    co_return;
  }
  auto socket = std::make_shared<Socket>(stream.release_socket());
  co_await socket->ws.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  auto target = std::string(req.target());
  auto q = target.find('?');
  socket->opening = s->openings.size();
  s->openings.push_back({q == std::string::npos ? std::string() : target.substr(q + 1)});
  s->sockets.push_back(socket);
  s->max_open_sockets = std::max(s->max_open_sockets, static_cast<int>(s->sockets.size()));
  send(*s, socket, emulator->hello_frame().dump());
  beast::flat_buffer buffer;
  while (socket->open) {
    co_await socket->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    on_frame(*s, socket, beast::buffers_to_string(buffer.data()), *emulator);
    buffer.consume(buffer.size());
  }
  if (ec == websocket::error::closed)
    s->openings[socket->opening].client_close_code = socket->ws.reason().code;
  socket->open = false;
  socket->attached = false;
  std::erase(s->sockets, socket);
}

http::response<http::string_body> answer(int status, const json& body) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  if (!body.is_null()) {
    res.set(http::field::content_type, "application/json");
    res.body() = body.dump();
  }
  return res;
}

json error_body(const std::string& message, int code) {
  return {{"message", message}, {"code", code}};
}

json user_object(const DiscordUser& user) {
  return {{"id", user.id},
          {"username", user.username},
          {"global_name", user.global_name.empty() ? json(nullptr) : json(user.global_name)},
          {"avatar", nullptr},
          {"discriminator", "0"},
          {"public_flags", 0}};
}

// The bucket a route template falls in, and its major parameter.
std::pair<std::string, std::string> bucket_of(const std::vector<std::string>& parts) {
  if (parts.size() >= 3 && parts[0] == "channels") return {"channel-messages", parts[1]};
  if (parts.size() == 3 && parts[0] == "users") return {"user-channels", ""};
  if (parts.size() == 2 && parts[0] == "users") return {"users", ""};
  if (parts.size() >= 2 && parts[0] == "applications") return {"application-commands", parts[1]};
  if (parts.size() >= 2 && parts[0] == "gateway") return {"gateway-bot", ""};
  return {"", ""};  // interactions and webhooks: outside the buckets Tend is paced by
}

http::response<http::string_body> route(State& s, DiscordEmulator& emulator,
                                        const http::request<http::string_body>& req, DiscordCall& call) {
  auto target = std::string(req.target());
  target = target.substr(0, target.find('?'));
  const std::string prefix = "/api/v10";
  if (target.rfind(prefix, 0) != 0) return answer(404, error_body("404: Not Found", 0));
  auto path = target.substr(prefix.size());
  call.route = std::string(req.method_string()) + " " + path;
  call.authorization = std::string(req[http::field::authorization]);
  call.body = json::parse(req.body(), nullptr, false);
  if (call.body.is_discarded()) call.body = nullptr;
  std::vector<std::string> parts;
  for (std::size_t start = 1; start <= path.size();) {
    auto end = path.find('/', start);
    parts.push_back(path.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  bool interaction = !parts.empty() && (parts[0] == "interactions" || parts[0] == "webhooks");
  if (!interaction && call.authorization != "Bot " + s.options.token)
    return answer(401, error_body("401: Unauthorized", 0));

  for (auto& forced : s.forced) {
    if (forced.count <= 0 || call.route.rfind(forced.prefix, 0) != 0) continue;
    --forced.count;
    auto res = answer(429, {{"message", "You are being rate limited."},
                            {"retry_after", forced.retry_after},
                            {"global", forced.global}});
    res.set("Retry-After", std::to_string(static_cast<int>(std::ceil(forced.retry_after))));
    res.set("X-RateLimit-Scope", forced.global ? "global" : "user");
    if (forced.global) res.set("X-RateLimit-Global", "true");
    return res;
  }

  auto [bucket_name, major] = bucket_of(parts);
  std::map<std::string, std::string> limit_headers;
  if (!bucket_name.empty()) {
    auto now = std::chrono::steady_clock::now();
    auto& bucket = s.buckets[bucket_name + "|" + major];
    if (now >= bucket.reset_at) {
      bucket.remaining = s.options.bucket_limit;
      bucket.reset_at =
          now + std::chrono::milliseconds(static_cast<int>(s.options.bucket_reset_after * 1000));
    }
    // Whole milliseconds, rounded up, so a client that waits exactly this long is never early.
    double reset_after =
        static_cast<double>(std::chrono::ceil<std::chrono::milliseconds>(bucket.reset_at - now).count()) /
        1000.0;
    char reset_text[32];
    std::snprintf(reset_text, sizeof reset_text, "%.3f", reset_after);
    if (bucket.remaining <= 0) {
      auto res = answer(
          429, {{"message", "You are being rate limited."}, {"retry_after", reset_after}, {"global", false}});
      res.set("Retry-After", std::to_string(static_cast<int>(std::ceil(reset_after))));
      res.set("X-RateLimit-Limit", std::to_string(s.options.bucket_limit));
      res.set("X-RateLimit-Remaining", "0");
      res.set("X-RateLimit-Reset-After", reset_text);
      res.set("X-RateLimit-Bucket", bucket_name);
      res.set("X-RateLimit-Scope", "user");
      return res;
    }
    --bucket.remaining;
    limit_headers = {{"X-RateLimit-Limit", std::to_string(s.options.bucket_limit)},
                     {"X-RateLimit-Remaining", std::to_string(bucket.remaining)},
                     {"X-RateLimit-Reset-After", reset_text},
                     {"X-RateLimit-Bucket", bucket_name}};
  }
  auto with_limits = [&](http::response<http::string_body> res) {
    for (const auto& [name, value] : limit_headers) res.set(name, value);
    return res;
  };

  const auto method = req.method();
  if (method == http::verb::get && parts.size() == 2 && parts[0] == "users") {
    auto user = s.users.find(parts[1]);
    if (user == s.users.end()) return with_limits(answer(404, error_body("Unknown User", 10013)));
    return with_limits(answer(200, user_object(user->second)));
  }
  if (method == http::verb::get && parts == std::vector<std::string>{"gateway", "bot"})
    return with_limits(answer(200, emulator.gateway_bot_object(std::max(0, s.session_starts_remaining))));
  if (method == http::verb::post && parts == std::vector<std::string>{"users", "@me", "channels"}) {
    auto user = call.body.is_object() ? call.body.value("recipient_id", "") : std::string();
    if (user.empty()) return with_limits(answer(400, error_body("Invalid Form Body", 50035)));
    auto& channel = s.dm_channel_of_user[user];
    if (channel.empty()) {
      channel = snowflake(s);
      s.user_of_dm_channel[channel] = user;
    }
    return with_limits(answer(200, {{"id", channel}, {"type", 1}, {"flags", 0}}));
  }
  if (method == http::verb::post && parts.size() == 3 && parts[0] == "channels" && parts[2] == "messages") {
    auto user = s.user_of_dm_channel.find(parts[1]);
    if (user == s.user_of_dm_channel.end())
      return with_limits(answer(404, error_body("Unknown Channel", 10003)));
    if (std::find(s.blocked_users.begin(), s.blocked_users.end(), user->second) != s.blocked_users.end())
      return with_limits(answer(400, error_body("Cannot send messages to this user", 50007)));
    return with_limits(answer(200, emulator.message_object(snowflake(s), parts[1], call.body)));
  }
  if (method == http::verb::post && parts.size() == 4 && parts[0] == "interactions" &&
      parts[3] == "callback") {
    auto it = s.interactions.find(parts[1]);
    if (it == s.interactions.end() || !it->second.dispatched)
      return answer(404, error_body("Unknown interaction", 10062));
    auto& interaction = it->second;
    if (parts[2] != interaction.token) {
      ++interaction.answer.refused;
      return answer(401, error_body("Invalid Webhook Token", 50027));
    }
    if (interaction.answer.type != 0) {
      ++interaction.answer.refused;
      return answer(400, error_body("Interaction has already been acknowledged.", 40060));
    }
    if (call.at - interaction.created > std::chrono::milliseconds(s.options.interaction_window_ms)) {
      ++interaction.answer.refused;
      return answer(404, error_body("Unknown interaction", 10062));
    }
    if (!call.body.is_object() || !call.body.contains("type") || !call.body["type"].is_number_integer())
      return answer(400, error_body("Invalid Form Body", 50035));
    interaction.answer.type = call.body["type"].get<int>();
    interaction.answer.data = call.body.value("data", json());
    interaction.answer.latency = call.at - *interaction.dispatched;
    interaction.answer.answered_at = call.at;
    ++s.answered;
    return answer(204, nullptr);
  }
  if (method == http::verb::patch && parts.size() == 5 && parts[0] == "webhooks" && parts[4] == "@original") {
    auto id = s.interaction_of_token.find(parts[2]);
    if (id == s.interaction_of_token.end()) return answer(401, error_body("Invalid Webhook Token", 50027));
    auto& interaction = s.interactions[id->second];
    if (interaction.answer.type != 4 && interaction.answer.type != 5)
      return answer(404, error_body("Unknown Message", 10008));
    interaction.answer.edits.push_back(call.body);
    return answer(200,
                  emulator.message_object(snowflake(s), interaction.d.value("channel_id", "0"), call.body));
  }
  if (method == http::verb::put && parts.size() == 3 && parts[0] == "applications" &&
      parts[2] == "commands") {
    if (parts[1] != s.options.application_id)
      return with_limits(answer(403, error_body("Missing Access", 50001)));
    if (!call.body.is_array()) return with_limits(answer(400, error_body("Invalid Form Body", 50035)));
    s.registered = call.body;
    json out = json::array();
    for (auto command : call.body) {
      command["id"] = snowflake(s);
      command["application_id"] = parts[1];
      command["version"] = snowflake(s);
      out.push_back(std::move(command));
    }
    return with_limits(answer(200, out));
  }
  return answer(404, error_body("404: Not Found", 0));
}

asio::awaitable<void> serve(State* s, DiscordEmulator* emulator, tcp::socket tcp_socket) {
  beast::error_code no_delay_ec;
  tcp_socket.set_option(tcp::no_delay(true), no_delay_ec);  // answers leave at once, as Discord's do
  beast::tcp_stream stream(std::move(tcp_socket));
  beast::flat_buffer buffer;
  while (true) {
    http::request<http::string_body> req;
    beast::error_code ec;
    co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (websocket::is_upgrade(req)) {
      co_await serve_gateway(s, emulator, std::move(stream), std::move(req));
      co_return;
    }
    DiscordCall call;
    call.at = std::chrono::steady_clock::now();
    auto res = route(*s, *emulator, req, call);
    call.http_status = static_cast<int>(res.result_int());
    s->calls.push_back(std::move(call));
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !req.keep_alive()) co_return;
  }
}

asio::awaitable<void> accept(State* s, DiscordEmulator* emulator) {
  while (true) {
    beast::error_code ec;
    auto socket = co_await s->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    asio::co_spawn(s->io, serve(s, emulator, std::move(socket)), asio::detached);
  }
}

}  // namespace

DiscordEmulator::DiscordEmulator(Options options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  state_->options = options_;
  state_->session_starts_remaining = options_.session_start_total;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  state_->port = port_;
  asio::co_spawn(state_->io, accept(state_.get(), this), asio::detached);
  thread_ = std::thread([s = state_.get()] { s->io.run(); });
}

DiscordEmulator::~DiscordEmulator() {
  asio::post(state_->io, [s = state_.get()] {
    s->acceptor.close();
    s->io.stop();
  });
  thread_.join();
  state_.reset();
}

std::string DiscordEmulator::api_base() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/api/v10";
}
std::string DiscordEmulator::gateway_url() const {
  return "ws://127.0.0.1:" + std::to_string(port_);
}

int DiscordEmulator::identifies() const {
  return on_io(*state_, [s = state_.get()] { return s->identifies; });
}
int DiscordEmulator::session_starts_remaining() const {
  return on_io(*state_, [s = state_.get()] { return std::max(0, s->session_starts_remaining); });
}
std::string DiscordEmulator::session_id() const {
  return on_io(*state_, [s = state_.get()] { return s->session_id; });
}
int DiscordEmulator::open_sockets() const {
  return on_io(*state_, [s = state_.get()] { return static_cast<int>(s->sockets.size()); });
}
bool DiscordEmulator::wait_for_sockets(int count, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (open_sockets() != count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}
std::vector<GatewayOpening> DiscordEmulator::openings() const {
  return on_io(*state_, [s = state_.get()] { return s->openings; });
}
std::vector<json> DiscordEmulator::received() const {
  return on_io(*state_, [s = state_.get()] { return s->received; });
}
std::int64_t DiscordEmulator::dispatch(const std::string& type, json d) {
  return on_io(*state_,
               [s = state_.get(), type, d = std::move(d)]() mutable { return emit(*s, type, std::move(d)); });
}
void DiscordEmulator::send_heartbeat_request() {
  on_io(*state_, [s = state_.get()] {
    for (auto& socket : s->sockets) send(*s, socket, op_frame(1, nullptr).dump());
  });
}
void DiscordEmulator::send_reconnect() {
  on_io(*state_, [s = state_.get()] {
    for (auto& socket : s->sockets) send(*s, socket, op_frame(7, nullptr).dump());
  });
}
void DiscordEmulator::send_invalid_session(bool resumable) {
  on_io(*state_, [s = state_.get(), resumable] {
    if (!resumable) s->session_valid = false;
    for (auto& socket : s->sockets) {
      send(*s, socket, op_frame(9, resumable).dump());
      // As Discord does: a session that ended dispatches nothing more, so an interaction created
      // now waits for the next session instead of going down a socket the client is leaving.
      if (!resumable) socket->attached = false;
    }
  });
}
void DiscordEmulator::close_sockets(int code) {
  on_io(*state_, [s = state_.get(), code] {
    if (code == 4007 || code == 4009) s->session_valid = false;
    for (auto& socket : s->sockets) close_socket(*s, socket, code);
  });
}
void DiscordEmulator::drop_sockets() {
  on_io(*state_, [s = state_.get()] {
    for (auto& socket : s->sockets) {
      socket->open = false;
      socket->attached = false;
      beast::error_code ec;
      beast::get_lowest_layer(socket->ws).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(socket->ws).socket().close(ec);
    }
  });
}
void DiscordEmulator::set_zombie(bool zombie) {
  on_io(*state_, [s = state_.get(), zombie] { s->zombie = zombie; });
}

std::vector<DiscordCall> DiscordEmulator::calls(const std::string& route_prefix) const {
  return on_io(*state_, [s = state_.get(), route_prefix] {
    std::vector<DiscordCall> out;
    for (const auto& c : s->calls)
      if (c.route.rfind(route_prefix, 0) == 0) out.push_back(c);
    return out;
  });
}
void DiscordEmulator::rate_limit(const std::string& route_prefix, int count, double retry_after,
                                 bool global) {
  on_io(*state_, [s = state_.get(), route_prefix, count, retry_after, global] {
    s->forced.push_back({route_prefix, count, retry_after, global});
  });
}
void DiscordEmulator::block_dms(const std::string& user_id) {
  on_io(*state_, [s = state_.get(), user_id] { s->blocked_users.push_back(user_id); });
}

json DiscordEmulator::hello_frame() const {
  return op_frame(10, {{"heartbeat_interval", options_.heartbeat_interval_ms}});
}

json DiscordEmulator::ready_frame(std::int64_t sequence, const std::string& session_id) const {
  return {{"t", "READY"},
          {"s", sequence},
          {"op", 0},
          {"d",
           {{"v", 10},
            {"user",
             {{"id", options_.bot_user_id},
              {"username", "Tend"},
              {"bot", true},
              {"discriminator", "0"},
              {"avatar", nullptr},
              {"flags", 0},
              {"verified", true},
              {"mfa_enabled", false},
              {"email", nullptr}}},
            {"session_type", "normal"},
            {"session_id", session_id},
            {"resume_gateway_url", gateway_url()},
            {"private_channels", json::array()},
            {"guilds", json::array()},
            {"application", {{"id", options_.application_id}, {"flags", 0}}}}}};
}

json DiscordEmulator::resumed_frame(std::int64_t sequence) const {
  return {{"t", "RESUMED"}, {"s", sequence}, {"op", 0}, {"d", {{"_trace", json::array({"[\"emulator\"]"})}}}};
}

json DiscordEmulator::message_object(const std::string& id, const std::string& channel_id,
                                     const json& body) const {
  json components = body.is_object() && body.contains("components") ? body["components"] : json::array();
  return {{"type", 0},
          {"tts", false},
          {"timestamp", "2026-01-01T00:00:00.000000+00:00"},
          {"pinned", false},
          {"mentions", json::array()},
          {"mention_roles", json::array()},
          {"mention_everyone", false},
          {"id", id},
          {"flags", body.is_object() ? body.value("flags", 0) : 0},
          {"embeds", json::array()},
          {"edited_timestamp", nullptr},
          {"content", body.is_object() ? body.value("content", "") : ""},
          {"components", components},
          {"channel_id", channel_id},
          {"author",
           {{"username", "Tend"}, {"public_flags", 0}, {"id", options_.bot_user_id}, {"discriminator", "0"}}},
          {"attachments", json::array()}};
}

json DiscordEmulator::gateway_bot_object(int remaining) const {
  return {{"url", gateway_url()},
          {"shards", 1},
          {"session_start_limit",
           {{"total", options_.session_start_total},
            {"remaining", remaining},
            {"reset_after", 86400000},
            {"max_concurrency", options_.max_concurrency}}}};
}

}  // namespace tend::emulator

namespace tend::emulator {

namespace {

using State = DiscordEmulator::State;

json member_of(const DiscordUser& user) {
  return {{"user", user_object(user)},
          {"roles", json::array()},
          {"premium_since", nullptr},
          {"permissions", "2248473465835073"},
          {"pending", false},
          {"nick", nullptr},
          {"mute", false},
          {"joined_at", "2026-01-05T10:00:00.000000+00:00"},
          {"is_pending", false},
          {"deaf", false}};
}

const DiscordUser& user_for(const State& s, const std::string& user_id) {
  auto it = s.users.find(user_id);
  if (it == s.users.end()) throw std::invalid_argument("no Discord user " + user_id + " (set_user first)");
  return it->second;
}

// The frame around every interaction: who, where, and the ids and token Discord gives it.
json interaction_base(State& s, int type, const DiscordUser& user, const std::string& channel_id,
                      bool in_server) {
  const auto id = snowflake(s);
  json d = {{"version", 1},
            {"type", type},
            {"id", id},
            {"token", "aW50ZXJhY3Rpb246" + id + "OmVtdWxhdGVk"},
            {"application_id", s.options.application_id},
            {"channel_id", channel_id},
            {"locale", "en-GB"}};
  if (in_server) {
    d["guild_id"] = "808638139785936919";
    d["guild_locale"] = "en-US";
    d["member"] = member_of(user);
    d["app_permissions"] = "2248473465835073";
  } else {
    d["user"] = user_object(user);
  }
  return d;
}

std::string dm_channel(State& s, const std::string& user_id) {
  auto& channel = s.dm_channel_of_user[user_id];
  if (channel.empty()) {
    channel = snowflake(s);
    s.user_of_dm_channel[channel] = user_id;
  }
  return channel;
}

// One option as the client sends it, checked against its definition.
json option_value(State& s, const json& definition, const json& value, json& resolved) {
  const auto name = definition.value("name", "");
  const int type = definition.value("type", 3);
  json option = {{"name", name}, {"type", type}, {"value", value}};
  auto refuse = [&](const std::string& why) {
    return std::invalid_argument("option " + name + " " + why + " (registered: " + definition.dump() + ")");
  };
  switch (type) {
    case 3:
      if (!value.is_string()) throw refuse("takes text");
      break;
    case 4:
      if (!value.is_number_integer()) throw refuse("takes a whole number");
      if (definition.contains("min_value") && value.get<int>() < definition["min_value"].get<int>())
        throw refuse("is below its minimum");
      if (definition.contains("max_value") && value.get<int>() > definition["max_value"].get<int>())
        throw refuse("is above its maximum");
      break;
    case 6: {
      if (!value.is_string()) throw refuse("takes a user id");
      resolved["users"][value.get<std::string>()] = user_object(user_for(s, value.get<std::string>()));
      break;
    }
    default:
      throw refuse("has a type the emulator does not send");
  }
  if (definition.contains("choices")) {
    bool listed = false;
    for (const auto& choice : definition["choices"]) listed = listed || choice["value"] == value;
    if (!listed) throw refuse("takes one of its choices");
  }
  return option;
}

}  // namespace

std::string InteractionAnswer::content() const {
  for (auto it = edits.rbegin(); it != edits.rend(); ++it)
    if (it->is_object() && it->contains("content")) return (*it)["content"].get<std::string>();
  return data.is_object() ? data.value("content", "") : "";
}

void DiscordEmulator::refuse_sockets(bool refuse) {
  on_io(*state_, [s = state_.get(), refuse] { s->refuse_sockets = refuse; });
}
void DiscordEmulator::set_session_starts_remaining(int remaining) {
  on_io(*state_, [s = state_.get(), remaining] { s->session_starts_remaining = remaining; });
}
int DiscordEmulator::max_open_sockets() const {
  return on_io(*state_, [s = state_.get()] { return s->max_open_sockets; });
}
int DiscordEmulator::heartbeats() const {
  return on_io(*state_, [s = state_.get()] { return s->heartbeats; });
}
void DiscordEmulator::set_user(DiscordUser user) {
  on_io(*state_, [s = state_.get(), user = std::move(user)] { s->users[user.id] = user; });
}

json DiscordEmulator::command_interaction(const std::string& user_id, const std::string& name,
                                          const json& options, bool in_server) {
  return on_io(*state_, [s = state_.get(), &user_id, &name, &options, in_server] {
    const json* command = nullptr;
    for (const auto& registered : s->registered)
      if (registered.value("name", "") == name) command = &registered;
    if (!command) throw std::invalid_argument("/" + name + " is not a registered command");
    const auto& user = user_for(*s, user_id);
    auto d =
        interaction_base(*s, 2, user, in_server ? "1016614538398937098" : dm_channel(*s, user_id), in_server);
    json given = json::array();
    json resolved = json::object();
    const auto definitions = command->value("options", json::array());
    for (const auto& [option_name, value] : options.items()) {
      const json* definition = nullptr;
      for (const auto& o : definitions)
        if (o.value("name", "") == option_name) definition = &o;
      if (!definition) throw std::invalid_argument("/" + name + " has no option " + option_name);
      given.push_back(option_value(*s, *definition, value, resolved));
    }
    for (const auto& o : definitions)
      if (o.value("required", false) && !options.contains(o.value("name", "")))
        throw std::invalid_argument("/" + name + " needs its option " + o.value("name", ""));
    // The client sends options in the order they are registered.
    json ordered = json::array();
    for (const auto& o : definitions)
      for (const auto& g : given)
        if (g["name"] == o["name"]) ordered.push_back(g);
    d["data"] = {{"type", 1}, {"name", name}, {"id", command->value("id", "1")}, {"options", ordered}};
    if (!resolved.empty()) d["data"]["resolved"] = resolved;
    return d;
  });
}

json DiscordEmulator::press_interaction(const std::string& user_id, const std::string& custom_id) {
  return on_io(*state_, [this, s = state_.get(), &user_id, &custom_id] {
    const auto& user = user_for(*s, user_id);
    // The newest message carrying the button, in a DM or as an interaction's answer.
    for (auto call = s->calls.rbegin(); call != s->calls.rend(); ++call) {
      if (call->http_status >= 300 || !call->body.is_object()) continue;
      const json& body = call->body.contains("data") ? call->body["data"] : call->body;
      if (!body.is_object() ||
          body.value("components", json::array()).dump().find("\"" + custom_id + "\"") == std::string::npos)
        continue;
      const bool in_dm = call->route.rfind("POST /channels/", 0) == 0;
      std::string channel = "1016614538398937098";
      if (in_dm) channel = call->route.substr(15, call->route.find('/', 15) - 15);
      auto d = interaction_base(*s, 3, user, channel, !in_dm);
      d["message"] = message_object(snowflake(*s), channel, body);
      d["data"] = {{"custom_id", custom_id}, {"component_type", 2}};
      return d;
    }
    throw std::invalid_argument("Tend sent no button with custom_id " + custom_id);
  });
}

json DiscordEmulator::submit_interaction(const std::string& user_id, const std::string& custom_id,
                                         const std::map<std::string, std::string>& fields) {
  return on_io(*state_, [s = state_.get(), &user_id, &custom_id, &fields] {
    const auto& user = user_for(*s, user_id);
    for (const auto& [id, interaction] : s->interactions) {
      const auto& a = interaction.answer;
      if (a.type != 9 || a.data.value("custom_id", "") != custom_id) continue;
      json rows = json::array();
      for (const auto& row : a.data.value("components", json::array()))
        for (const auto& input : row.value("components", json::array())) {
          auto field = fields.find(input.value("custom_id", ""));
          if (field == fields.end() && input.value("required", false))
            throw std::invalid_argument("the form's field " + input.value("custom_id", "") + " is required");
          rows.push_back({{"type", 1},
                          {"components", json::array({{{"value", field == fields.end() ? "" : field->second},
                                                       {"type", 4},
                                                       {"custom_id", input.value("custom_id", "")}}})}});
        }
      const bool in_server = interaction.d.contains("member");
      auto d = interaction_base(*s, 5, user, interaction.d.value("channel_id", "0"), in_server);
      d["data"] = {{"custom_id", custom_id}, {"components", rows}};
      return d;
    }
    throw std::invalid_argument("Tend opened no form with custom_id " + custom_id);
  });
}

std::string DiscordEmulator::dispatch_interaction(const json& d) {
  on_io(*state_, [s = state_.get(), &d] { emit(*s, "INTERACTION_CREATE", d); });
  return d.value("id", "");
}

void DiscordEmulator::dispatch_interactions(const std::vector<json>& ds) {
  on_io(*state_, [s = state_.get(), &ds] {
    for (const auto& d : ds) emit(*s, "INTERACTION_CREATE", d);
  });
}

std::optional<InteractionAnswer> DiscordEmulator::answer(const std::string& interaction_id) const {
  return on_io(*state_, [s = state_.get(), &interaction_id]() -> std::optional<InteractionAnswer> {
    auto it = s->interactions.find(interaction_id);
    if (it == s->interactions.end()) return std::nullopt;
    return it->second.answer;
  });
}

std::optional<InteractionAnswer> DiscordEmulator::wait_for_answer(
    const std::string& interaction_id, std::chrono::milliseconds timeout,
    const std::function<bool(const InteractionAnswer&)>& done) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto now = answer(interaction_id);
    if (now && (done ? done(*now) : now->type != 0)) return now;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

int DiscordEmulator::answered() const {
  return on_io(*state_, [s = state_.get()] { return s->answered; });
}

bool DiscordEmulator::wait_for_answered(int count, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (answered() < count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

json DiscordEmulator::registered_commands() const {
  return on_io(*state_, [s = state_.get()] { return s->registered; });
}

std::vector<json> DiscordEmulator::dms_to(const std::string& user_id) const {
  return on_io(*state_, [s = state_.get(), &user_id] {
    std::vector<json> out;
    const auto channel = s->dm_channel_of_user.find(user_id);
    if (channel == s->dm_channel_of_user.end()) return out;
    const auto route = "POST /channels/" + channel->second + "/messages";
    for (const auto& call : s->calls)
      if (call.route == route && call.http_status == 200) out.push_back(call.body);
    return out;
  });
}

}  // namespace tend::emulator
