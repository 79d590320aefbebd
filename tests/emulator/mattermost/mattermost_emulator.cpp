#include "tests/emulator/mattermost/mattermost_emulator.hpp"

#include <algorithm>
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
#include <cctype>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

namespace tend::emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using json = nlohmann::json;
using tcp = asio::ip::tcp;

namespace {

struct Connection;

// One WebSocket: a single writer drains the queue.
struct Socket {
  explicit Socket(beast::tcp_stream&& stream) : ws(std::move(stream)) {}
  websocket::stream<beast::tcp_stream> ws;
  std::deque<std::string> queue;
  bool writing = false;
  bool pinging = false;
  bool open = true;
};

// The server's memory of one connection; it outlives its socket, for a resume.
struct Connection {
  std::string id;
  std::int64_t next_seq = 0;
  std::deque<std::pair<std::int64_t, std::string>> buffer;
  std::shared_ptr<Socket> socket;  // null while the client is away
};

constexpr std::int64_t kCreatedAt = 1795360000000;

}  // namespace

struct MattermostEmulator::State {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  Options options;
  unsigned short port = 0;
  mutable std::mutex mutex;  // guards what the test thread reads and writes
  mutable std::condition_variable changed;
  std::vector<MattermostCall> calls;
  std::vector<json> posts;
  struct Fault {
    int remaining = 0;
    int value = 0;  // seconds for 429, the status otherwise
    bool retry_after_header = true;
  };
  std::map<std::string, Fault> rate_limits, failures;  // route prefix -> fault
  std::map<std::string, MattermostUser> users;
  std::map<std::string, std::string> dm_by_user, user_by_dm;
  int connections = 0;
  int open_sockets = 0;
  int max_open_sockets = 0;
  int pongs = 0;
  bool refuse_sockets = false;
  bool refuse_resumes = false;
  int lose_events = 0;                  // events still to keep from the socket (they stay in the buffer)
  int overlap_resume = 0;               // the next resume replays this many events before the asked one too
  std::map<std::string, Fault> delays;  // route prefix -> answers held back `value` ms
  // Every channel a post was made in or a DM opened for, with its posts: what GET
  // /users/me/channels and /channels/{id}/posts answer.
  struct ChannelRecord {
    std::string type;
    std::vector<json> posts;
  };
  std::map<std::string, ChannelRecord> channels;
  std::int64_t last_ms = 0;
  // A person's DM posts and when Tend answered each: Tend's next post in that DM answers the
  // oldest one not yet answered.
  std::map<std::string, std::chrono::steady_clock::time_point> post_sent_at, post_answered_at;
  std::map<std::string, std::deque<std::string>> unanswered;  // DM channel -> post ids, oldest first
  std::vector<SocketOpening> openings;
  std::vector<json> requests;
  std::int64_t next_id = 1;
  // Only touched on the io thread.
  std::map<std::string, std::shared_ptr<Connection>> conns;
  // The server's requests to Tend: queued, sent by a few workers over kept-alive connections.
  struct OutRequest {
    std::string url, content_type, body, authorization;
    std::shared_ptr<std::promise<HttpAnswer>> promise;
  };
  std::deque<OutRequest> out_queue;
  int out_workers = 0;
  std::map<std::string, std::vector<std::unique_ptr<beast::tcp_stream>>> idle_out;  // by host:port
  std::vector<std::shared_ptr<Socket>> sockets;

  // The server's clock for posts: milliseconds, never the same twice.
  std::int64_t now_ms() {
    std::lock_guard lock(mutex);
    const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    last_ms = std::max(wall, last_ms + 1);
    return last_ms;
  }
  void record_post(const std::string& channel_id, const std::string& type, json post) {
    std::lock_guard lock(mutex);
    auto& channel = channels[channel_id];
    channel.type = type;
    channel.posts.push_back(std::move(post));
  }

  // Ids of Mattermost's shape: 26 lowercase letters and digits.
  std::string new_id(char kind) {
    std::lock_guard lock(mutex);
    auto digits = std::to_string(next_id++);
    return std::string(1, kind) + std::string(25 - digits.size(), 'x') + digits;
  }
};

