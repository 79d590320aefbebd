#include "tests/emulator/slack_emulator.hpp"

#include <unistd.h>
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
#include <condition_variable>
#include <deque>
#include <future>

namespace tend::emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using json = nlohmann::json;
using tcp = asio::ip::tcp;

namespace websocket = beast::websocket;

// One Socket Mode connection: a single writer drains the queue, a reader records the acks.
struct WsSession {
  explicit WsSession(beast::tcp_stream&& stream) : ws(std::move(stream)) {}
  websocket::stream<beast::tcp_stream> ws;
  std::deque<std::string> queue;
  bool writing = false;
  bool open = true;
};

struct SlackEmulator::State {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  Options options;
  mutable std::mutex mutex;  // guards what the test thread reads and writes
  std::vector<ApiCall> calls;
  std::map<std::string, std::pair<int, int>> rate_limits;  // method -> (remaining, retry-after)
  std::map<std::string, std::pair<int, int>> failures;     // method -> (remaining, status)
  std::map<std::string, EmulatedUser> users;
  int connections = 0;
  std::vector<std::shared_ptr<WsSession>> sockets;  // only touched on the io thread
  int sockets_opened = 0;
  int open_sockets = 0, max_open_sockets = 0;  // mirrored under the mutex
  std::vector<int> stalled_fds;                // io thread only: sockets kept open and never served again
  bool refuse_sockets = false;
  std::map<std::string, std::vector<json>> acks;
  std::map<std::string, std::string> sent_envelopes;  // envelope id -> frame
  std::map<std::string, std::chrono::steady_clock::time_point> sent_at;
  std::map<std::string, std::chrono::nanoseconds> latencies;  // first ack - sent
  int first_acks = 0;
  mutable std::condition_variable changed;
  int next_envelope = 1;
  int next_ts = 1;
  int next_ticket = 1;
};