namespace {

using State = MattermostEmulator::State;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json app_error(const std::string& id, const std::string& message, int status) {
  return {{"id", id},
          {"message", message},
          {"detailed_error", ""},
          {"request_id", "emulatorrequestid000000000"},
          {"status_code", status}};
}

template <class F>
auto on_io(State& s, F fn) {
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto result = task.get_future();
  asio::post(s.io, [&task] { task(); });
  return result.get();
}

void count_open(State& s) {
  std::lock_guard lock(s.mutex);
  s.open_sockets = static_cast<int>(s.sockets.size());
  s.max_open_sockets = std::max(s.max_open_sockets, s.open_sockets);
  s.changed.notify_all();
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

void queue_frame(State& s, const std::shared_ptr<Socket>& socket, std::string frame) {
  if (!socket->open) return;
  socket->queue.push_back(std::move(frame));
  if (socket->writing) return;
  socket->writing = true;
  asio::co_spawn(s.io, drain(socket), asio::detached);
}

// Numbers an event for one connection, keeps it for replay, and sends it when the client is there.
void emit(State& s, Connection& conn, const std::string& event, const json& data, const json& broadcast) {
  const auto seq = conn.next_seq++;
  json frame{{"event", event}, {"data", data}, {"broadcast", broadcast}, {"seq", seq}};
  auto text = frame.dump();
  conn.buffer.emplace_back(seq, text);
  while (conn.buffer.size() > s.options.replay_buffer) conn.buffer.pop_front();
  bool lose = false;
  {
    std::lock_guard lock(s.mutex);
    lose = conn.socket && s.lose_events > 0;
    if (lose) --s.lose_events;
  }
  if (conn.socket && !lose) queue_frame(s, conn.socket, std::move(text));
}

json hello_of(const State& s, const std::string& connection_id) {
  return {
      {"event", "hello"},
      {"data",
       {{"server_version", "10.5.0.13645.emulator.false"},
        {"connection_id", connection_id},
        {"server_hostname", "mattermost-emulator"}}},
      {"broadcast",
       {{"omit_users", nullptr}, {"user_id", s.options.bot_user_id}, {"channel_id", ""}, {"team_id", ""}}},
      {"seq", 0}};
}

void send_hello(State& s, Connection& conn) {
  const auto hello = hello_of(s, conn.id);
  emit(s, conn, "hello", hello["data"], hello["broadcast"]);
}

std::map<std::string, std::string> query_of(std::string_view target) {
  std::map<std::string, std::string> out;
  const auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos) out[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return out;
}

// The server's part of a (re)connect: resume a remembered connection from the asked sequence,
// or start a new one with a hello.
void attach(State& s, const std::shared_ptr<Socket>& socket, const std::string& asked_id,
            std::int64_t asked_seq) {
  SocketOpening opening;
  opening.asked_connection_id = asked_id;
  opening.asked_sequence = asked_seq;
  std::shared_ptr<Connection> conn;
  std::vector<std::string> frames;  // sent once the opening is on record
  auto start_again = [&] {
    conn->next_seq = 0;
    conn->buffer.clear();
    conn->id = s.new_id('k');
    s.conns[conn->id] = conn;
    send_hello(s, *conn);
    frames.push_back(conn->buffer.back().second);
  };
  if (auto it = s.conns.find(asked_id); !asked_id.empty() && it != s.conns.end() && !it->second->socket) {
    conn = it->second;
    auto from = std::find_if(conn->buffer.begin(), conn->buffer.end(),
                             [&](const auto& entry) { return entry.first == asked_seq; });
    if (from != conn->buffer.end() || asked_seq == conn->next_seq) {
      {
        // A replay that starts before what was asked for: the client already had those.
        std::lock_guard lock(s.mutex);
        for (; s.overlap_resume > 0 && from != conn->buffer.begin(); --s.overlap_resume) --from;
        s.overlap_resume = 0;
      }
      opening.outcome = SocketOpening::Outcome::resumed;
      for (auto e = from; e != conn->buffer.end(); ++e) frames.push_back(e->second);
      opening.replayed = static_cast<int>(frames.size());
    } else {
      // Events were lost: the server starts the connection again under a new id.
      opening.outcome = SocketOpening::Outcome::forgotten;
      s.conns.erase(conn->id);
      start_again();
    }
  } else {
    opening.outcome = asked_id.empty() ? SocketOpening::Outcome::fresh : SocketOpening::Outcome::forgotten;
    conn = std::make_shared<Connection>();
    start_again();
  }
  opening.connection_id = conn->id;
  {
    std::lock_guard lock(s.mutex);
    s.openings.push_back(opening);
    s.changed.notify_all();
  }
  conn->socket = socket;
  for (auto& frame : frames) queue_frame(s, socket, std::move(frame));
}

void detach(State& s, const std::shared_ptr<Socket>& socket) {
  socket->open = false;
  for (auto& [id, conn] : s.conns)
    if (conn->socket == socket) conn->socket.reset();
  std::erase(s.sockets, socket);
  count_open(s);
}

json reply(std::int64_t seq, const std::string& error_id = {}) {
  if (error_id.empty()) return {{"status", "OK"}, {"seq_reply", seq}};
  return {{"status", "FAIL"}, {"seq_reply", seq}, {"error", {{"id", error_id}, {"message", error_id}}}};
}

asio::awaitable<void> serve_socket(State* s, beast::tcp_stream stream, http::request<http::string_body> req) {
  const auto query = query_of(req.target());
  const std::string authorization(req[http::field::authorization]);
  bool authenticated = authorization == "Bearer " + s->options.bot_token;
  auto socket = std::make_shared<Socket>(std::move(stream));
  beast::get_lowest_layer(socket->ws).expires_never();
  socket->ws.control_callback([s](websocket::frame_type kind, beast::string_view) {
    if (kind != websocket::frame_type::pong) return;
    std::lock_guard lock(s->mutex);
    ++s->pongs;
    s->changed.notify_all();
  });
  beast::error_code ec;
  co_await socket->ws.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  s->sockets.push_back(socket);
  count_open(*s);
  const auto asked_id = query.contains("connection_id") ? query.at("connection_id") : std::string();
  std::int64_t asked_seq = -1;
  if (query.contains("sequence_number")) {
    try {
      asked_seq = std::stoll(query.at("sequence_number"));
    } catch (const std::exception&) {
    }
  }
  if (authenticated) attach(*s, socket, asked_id, asked_seq);

  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    co_await socket->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    auto request = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
    if (!request.is_object()) continue;
    {
      std::lock_guard lock(s->mutex);
      s->requests.push_back(request);
      s->changed.notify_all();
    }
    std::int64_t seq = 0;
    if (auto it = request.find("seq"); it != request.end() && it->is_number_integer())
      seq = it->get<std::int64_t>();
    const auto action = str(request, "action");
    if (action == "authentication_challenge") {
      if (authenticated) continue;
      if (str(request.value("data", json::object()), "token") != s->options.bot_token) {
        // The server closes a socket that presents a bad token.
        co_await socket->ws.async_close(websocket::close_code::policy_error,
                                        asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
      authenticated = true;
      queue_frame(*s, socket, reply(seq).dump());
      attach(*s, socket, asked_id, asked_seq);
    } else if (!authenticated) {
      queue_frame(*s, socket, reply(seq, "api.web_socket_router.not_authenticated.app_error").dump());
    } else if (action == "user_typing") {
      queue_frame(*s, socket, reply(seq).dump());
    } else {
      queue_frame(*s, socket, reply(seq, "api.web_socket_router.bad_action.app_error").dump());
    }
  }
  detach(*s, socket);
}

json user_json(const std::string& id, const MattermostUser& u) {
  return {{"id", id},
          {"create_at", kCreatedAt},
          {"update_at", kCreatedAt},
          {"delete_at", 0},
          {"username", u.username},
          {"auth_data", ""},
          {"auth_service", ""},
          {"email", u.username + "@example.org"},
          {"nickname", u.nickname},
          {"first_name", u.first_name},
          {"last_name", u.last_name},
          {"position", ""},
          {"roles", "system_user"},
          {"locale", "en"},
          {"timezone",
           {{"automaticTimezone", u.automatic_timezone},
            {"manualTimezone", u.manual_timezone},
            {"useAutomaticTimezone", u.use_automatic_timezone ? "true" : "false"}}}};
}

std::optional<MattermostUser> find_user(State& s, const std::string& id) {
  std::lock_guard lock(s.mutex);
  if (auto it = s.users.find(id); it != s.users.end()) return it->second;
  if (id == s.options.bot_user_id) return MattermostUser{s.options.bot_username, "", "", "", true, "", ""};
  return std::nullopt;
}

std::string dm_of(State& s, const std::string& user_id) {
  {
    std::lock_guard lock(s.mutex);
    if (auto it = s.dm_by_user.find(user_id); it != s.dm_by_user.end()) return it->second;
  }
  auto id = s.new_id('d');
  std::lock_guard lock(s.mutex);
  auto [it, inserted] = s.dm_by_user.emplace(user_id, id);
  if (inserted) {
    s.user_by_dm[id] = user_id;
    s.channels[id].type = "D";
  }
  return it->second;
}

json post_json(const std::string& id, const std::string& user_id, const std::string& channel_id,
               const std::string& root_id, const std::string& message, const json& props, std::int64_t at) {
  return {{"id", id},
          {"create_at", at},
          {"update_at", at},
          {"edit_at", 0},
          {"delete_at", 0},
          {"is_pinned", false},
          {"user_id", user_id},
          {"channel_id", channel_id},
          {"root_id", root_id},
          {"original_id", ""},
          {"message", message},
          {"type", ""},
          {"props", props.is_object() ? props : json::object()},
          {"hashtags", ""},
          {"pending_post_id", ""},
          {"reply_count", 0},
          {"metadata", json::object()}};
}

struct Answer {
  http::status status = http::status::ok;
  json body;
};

// The REST API: what the server answers to one authenticated call.
// The posted event for a post: what every connection of the channel's members receives.
json posted_of(State& s, const json& post, const std::string& channel_type) {
  const auto user_id = str(post, "user_id");
  const auto channel = str(post, "channel_id");
  const auto user = find_user(s, user_id).value_or(MattermostUser{user_id, "", "", "", true, "", ""});
  const bool direct = channel_type == "D";
  std::string other = user_id;  // the DM's other member, when the bot posts there
  if (direct) {
    std::lock_guard lock(s.mutex);
    if (auto it = s.user_by_dm.find(channel); it != s.user_by_dm.end()) other = it->second;
  }
  json data{{"channel_display_name", direct ? "@" + user.username : std::string("Town Square")},
            {"channel_name",
             direct ? std::min(other, s.options.bot_user_id) + "__" + std::max(other, s.options.bot_user_id)
                    : std::string("town-square")},
            {"channel_type", channel_type},
            {"post", post.dump()},
            {"sender_name", "@" + user.username},
            {"set_online", true},
            {"team_id", direct ? std::string() : s.options.team_id}};
  if (str(post, "message").find("@" + s.options.bot_username) != std::string::npos)
    data["mentions"] = json::array({s.options.bot_user_id}).dump();
  return {{"event", "posted"},
          {"data", data},
          {"broadcast", {{"channel_id", channel}, {"omit_users", nullptr}, {"team_id", ""}, {"user_id", ""}}},
          {"seq", 0}};
}

// A channel as the REST API shows it.
json channel_json(State& s, const std::string& id) {
  std::string type = "D", name = id;
  std::int64_t last_post_at = 0;
  {
    std::lock_guard lock(s.mutex);
    if (auto it = s.channels.find(id); it != s.channels.end()) {
      type = it->second.type;
      for (const auto& post : it->second.posts)
        last_post_at = std::max(last_post_at, post["create_at"].get<std::int64_t>());
    }
    if (auto it = s.user_by_dm.find(id); it != s.user_by_dm.end())
      name = std::min(it->second, s.options.bot_user_id) + "__" + std::max(it->second, s.options.bot_user_id);
  }
  return {{"id", id},
          {"create_at", kCreatedAt},
          {"update_at", kCreatedAt},
          {"delete_at", 0},
          {"team_id", type == "D" ? std::string() : s.options.team_id},
          {"type", type},
          {"display_name", ""},
          {"name", name},
          {"header", ""},
          {"purpose", ""},
          {"last_post_at", last_post_at},
          {"total_msg_count", 0},
          {"extra_update_at", 0},
          {"creator_id", ""}};
}

Answer rest(State& s, http::verb verb, const std::string& path,
            const std::map<std::string, std::string>& query, const json& body) {
  if (verb == http::verb::get && path == "/api/v4/users/me/channels") {
    json list = json::array();
    std::vector<std::string> ids;
    {
      std::lock_guard lock(s.mutex);
      for (const auto& [id, channel] : s.channels) ids.push_back(id);
    }
    for (const auto& id : ids) list.push_back(channel_json(s, id));
    return {http::status::ok, list};
  }
  if (verb == http::verb::get && path.rfind("/api/v4/users/username/", 0) == 0) {
    const auto name = path.substr(std::string("/api/v4/users/username/").size());
    std::optional<std::pair<std::string, MattermostUser>> found;
    {
      std::lock_guard lock(s.mutex);
      for (const auto& [id, user] : s.users)
        if (user.username == name) found = {id, user};
    }
    if (found) return {http::status::ok, user_json(found->first, found->second)};
    return {http::status::not_found,
            app_error("app.user.missing_account.const", "Unable to find the user.", 404)};
  }
  if (verb == http::verb::get && path == "/api/v4/users/me")
    return {http::status::ok, user_json(s.options.bot_user_id, *find_user(s, s.options.bot_user_id))};
  if (verb == http::verb::get && path.rfind("/api/v4/users/", 0) == 0) {
    const auto id = path.substr(std::string("/api/v4/users/").size());
    if (auto user = find_user(s, id)) return {http::status::ok, user_json(id, *user)};
    return {http::status::not_found,
            app_error("app.user.missing_account.const", "Unable to find the user.", 404)};
  }
  if (verb == http::verb::post && path == "/api/v4/channels/direct") {
    if (!body.is_array() || body.size() != 2 || !body[0].is_string() || !body[1].is_string())
      return {http::status::bad_request, app_error("api.context.invalid_body_param.app_error",
                                                   "Invalid or missing user_ids in request body.", 400)};
    std::string a = body[0], b = body[1];
    if (a != s.options.bot_user_id && b != s.options.bot_user_id)
      return {http::status::forbidden, app_error("api.context.permissions.app_error",
                                                 "You do not have the appropriate permissions.", 403)};
    const auto other = a == s.options.bot_user_id ? b : a;
    if (!find_user(s, other))
      return {http::status::bad_request, app_error("api.channel.create_direct_channel.invalid_user.app_error",
                                                   "Invalid user ID for direct channel creation.", 400)};
    return {http::status::created, channel_json(s, dm_of(s, other))};
  }
  if (verb == http::verb::get && path.rfind("/api/v4/channels/", 0) == 0 && path.ends_with("/posts")) {
    const auto id =
        path.substr(std::string("/api/v4/channels/").size(),
                    path.size() - std::string("/api/v4/channels/").size() - std::string("/posts").size());
    std::int64_t since = 0;
    if (auto it = query.find("since"); it != query.end()) since = std::stoll(it->second);
    json list{{"order", json::array()},
              {"posts", json::object()},
              {"next_post_id", ""},
              {"prev_post_id", ""},
              {"has_next", false}};
    std::lock_guard lock(s.mutex);
    auto channel = s.channels.find(id);
    if (channel == s.channels.end())
      return {http::status::forbidden, app_error("api.context.permissions.app_error",
                                                 "You do not have the appropriate permissions.", 403)};
    // Newest first, as the server orders them.
    for (auto post = channel->second.posts.rbegin(); post != channel->second.posts.rend(); ++post) {
      if ((*post)["update_at"].get<std::int64_t>() <= since) continue;
      list["order"].push_back((*post)["id"]);
      list["posts"][(*post)["id"].get<std::string>()] = *post;
    }
    return {http::status::ok, list};
  }
  if (verb == http::verb::post && path == "/api/v4/posts") {
    const auto channel = str(body, "channel_id");
    if (!body.is_object() || channel.empty())
      return {http::status::bad_request, app_error("api.context.invalid_body_param.app_error",
                                                   "Invalid or missing post in request body.", 400)};
    bool known = false;
    {
      std::lock_guard lock(s.mutex);
      known = s.user_by_dm.contains(channel) || channel.rfind("channel", 0) == 0;
    }
    if (!known)
      return {http::status::forbidden, app_error("api.context.permissions.app_error",
                                                 "You do not have the appropriate permissions.", 403)};
    auto post = post_json(s.new_id('p'), s.options.bot_user_id, channel, str(body, "root_id"),
                          str(body, "message"), body.value("props", json::object()), s.now_ms());
    bool direct = false;
    {
      std::lock_guard lock(s.mutex);
      direct = s.user_by_dm.contains(channel);
    }
    s.record_post(channel, direct ? "D" : "O", post);
    // The server tells every member of the channel, the bot's own connections included.
    const auto event = posted_of(s, post, direct ? "D" : "O");
    for (auto& [id, conn] : s.conns) emit(s, *conn, "posted", event["data"], event["broadcast"]);
    std::lock_guard lock(s.mutex);
    if (auto waiting = s.unanswered.find(channel);
        waiting != s.unanswered.end() && !waiting->second.empty()) {
      s.post_answered_at[waiting->second.front()] = std::chrono::steady_clock::now();
      waiting->second.pop_front();
    }
    s.posts.push_back(post);
    s.changed.notify_all();
    return {http::status::created, post};
  }
  return {http::status::not_found,
          app_error("api.context.404.app_error", "Sorry, we could not find the page.", 404)};
}

asio::awaitable<void> serve(State* s, tcp::socket tcp_socket) {
  beast::tcp_stream stream(std::move(tcp_socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    beast::error_code ec;
    co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    const std::string target(req.target());
    const auto path = target.substr(0, target.find('?'));
    const std::string authorization(req[http::field::authorization]);
    const std::string content_type(req[http::field::content_type]);
    const auto route = std::string(req.method_string()) + " " + path;
    bool refuse = false;
    {
      std::lock_guard lock(s->mutex);
      refuse = s->refuse_sockets;
    }
    bool refuse_resume = false;
    std::optional<State::Fault> delayed;
    {
      std::lock_guard lock(s->mutex);
      refuse_resume = s->refuse_resumes && query_of(target).contains("connection_id");
      for (auto& [prefix, fault] : s->delays) {
        if (fault.remaining > 0 && route.rfind(prefix, 0) == 0) {
          --fault.remaining;
          delayed = fault;
          break;
        }
      }
    }
    if (delayed) {
      asio::steady_timer wait(s->io, std::chrono::milliseconds(delayed->value));
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (websocket::is_upgrade(req) && path == "/api/v4/websocket" && !refuse && !refuse_resume &&
        (authorization.empty() || authorization == "Bearer " + s->options.bot_token)) {
      {
        std::lock_guard lock(s->mutex);
        s->calls.push_back(
            {route, authorization, content_type, nullptr, std::chrono::steady_clock::now(), 101});
      }
      co_await serve_socket(s, std::move(stream), std::move(req));
      co_return;
    }
    auto body = json::parse(req.body(), nullptr, false);
    if (body.is_discarded()) body = nullptr;

    http::response<http::string_body> res{http::status::ok, req.version()};
    res.keep_alive(req.keep_alive());
    std::optional<State::Fault> limited, failed;
    {
      std::lock_guard lock(s->mutex);
      for (auto* faults : {&s->rate_limits, &s->failures}) {
        for (auto& [prefix, fault] : *faults) {
          if (fault.remaining > 0 && route.rfind(prefix, 0) == 0) {
            --fault.remaining;
            (faults == &s->rate_limits ? limited : failed) = fault;
            break;
          }
        }
        if (limited || failed) break;
      }
    }
    if (limited) {
      // The server's rate limiter answers in plain text, with the limiter's headers.
      res.result(http::status::too_many_requests);
      res.set("X-Ratelimit-Limit", "10");
      res.set("X-Ratelimit-Remaining", "0");
      res.set("X-Ratelimit-Reset", std::to_string(limited->value));
      if (limited->retry_after_header) res.set(http::field::retry_after, std::to_string(limited->value));
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = "limit exceeded\n";
    } else if (failed) {
      res.result(static_cast<http::status>(failed->value));
      res.set(http::field::content_type, "text/plain");
      res.body() = "upstream error";
    } else if (path == "/api/v4/websocket") {
      if (refuse_resume) {
        res.result(http::status::bad_request);
        res.set(http::field::content_type, "application/json");
        res.body() =
            app_error("api.web_socket.connect.invalid_sequence.app_error", "Invalid sequence number.", 400)
                .dump();
      } else if (refuse) {
        res.result(http::status::service_unavailable);
        res.body() = "websocket unavailable";
      } else {
        res.result(http::status::unauthorized);
        res.set(http::field::content_type, "application/json");
        res.body() = app_error("api.context.session_expired.app_error",
                               "Invalid or expired session, please login again.", 401)
                         .dump();
      }
    } else if (path.rfind("/hooks/commands/", 0) == 0 && req.method() == http::verb::post) {
      res.set(http::field::content_type, "text/plain");
      res.body() = "ok";
    } else if (path.rfind("/api/v4/", 0) == 0) {
      Answer answer;
      if (authorization != "Bearer " + s->options.bot_token)
        answer = {http::status::unauthorized,
                  app_error("api.context.session_expired.app_error",
                            "Invalid or expired session, please login again.", 401)};
      else
        answer = rest(*s, req.method(), path, query_of(target), body);
      res.result(answer.status);
      res.set(http::field::content_type, "application/json");
      res.set("X-Version-Id", "10.5.0.13645.emulator.false");
      res.body() = answer.body.dump();
    } else {
      res.result(http::status::not_found);
      res.body() = "404 page not found";
    }
    {
      std::lock_guard lock(s->mutex);
      s->calls.push_back({route, authorization, content_type, body, std::chrono::steady_clock::now(),
                          static_cast<int>(res.result_int())});
      s->changed.notify_all();
    }
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !req.keep_alive()) co_return;
  }
}

asio::awaitable<void> accept(State* s) {
  for (;;) {
    beast::error_code ec;
    auto socket = co_await s->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true), ec);
    {
      std::lock_guard lock(s->mutex);
      ++s->connections;
    }
    asio::co_spawn(s->io, serve(s, std::move(socket)), asio::detached);
  }
}

// One of the server's requests to an integration (slash command, button), over a connection kept
// alive from an earlier one when there is one, as the server's HTTP client does.
asio::awaitable<HttpAnswer> exchange(State* s, const State::OutRequest& out) {
  HttpAnswer answer;
  try {
    if (out.url.rfind("http://", 0) != 0) throw std::invalid_argument("only http:// URLs");
    const auto rest = out.url.substr(7);
    const auto slash = rest.find('/');
    const auto authority = rest.substr(0, slash);
    const auto target = slash == std::string::npos ? std::string("/") : rest.substr(slash);
    const auto colon = authority.rfind(':');
    const auto host = authority.substr(0, colon);
    const auto port = colon == std::string::npos ? std::string("80") : authority.substr(colon + 1);
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, authority);
    req.set(http::field::accept, "application/json");
    req.set(http::field::user_agent, "Mattermost-Bot/1.1");
    req.set(http::field::content_type, out.content_type);
    if (!out.authorization.empty()) req.set(http::field::authorization, out.authorization);
    req.body() = out.body;
    req.prepare_payload();
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<beast::tcp_stream> stream;
      auto& idle = s->idle_out[authority];
      const bool reused = !idle.empty();
      if (reused) {
        stream = std::move(idle.back());
        idle.pop_back();
      } else {
        stream = std::make_unique<beast::tcp_stream>(s->io);
        stream->expires_after(std::chrono::seconds(30));
        tcp::resolver resolver(s->io);
        co_await stream->async_connect(co_await resolver.async_resolve(host, port, asio::use_awaitable),
                                       asio::use_awaitable);
        stream->socket().set_option(tcp::no_delay(true));
      }
      stream->expires_after(std::chrono::seconds(30));
      beast::error_code ec;
      answer.sent_at = std::chrono::steady_clock::now();
      co_await http::async_write(*stream, req, asio::redirect_error(asio::use_awaitable, ec));
      beast::flat_buffer buffer;
      http::response<http::string_body> res;
      if (!ec) co_await http::async_read(*stream, buffer, res, asio::redirect_error(asio::use_awaitable, ec));
      // A kept-alive connection the other side closed meanwhile: once more on a new one.
      if (ec && reused && attempt == 0) continue;
      if (ec) throw beast::system_error(ec);
      answer.answered_at = std::chrono::steady_clock::now();
      answer.status = static_cast<int>(res.result_int());
      answer.content_type = std::string(res[http::field::content_type]);
      answer.body = res.body();
      if (res.keep_alive()) {
        stream->expires_never();
        s->idle_out[authority].push_back(std::move(stream));
      }
      break;
    }
  } catch (const std::exception& e) {
    answer.error = e.what();
  }
  co_return answer;
}

// The server sends at most this many requests to integrations at once; the rest wait their turn.
constexpr int kOutWorkers = 32;

asio::awaitable<void> out_worker(State* s) {
  while (!s->out_queue.empty()) {
    auto out = std::move(s->out_queue.front());
    s->out_queue.pop_front();
    out.promise->set_value(co_await exchange(s, out));
  }
  --s->out_workers;
}

}  // namespace

MattermostEmulator::MattermostEmulator(Options options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  state_->options = options_;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  state_->port = port_;
  asio::co_spawn(state_->io, accept(state_.get()), asio::detached);
  thread_ = std::thread([s = state_.get()] { s->io.run(); });
}

MattermostEmulator::~MattermostEmulator() {
  asio::post(state_->io, [s = state_.get()] {
    s->acceptor.close();
    s->io.stop();
  });
  thread_.join();
  state_.reset();
}

std::string MattermostEmulator::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void MattermostEmulator::set_user(const std::string& id, MattermostUser user) {
  std::lock_guard lock(state_->mutex);
  state_->users[id] = std::move(user);
}

std::vector<MattermostCall> MattermostEmulator::calls(const std::string& route_prefix) const {
  std::lock_guard lock(state_->mutex);
  std::vector<MattermostCall> out;
  for (const auto& c : state_->calls)
    if (c.route.rfind(route_prefix, 0) == 0) out.push_back(c);
  return out;
}