namespace {

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

json parse_args(const std::string& content_type, const std::string& body) {
  if (body.empty()) return json::object();
  if (content_type.find("application/json") != std::string::npos) {
    auto j = json::parse(body, nullptr, false);
    return j.is_object() ? j : json::object();
  }
  json out = json::object();
  std::string_view rest = body;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos) out[url_decode(pair.substr(0, eq))] = url_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return out;
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json error(const std::string& code) {
  return {{"ok", false}, {"error", code}};
}

// Slack's answer to one Web API call, in the shapes of the fixtures.
json answer(SlackEmulator::State& s, const std::string& method, const std::string& token, const json& args,
            unsigned short port) {
  const bool bot = token == s.options.bot_token;
  if (method == "apps.connections.open") {
    if (token != s.options.app_token)
      return error(token.rfind("xapp-", 0) == 0 ? "invalid_auth" : "not_allowed_token_type");
    return {{"ok", true},
            {"url", "ws://127.0.0.1:" + std::to_string(port) +
                        "/link/?ticket=" + std::to_string(s.next_ticket++) + "&app_id=A111"}};
  }
  if (token.empty()) return error("not_authed");
  if (!bot) return error("invalid_auth");
  if (method == "auth.test")
    return {{"ok", true},
            {"url", "https://emulated.slack.com/"},
            {"team", "Emulated Workspace"},
            {"user", "tend"},
            {"team_id", "T111"},
            {"user_id", "U0BOT"},
            {"bot_id", "B111"},
            {"is_enterprise_install", false}};
  if (method == "chat.postMessage") {
    const auto channel = str(args, "channel");
    if (channel.empty()) return error("channel_not_found");
    if (str(args, "text").empty() && !args.contains("blocks")) return error("no_text");
    const auto ts = "1795360000." + std::to_string(100000 + s.next_ts++);
    return {{"ok", true},
            {"channel", channel},
            {"ts", ts},
            {"message", {{"text", str(args, "text")}, {"ts", ts}}}};
  }
  if (method == "chat.postEphemeral") {
    if (str(args, "channel").empty()) return error("channel_not_found");
    if (str(args, "user").empty()) return error("user_not_in_channel");
    return {{"ok", true}, {"message_ts", "1795360000." + std::to_string(100000 + s.next_ts++)}};
  }
  if (method == "conversations.open") {
    const auto users = str(args, "users");
    if (users.empty()) return error("users_list_not_supplied");
    return {{"ok", true}, {"channel", {{"id", "D" + users}}}};
  }
  if (method == "users.info") {
    auto it = s.users.find(str(args, "user"));
    if (it == s.users.end()) return error("user_not_found");
    const auto& u = it->second;
    return {{"ok", true},
            {"user",
             {{"id", it->first},
              {"name", u.display_name},
              {"real_name", u.real_name},
              {"tz", u.tz},
              {"profile", {{"display_name", u.display_name}, {"real_name", u.real_name}}}}}};
  }
  if (method == "views.open") {
    if (str(args, "trigger_id").empty()) return error("invalid_arguments");
    return {{"ok", true}, {"view", {{"id", "V" + std::to_string(s.next_ts++)}, {"type", "modal"}}}};
  }
  if (method == "views.publish") {
    if (str(args, "user_id").empty()) return error("invalid_arguments");
    return {{"ok", true}, {"view", {{"id", "V" + std::to_string(s.next_ts++)}, {"type", "home"}}}};
  }
  return error("unknown_method");
}

void set_open(SlackEmulator::State& s) {
  std::lock_guard lock(s.mutex);
  s.open_sockets = static_cast<int>(s.sockets.size());
  s.max_open_sockets = std::max(s.max_open_sockets, s.open_sockets);
  s.changed.notify_all();
}

asio::awaitable<void> drain(std::shared_ptr<WsSession> session) {
  while (!session->queue.empty() && session->open) {
    auto frame = std::move(session->queue.front());
    session->queue.pop_front();
    beast::error_code ec;
    session->ws.text(true);
    co_await session->ws.async_write(asio::buffer(frame), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  session->writing = false;
}

void queue_frame(SlackEmulator::State& s, const std::shared_ptr<WsSession>& session, std::string frame) {
  session->queue.push_back(std::move(frame));
  if (session->writing) return;
  session->writing = true;
  asio::co_spawn(s.io, drain(session), asio::detached);
}

asio::awaitable<void> serve_socket(SlackEmulator::State* s, beast::tcp_stream stream,
                                   http::request<http::string_body> req) {
  auto session = std::make_shared<WsSession>(std::move(stream));
  beast::get_lowest_layer(session->ws).expires_never();
  beast::error_code ec;
  co_await session->ws.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  s->sockets.push_back(session);
  {
    std::lock_guard lock(s->mutex);
    ++s->sockets_opened;
  }
  set_open(*s);
  const json hello{
      {"type", "hello"},
      {"num_connections", s->sockets.size()},
      {"debug_info",
       {{"host", "applink-emulator"}, {"build_number", 10}, {"approximate_connection_time", 18060}}},
      {"connection_info", {{"app_id", "A111"}}}};
  queue_frame(*s, session, hello.dump());
  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    co_await session->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    auto ack = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
    if (ack.is_object() && ack.contains("envelope_id") && ack["envelope_id"].is_string()) {
      const auto now = std::chrono::steady_clock::now();
      std::lock_guard lock(s->mutex);
      const auto id = ack["envelope_id"].get<std::string>();
      auto& acks = s->acks[id];
      if (acks.empty()) {
        ++s->first_acks;
        if (auto sent = s->sent_at.find(id); sent != s->sent_at.end()) s->latencies[id] = now - sent->second;
      }
      acks.push_back(std::move(ack));
      s->changed.notify_all();
    }
  }
  session->open = false;
  std::erase(s->sockets, session);
  set_open(*s);
}

asio::awaitable<void> serve(SlackEmulator::State* s, tcp::socket socket, unsigned short port) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    beast::error_code ec;
    co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    const std::string target(req.target());
    bool refuse = false;
    {
      std::lock_guard lock(s->mutex);
      refuse = s->refuse_sockets;
    }
    if (websocket::is_upgrade(req) && target.rfind("/link/", 0) == 0 && !refuse) {
      co_await serve_socket(s, std::move(stream), std::move(req));
      co_return;
    }
    const std::string content_type(req[http::field::content_type]);
    const auto args = parse_args(content_type, req.body());
    std::string authorization(req[http::field::authorization]);
    std::string token = authorization.rfind("Bearer ", 0) == 0 ? authorization.substr(7) : str(args, "token");
    const std::string method = target.rfind("/api/", 0) == 0 ? target.substr(5) : "response_url";

    http::response<http::string_body> res{http::status::ok, req.version()};
    res.keep_alive(req.keep_alive());
    {
      std::lock_guard lock(s->mutex);
      auto limit = s->rate_limits.find(method);
      auto failure = s->failures.find(method);
      if (limit != s->rate_limits.end() && limit->second.first > 0) {
        --limit->second.first;
        res.result(http::status::too_many_requests);
        res.set(http::field::retry_after, std::to_string(limit->second.second));
        res.set(http::field::content_type, "application/json; charset=utf-8");
        res.body() = R"({"ok":false,"error":"ratelimited"})";
      } else if (failure != s->failures.end() && failure->second.first > 0) {
        --failure->second.first;
        res.result(static_cast<http::status>(failure->second.second));
        res.set(http::field::content_type, "text/plain");
        res.body() = "upstream error";
      } else if (target.rfind("/link/", 0) == 0) {
        res.result(http::status::service_unavailable);
        res.body() = "socket mode unavailable";
      } else if (target.rfind("/commands/", 0) == 0) {
        res.set(http::field::content_type, "text/plain");
        res.body() = "ok";
      } else if (target.rfind("/api/", 0) == 0) {
        res.set(http::field::content_type, "application/json; charset=utf-8");
        res.body() = answer(*s, method, token, args, port).dump();
      } else {
        res.result(http::status::not_found);
        res.body() = "not found";
      }
      s->calls.push_back({method, authorization, content_type, args, std::chrono::steady_clock::now(),
                          static_cast<int>(res.result_int())});
    }
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !req.keep_alive()) co_return;
  }
}