std::vector<json> MattermostEmulator::posts() const {
  std::lock_guard lock(state_->mutex);
  return state_->posts;
}

bool MattermostEmulator::wait_for_posts(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->posts.size() >= count; });
}

void MattermostEmulator::rate_limit(const std::string& route_prefix, int count, int seconds,
                                    bool retry_after_header) {
  std::lock_guard lock(state_->mutex);
  state_->rate_limits[route_prefix] = {count, seconds, retry_after_header};
}

void MattermostEmulator::fail_with_status(const std::string& route_prefix, int count, int status) {
  std::lock_guard lock(state_->mutex);
  state_->failures[route_prefix] = {count, status, false};
}

int MattermostEmulator::connections_accepted() const {
  std::lock_guard lock(state_->mutex);
  return state_->connections;
}

std::string MattermostEmulator::dm_channel(const std::string& user_id) {
  return dm_of(*state_, user_id);
}

int MattermostEmulator::open_sockets() const {
  std::lock_guard lock(state_->mutex);
  return state_->open_sockets;
}

int MattermostEmulator::max_open_sockets() const {
  std::lock_guard lock(state_->mutex);
  return state_->max_open_sockets;
}

bool MattermostEmulator::wait_for_sockets(int count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->open_sockets == count; });
}

std::vector<SocketOpening> MattermostEmulator::openings() const {
  std::lock_guard lock(state_->mutex);
  return state_->openings;
}

std::vector<json> MattermostEmulator::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

void MattermostEmulator::send_event(const std::string& event, json data, json broadcast) {
  if (broadcast.is_null())
    broadcast = {{"omit_users", nullptr}, {"user_id", ""}, {"channel_id", ""}, {"team_id", ""}};
  on_io(*state_, [&] {
    for (auto& [id, conn] : state_->conns) emit(*state_, *conn, event, data, broadcast);
    return 0;
  });
}

json MattermostEmulator::hello_event(const std::string& connection_id) const {
  return hello_of(*state_, connection_id);
}

json MattermostEmulator::posted_event(const std::string& user_id, const std::string& message,
                                      const std::string& channel_type, const std::string& root_id,
                                      const std::string& post_id) const {
  auto& s = *state_;
  const bool direct = channel_type == "D";
  const auto channel = direct ? dm_of(s, user_id) : std::string("channeltownsquare000000000");
  return posted_of(
      s,
      post_json(post_id, user_id, channel, root_id, message, {{"disable_group_highlight", true}}, s.now_ms()),
      channel_type);
}

std::string MattermostEmulator::send_post(const std::string& user_id, const std::string& message,
                                          const std::string& channel_type, const std::string& root_id) {
  return send_posts({{user_id, message}}, channel_type, root_id).front();
}