asio::awaitable<void> accept(SlackEmulator::State* s, unsigned short port) {
  for (;;) {
    beast::error_code ec;
    auto socket = co_await s->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true), ec);
    {
      std::lock_guard lock(s->mutex);
      ++s->connections;
    }
    asio::co_spawn(s->io, serve(s, std::move(socket), port), asio::detached);
  }
}

}  // namespace

SlackEmulator::SlackEmulator(Options options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  state_->options = options_;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  asio::co_spawn(state_->io, accept(state_.get(), port_), asio::detached);
  thread_ = std::thread([s = state_.get()] { s->io.run(); });
}

SlackEmulator::~SlackEmulator() {
  asio::post(state_->io, [s = state_.get()] {
    s->acceptor.close();
    s->io.stop();
  });
  thread_.join();
  for (int fd : state_->stalled_fds) ::close(fd);
  // Destroying the io_context destroys the suspended sessions with it.
  state_.reset();
}

std::string SlackEmulator::api_base() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/api/";
}

std::vector<ApiCall> SlackEmulator::calls(const std::string& method) const {
  std::lock_guard lock(state_->mutex);
  std::vector<ApiCall> out;
  for (const auto& c : state_->calls)
    if (method.empty() || c.method == method) out.push_back(c);
  return out;
}

void SlackEmulator::rate_limit(const std::string& method, int count, int retry_after_seconds) {
  std::lock_guard lock(state_->mutex);
  state_->rate_limits[method] = {count, retry_after_seconds};
}

void SlackEmulator::fail_with_status(const std::string& method, int count, int status) {
  std::lock_guard lock(state_->mutex);
  state_->failures[method] = {count, status};
}

void SlackEmulator::set_user(const std::string& id, EmulatedUser user) {
  std::lock_guard lock(state_->mutex);
  state_->users[id] = std::move(user);
}

int SlackEmulator::connections_accepted() const {
  std::lock_guard lock(state_->mutex);
  return state_->connections;
}

namespace {

// Runs `fn` on the emulator's thread and waits for it.
template <class F>
auto on_io(SlackEmulator::State& s, F fn) {
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  asio::post(s.io, [&task] { task(); });
  return result.get();
}

void send_envelopes(SlackEmulator::State& s, const std::vector<std::pair<std::string, std::string>>& frames) {
  {
    std::lock_guard lock(s.mutex);
    for (const auto& [id, frame] : frames) s.sent_envelopes[id] = frame;
  }
  on_io(s, [&] {
    if (s.sockets.empty()) throw std::runtime_error("no Socket Mode connection is open");
    // Stamped on the emulator's thread as each frame is queued, so latency excludes the hand-over.
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(s.mutex);
      for (const auto& [id, frame] : frames) s.sent_at[id] = now;
    }
    for (const auto& [id, frame] : frames) queue_frame(s, s.sockets.front(), frame);
    return 0;
  });
}