std::vector<std::string> MattermostEmulator::send_posts(
    const std::vector<std::pair<std::string, std::string>>& user_messages, const std::string& channel_type,
    const std::string& root_id) {
  std::vector<std::string> ids;
  std::vector<json> events;
  for (const auto& [user_id, message] : user_messages) {
    ids.push_back(state_->new_id('p'));
    events.push_back(posted_event(user_id, message, channel_type, root_id, ids.back()));
    auto post = json::parse(events.back()["data"]["post"].get<std::string>());
    state_->record_post(post["channel_id"], channel_type, post);
  }
  on_io(*state_, [&] {
    for (std::size_t i = 0; i < events.size(); ++i) {
      const auto channel = events[i]["broadcast"]["channel_id"].get<std::string>();
      {
        std::lock_guard lock(state_->mutex);
        state_->post_sent_at[ids[i]] = std::chrono::steady_clock::now();
        if (channel_type == "D") state_->unanswered[channel].push_back(ids[i]);
      }
      for (auto& [id, conn] : state_->conns)
        emit(*state_, *conn, "posted", events[i]["data"], events[i]["broadcast"]);
    }
    return 0;
  });
  return ids;
}

std::optional<std::chrono::steady_clock::duration> MattermostEmulator::answer_latency(
    const std::string& post_id) const {
  std::lock_guard lock(state_->mutex);
  auto sent = state_->post_sent_at.find(post_id);
  auto answered = state_->post_answered_at.find(post_id);
  if (sent == state_->post_sent_at.end() || answered == state_->post_answered_at.end()) return std::nullopt;
  return answered->second - sent->second;
}

std::optional<std::chrono::steady_clock::time_point> MattermostEmulator::answered_at(
    const std::string& post_id) const {
  std::lock_guard lock(state_->mutex);
  auto answered = state_->post_answered_at.find(post_id);
  if (answered == state_->post_answered_at.end()) return std::nullopt;
  return answered->second;
}

bool MattermostEmulator::wait_for_answers(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->post_answered_at.size() >= count; });
}

json MattermostEmulator::user_object(const std::string& user_id) const {
  return user_json(user_id,
                   find_user(*state_, user_id).value_or(MattermostUser{user_id, "", "", "", true, "", ""}));
}

json MattermostEmulator::user_updated_event(const std::string& user_id) const {
  return {{"event", "user_updated"},
          {"data", {{"user", user_object(user_id)}}},
          {"broadcast",
           {{"channel_id", ""},
            {"connection_id", ""},
            {"omit_connection_id", ""},
            {"omit_users", nullptr},
            {"team_id", ""},
            {"user_id", ""}}},
          {"seq", 0}};
}

void MattermostEmulator::send_user_updated(const std::string& user_id) {
  const auto event = user_updated_event(user_id);
  send_event("user_updated", event["data"], event["broadcast"]);
}

void MattermostEmulator::send_raw(const std::string& frame) {
  on_io(*state_, [&] {
    for (auto& socket : state_->sockets) queue_frame(*state_, socket, frame);
    return 0;
  });
}

void MattermostEmulator::drop_sockets() {
  on_io(*state_, [&] {
    for (auto& socket : state_->sockets) {
      beast::error_code ec;
      beast::get_lowest_layer(socket->ws).socket().close(ec);
    }
    return 0;
  });
}

void MattermostEmulator::restart_server() {
  drop_sockets();
  on_io(*state_, [&] {
    state_->conns.clear();
    return 0;
  });
}

void MattermostEmulator::refuse_resumes(bool refuse) {
  std::lock_guard lock(state_->mutex);
  state_->refuse_resumes = refuse;
}