void send_envelope(SlackEmulator::State& s, const std::string& envelope_id, const std::string& frame) {
  send_envelopes(s, {{envelope_id, frame}});
}

}  // namespace

int SlackEmulator::open_sockets() const {
  std::lock_guard lock(state_->mutex);
  return state_->open_sockets;
}

int SlackEmulator::sockets_opened() const {
  std::lock_guard lock(state_->mutex);
  return state_->sockets_opened;
}

int SlackEmulator::max_open_sockets() const {
  std::lock_guard lock(state_->mutex);
  return state_->max_open_sockets;
}

bool SlackEmulator::wait_for_sockets(int count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->open_sockets == count; });
}

json SlackEmulator::slash_command_envelope(const std::string& user_id, const std::string& command,
                                           const std::string& text) {
  std::string id, trigger, user_name = user_id;
  {
    std::lock_guard lock(state_->mutex);
    const auto n = state_->next_envelope++;
    id = "env-" + std::to_string(n);
    trigger = std::to_string(n) + ".1111.trigger";
    // Slack sends the user's (legacy) username here.
    if (auto it = state_->users.find(user_id); it != state_->users.end()) user_name = it->second.display_name;
  }
  json envelope{{"envelope_id", id},
                {"type", "slash_commands"},
                {"accepts_response_payload", true},
                {"payload",
                 {{"token", "verification-token"},
                  {"team_id", "T111"},
                  {"team_domain", "emulated"},
                  {"channel_id", "C111"},
                  {"channel_name", "general"},
                  {"user_id", user_id},
                  {"user_name", user_name},
                  {"command", command},
                  {"text", text},
                  {"api_app_id", "A111"},
                  {"response_url", "http://127.0.0.1:" + std::to_string(port_) + "/commands/T111/" + id},
                  {"trigger_id", trigger}}}};
  return envelope;
}

json SlackEmulator::block_action_envelope(const std::string& user_id, const std::string& action_id,
                                          const std::string& value) {
  std::string id;
  {
    std::lock_guard lock(state_->mutex);
    id = "env-" + std::to_string(state_->next_envelope++);
  }
  json envelope{
      {"envelope_id", id},
      {"type", "interactive"},
      {"accepts_response_payload", false},
      {"payload",
       {{"type", "block_actions"},
        {"user", {{"id", user_id}, {"username", user_id}, {"team_id", "T111"}}},
        {"api_app_id", "A111"},
        {"trigger_id", id + ".trigger"},
        {"container", {{"type", "message"}, {"channel_id", "D" + user_id}, {"is_ephemeral", false}}},
        {"channel", {{"id", "D" + user_id}}},
        {"response_url", "http://127.0.0.1:" + std::to_string(port_) + "/commands/T111/" + id},
        {"actions",
         {{{"type", "button"},
           {"action_id", action_id},
           {"block_id", "b1"},
           {"value", value},
           {"action_ts", "1795360000.000001"}}}}}}};
  return envelope;
}

void SlackEmulator::send_raw(const std::string& frame) {
  on_io(*state_, [&] {
    if (state_->sockets.empty()) throw std::runtime_error("no Socket Mode connection is open");
    queue_frame(*state_, state_->sockets.front(), frame);
    return 0;
  });
}

std::string SlackEmulator::redeliver(const std::string& envelope_id, bool new_envelope_id) {
  std::string frame, id = envelope_id;
  {
    std::lock_guard lock(state_->mutex);
    frame = state_->sent_envelopes.at(envelope_id);
    if (new_envelope_id) id = "env-" + std::to_string(state_->next_envelope++);
  }
  auto j = json::parse(frame);
  j["envelope_id"] = id;
  send_envelope(*state_, id, j.dump());
  return id;
}

std::optional<json> SlackEmulator::wait_for_ack(const std::string& envelope_id,
                                                std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  if (!state_->changed.wait_for(lock, timeout, [&] { return state_->acks.count(envelope_id) > 0; }))
    return std::nullopt;
  return state_->acks.at(envelope_id).front();
}