void MattermostEmulator::lose_next_events(int count) {
  std::lock_guard lock(state_->mutex);
  state_->lose_events = count;
}

void MattermostEmulator::overlap_next_resume(int count) {
  std::lock_guard lock(state_->mutex);
  state_->overlap_resume = count;
}

void MattermostEmulator::delay(const std::string& route_prefix, int count, std::chrono::milliseconds by) {
  std::lock_guard lock(state_->mutex);
  state_->delays[route_prefix] = {count, static_cast<int>(by.count()), false};
}

void MattermostEmulator::refuse_sockets(bool refuse) {
  std::lock_guard lock(state_->mutex);
  state_->refuse_sockets = refuse;
}

void MattermostEmulator::ping() {
  on_io(*state_, [&] {
    for (auto& socket : state_->sockets) {
      if (socket->pinging || !socket->open) continue;
      socket->pinging = true;
      socket->ws.async_ping({}, [socket](beast::error_code) { socket->pinging = false; });
    }
    return 0;
  });
}

int MattermostEmulator::pongs() const {
  std::lock_guard lock(state_->mutex);
  return state_->pongs;
}

bool MattermostEmulator::wait_for_pongs(int count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->pongs >= count; });
}

std::vector<std::pair<std::int64_t, std::string>> MattermostEmulator::buffered(
    const std::string& connection_id) const {
  return on_io(*state_, [&] {
    std::vector<std::pair<std::int64_t, std::string>> out;
    if (auto it = state_->conns.find(connection_id); it != state_->conns.end())
      out.assign(it->second->buffer.begin(), it->second->buffer.end());
    return out;
  });
}

std::vector<std::pair<std::string, std::string>> MattermostEmulator::slash_command_form(
    const SlashCommand& command) {
  const auto user =
      find_user(*state_, command.user_id).value_or(MattermostUser{command.user_id, "", "", "", true, "", ""});
  const auto channel = command.channel_id.empty() ? dm_of(*state_, command.user_id) : command.channel_id;
  const auto hook = state_->new_id('h');
  const auto trigger = state_->new_id('t');
  return {
      {"channel_id", channel},
      {"channel_name", command.channel_id.empty() ? std::min(command.user_id, options_.bot_user_id) + "__" +
                                                        std::max(command.user_id, options_.bot_user_id)
                                                  : std::string("town-square")},
      {"command", command.command},
      {"response_url", url() + "/hooks/commands/" + hook},
      {"team_domain", "emulated"},
      {"team_id", options_.team_id},
      {"text", command.text},
      {"token", command.token},
      {"trigger_id", trigger},
      {"user_id", command.user_id},
      {"user_name", user.username}};
}

namespace {

std::string form_of(const std::vector<std::pair<std::string, std::string>>& fields) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  auto escape = [&](std::string_view text) {
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';  // as Go's url.Values.Encode writes it
      } else {
        out += '%';
        out += digits[c >> 4];
        out += digits[c & 15];
      }
    }
  };
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out += '&';
    escape(key);
    out += '=';
    escape(value);
  }
  return out;
}

}  // namespace

std::future<HttpAnswer> MattermostEmulator::post(const std::string& url, const std::string& content_type,
                                                 const std::string& body, const std::string& authorization) {
  auto promise = std::make_shared<std::promise<HttpAnswer>>();
  auto future = promise->get_future();
  asio::post(state_->io,
             [s = state_.get(), out = State::OutRequest{url, content_type, body, authorization, promise}] {
               s->out_queue.push_back(out);
               if (s->out_workers >= kOutWorkers) return;
               ++s->out_workers;
               asio::co_spawn(s->io, out_worker(s), asio::detached);
             });
  return future;
}

std::future<HttpAnswer> MattermostEmulator::post_slash_command(const std::string& url,
                                                               const SlashCommand& command) {
  return post(url, "application/x-www-form-urlencoded", form_of(slash_command_form(command)),
              "Token " + command.token);
}

std::future<HttpAnswer> MattermostEmulator::post_slash_form(
    const std::string& url, const std::vector<std::pair<std::string, std::string>>& fields,
    const std::string& token) {
  return post(url, "application/x-www-form-urlencoded", form_of(fields), "Token " + token);
}

json MattermostEmulator::action_request(const std::string& user_id, const json& context,
                                        const std::string& post_id, const std::string& channel_id) {
  const auto user = find_user(*state_, user_id).value_or(MattermostUser{user_id, "", "", "", true, "", ""});
  return {{"user_id", user_id}, {"user_name", user.username},        {"channel_id", channel_id},
          {"channel_name", ""}, {"team_id", options_.team_id},       {"team_domain", "emulated"},
          {"post_id", post_id}, {"trigger_id", state_->new_id('t')}, {"type", "button"},
          {"context", context}};
}

std::future<HttpAnswer> MattermostEmulator::post_action(const std::string& url, const json& request) {
  return post(url, "application/json", request.dump());
}

std::future<HttpAnswer> MattermostEmulator::press(const json& post, std::size_t index,
                                                  const std::string& user_id) {
  const auto& action = post.at("props").at("attachments").at(0).at("actions").at(index);
  const auto& integration = action.at("integration");
  return post_action(
      integration.at("url").get<std::string>(),
      action_request(user_id, integration.value("context", json::object()), post.at("id").get<std::string>(),
                     post.at("channel_id").get<std::string>()));
}

}  // namespace tend::emulator