int SlackEmulator::acks_for(const std::string& envelope_id) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->acks.find(envelope_id);
  return it == state_->acks.end() ? 0 : static_cast<int>(it->second.size());
}

void SlackEmulator::send_disconnect(const std::string& reason) {
  send_raw(json{{"type", "disconnect"}, {"reason", reason}, {"debug_info", {{"host", "applink-emulator"}}}}
               .dump());
}

void SlackEmulator::drop_sockets() {
  on_io(*state_, [&] {
    for (auto& session : state_->sockets) {
      beast::error_code ec;
      beast::get_lowest_layer(session->ws).socket().close(ec);
    }
    return 0;
  });
}

void SlackEmulator::stall_sockets() {
  on_io(*state_, [&] {
    for (auto& session : state_->sockets) {
      beast::error_code ec;
      // Taking the descriptor away from Asio ends the session's reads and writes while the
      // connection itself stays up.
      const int fd = beast::get_lowest_layer(session->ws).socket().release(ec);
      if (!ec) state_->stalled_fds.push_back(fd);
    }
    return 0;
  });
}

void SlackEmulator::refuse_sockets(bool refuse) {
  std::lock_guard lock(state_->mutex);
  state_->refuse_sockets = refuse;
}

json SlackEmulator::home_opened_envelope(const std::string& user_id) {
  std::string id;
  {
    std::lock_guard lock(state_->mutex);
    id = "env-" + std::to_string(state_->next_envelope++);
  }
  json envelope{{"envelope_id", id},
                {"type", "events_api"},
                {"accepts_response_payload", false},
                {"retry_attempt", 0},
                {"retry_reason", ""},
                {"payload",
                 {{"token", "verification-token"},
                  {"team_id", "T111"},
                  {"api_app_id", "A111"},
                  {"type", "event_callback"},
                  {"event_id", "Ev" + id},
                  {"event_time", 1795360000},
                  {"event",
                   {{"type", "app_home_opened"},
                    {"user", user_id},
                    {"channel", "D" + user_id},
                    {"tab", "home"},
                    {"event_ts", "1795360000.000100"}}}}}};
  return envelope;
}

std::string SlackEmulator::send(const json& envelope) {
  const auto id = envelope.at("envelope_id").get<std::string>();
  send_envelope(*state_, id, envelope.dump());
  return id;
}

std::string SlackEmulator::send_slash_command(const std::string& user_id, const std::string& command,
                                              const std::string& text) {
  return send(slash_command_envelope(user_id, command, text));
}

std::string SlackEmulator::send_block_action(const std::string& user_id, const std::string& action_id,
                                             const std::string& value) {
  return send(block_action_envelope(user_id, action_id, value));
}

std::string SlackEmulator::send_home_opened(const std::string& user_id) {
  return send(home_opened_envelope(user_id));
}

std::vector<std::string> SlackEmulator::send_all(const std::vector<json>& envelopes) {
  std::vector<std::pair<std::string, std::string>> frames;
  std::vector<std::string> ids;
  for (const auto& envelope : envelopes) {
    ids.push_back(envelope.at("envelope_id").get<std::string>());
    frames.emplace_back(ids.back(), envelope.dump());
  }
  send_envelopes(*state_, frames);
  return ids;
}

int SlackEmulator::acked() const {
  std::lock_guard lock(state_->mutex);
  return state_->first_acks;
}

bool SlackEmulator::wait_for_acked(int count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->first_acks >= count; });
}

std::optional<std::chrono::nanoseconds> SlackEmulator::ack_latency(const std::string& envelope_id) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->latencies.find(envelope_id);
  if (it == state_->latencies.end()) return std::nullopt;
  return it->second;
}

std::optional<std::chrono::steady_clock::time_point> SlackEmulator::ack_time(
    const std::string& envelope_id) const {
  std::lock_guard lock(state_->mutex);
  auto sent = state_->sent_at.find(envelope_id);
  auto latency = state_->latencies.find(envelope_id);
  if (sent == state_->sent_at.end() || latency == state_->latencies.end()) return std::nullopt;
  return sent->second + latency->second;
}

}  // namespace tend::emulator
