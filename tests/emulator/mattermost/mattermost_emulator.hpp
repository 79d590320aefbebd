#pragma once
// Mattermost, as far as Tend's tests need it, on 127.0.0.1 with an ephemeral port: the REST calls
// Tend makes and the WebSocket API, in the shapes of the real payloads in tests/fixtures/mattermost,
// with the server's reliable-WebSocket behaviour (hello, seq, a buffer of the last events per
// connection replayed on resume, a new hello when the connection is forgotten) and faults a test
// can switch on (drop, server restart, refused upgrades, 429, 5xx). It also plays the Mattermost
// server's side of slash commands and buttons: it POSTs them to a URL (Tend's listener).
// It runs its own io_context on its own thread; its methods may be called from the test's thread.
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tend::emulator {

struct MattermostCall {
  std::string route;          // "GET /api/v4/users/me", "POST /hooks/commands/<id>"
  std::string authorization;  // the Authorization header as sent
  std::string content_type;
  nlohmann::json body;  // the JSON body (null when none or not JSON)
  std::chrono::steady_clock::time_point at;
  int http_status = 200;  // what the emulator answered
};

struct MattermostUser {
  std::string username;
  std::string first_name;
  std::string last_name;
  std::string nickname;
  // The timezone object as the server keeps it (strings on the wire).
  bool use_automatic_timezone = true;
  std::string automatic_timezone;
  std::string manual_timezone;
};

// One WebSocket upgrade, as the server saw it.
struct SocketOpening {
  std::string asked_connection_id;   // from ?connection_id=, empty on a first connect
  std::int64_t asked_sequence = -1;  // from &sequence_number=, -1 when absent
  enum class Outcome { fresh, resumed, forgotten } outcome = Outcome::fresh;
  std::string connection_id;  // the connection the socket now serves
  int replayed = 0;           // events sent again from the connection's buffer
};

struct HttpAnswer {
  int status = 0;  // 0: no answer (connection refused, timed out)
  std::string content_type;
  std::string body;
  std::string error;
  // When the request began to be written, and when its answer had been read.
  std::chrono::steady_clock::time_point sent_at, answered_at;
};

class MattermostEmulator {
 public:
  struct Options {
    std::string bot_token = "mm-emulator-bot-token";
    std::string bot_user_id = "tendbot4k7d9pq3r8s6t2u5v1w";
    std::string bot_username = "tend";
    std::string team_id = "68ia7ywnopny8nmcdrkatmytjh";
    std::size_t replay_buffer = 128;  // the server's deadQueueSize
  };
  MattermostEmulator() : MattermostEmulator(Options{}) {}
  explicit MattermostEmulator(Options options);
  ~MattermostEmulator();
  MattermostEmulator(const MattermostEmulator&) = delete;
  MattermostEmulator& operator=(const MattermostEmulator&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:PORT": MATTERMOST_URL
  const Options& options() const { return options_; }

  // ---- REST ----
  void set_user(const std::string& id, MattermostUser user);
  std::vector<MattermostCall> calls(const std::string& route_prefix = {}) const;
  // The posts Tend created (POST /api/v4/posts), as the server stored them.
  std::vector<nlohmann::json> posts() const;
  bool wait_for_posts(std::size_t count, std::chrono::milliseconds timeout) const;
  // The next `count` requests whose route starts with `route_prefix` get 429, with
  // X-Ratelimit-Reset: seconds, and Retry-After: seconds unless `retry_after_header` is false.
  void rate_limit(const std::string& route_prefix, int count, int seconds, bool retry_after_header = true);
  // The next `count` such requests get this status (500, 503…) and a plain-text body.
  void fail_with_status(const std::string& route_prefix, int count, int status);
  int connections_accepted() const;
  // The DM channel between the bot and a user (created as POST /channels/direct would).
  std::string dm_channel(const std::string& user_id);

  // ---- WebSocket ----
  int open_sockets() const;
  int max_open_sockets() const;  // the most open at once since the emulator started
  bool wait_for_sockets(int count, std::chrono::milliseconds timeout) const;
  std::vector<SocketOpening> openings() const;
  // Frames the client sent on its sockets (authentication_challenge, user_typing…), parsed.
  std::vector<nlohmann::json> requests() const;
  // An event to every connection of the bot: each gets its own seq; connections whose socket is
  // down keep it in their buffer for a resume. Returns the post id for posts.
  void send_event(const std::string& event, nlohmann::json data, nlohmann::json broadcast = nullptr);
  // A person's post, as the `posted` event: in their DM with the bot ("D") or in a channel. The
  // post is kept in its channel (GET /channels/{id}/posts) even when no connection receives it.
  std::string send_post(const std::string& user_id, const std::string& message,
                        const std::string& channel_type = "D", const std::string& root_id = {});
  // Many posts at once (a burst), each from its user, in one turn of the emulator's loop.
  std::vector<std::string> send_posts(const std::vector<std::pair<std::string, std::string>>& user_messages,
                                      const std::string& channel_type = "D", const std::string& root_id = {});
  // From a DM post sent to when Tend's next post in that DM arrived (answers are matched to DM
  // posts oldest first); nothing until then.
  std::optional<std::chrono::steady_clock::duration> answer_latency(const std::string& post_id) const;
  std::optional<std::chrono::steady_clock::time_point> answered_at(const std::string& post_id) const;
  // Until `count` DM posts have been answered in all.
  bool wait_for_answers(std::size_t count, std::chrono::milliseconds timeout) const;
  // A user_updated event with the user as set_user holds them.
  void send_user_updated(const std::string& user_id);
  // Sends a frame exactly as given to every open socket (for malformed-input tests); no seq.
  void send_raw(const std::string& frame);
  // Closes every socket abruptly, without a close frame; the server still remembers the
  // connections, so a resume gets what was missed.
  void drop_sockets();
  // Drops the sockets and forgets every connection, as a restarted server: a resume gets a new
  // hello with a new connection id, and events meanwhile reached nobody.
  void restart_server();
  // While refusing, WebSocket upgrades are answered with HTTP 503.
  void refuse_sockets(bool refuse);
  // While refusing, upgrades that ask to resume a connection are answered with HTTP 400.
  void refuse_resumes(bool refuse);
  // The next `count` events are kept for replay but not sent on the socket: the client sees a gap.
  void lose_next_events(int count);
  // The next resume also replays `count` events before the one it asked for (already received).
  void overlap_next_resume(int count);
  // The next `count` requests whose route starts with `route_prefix` are answered `by` late.
  void delay(const std::string& route_prefix, int count, std::chrono::milliseconds by);
  // A WebSocket ping to every open socket; pongs() counts the answers.
  void ping();
  int pongs() const;
  bool wait_for_pongs(int count, std::chrono::milliseconds timeout) const;
  // The events a connection has sent and still keeps for replay (seq, frame).
  std::vector<std::pair<std::int64_t, std::string>> buffered(const std::string& connection_id) const;

  // The frames the emulator builds, for shape checks.
  nlohmann::json hello_event(const std::string& connection_id) const;
  nlohmann::json posted_event(const std::string& user_id, const std::string& message,
                              const std::string& channel_type, const std::string& root_id,
                              const std::string& post_id) const;
  nlohmann::json user_updated_event(const std::string& user_id) const;
  nlohmann::json user_object(const std::string& user_id) const;

  // ---- The server's requests to Tend ----
  // Sent as Mattermost's HTTP client does: up to 32 at once, over connections kept alive.
  struct SlashCommand {
    std::string user_id;
    std::string command;  // "/checkin"
    std::string text;
    std::string token;
    std::string channel_id;  // empty: the user's DM with the bot
  };
  // The form fields of the POST, in the server's order, with a response_url on this emulator.
  std::vector<std::pair<std::string, std::string>> slash_command_form(const SlashCommand& command);
  std::future<HttpAnswer> post_slash_command(const std::string& url, const SlashCommand& command);
  // A slash command's POST with these form fields exactly (the same trigger_id twice: a redelivery).
  std::future<HttpAnswer> post_slash_form(const std::string& url,
                                          const std::vector<std::pair<std::string, std::string>>& fields,
                                          const std::string& token);
  // The body of a button press: `context` as the button carried it.
  nlohmann::json action_request(const std::string& user_id, const nlohmann::json& context,
                                const std::string& post_id, const std::string& channel_id);
  std::future<HttpAnswer> post_action(const std::string& url, const nlohmann::json& request);
  // Presses button `index` of a post Tend created: POSTs its context to its integration URL.
  std::future<HttpAnswer> press(const nlohmann::json& post, std::size_t index, const std::string& user_id);
  // Any POST, exactly as given (for forged or malformed requests).
  std::future<HttpAnswer> post(const std::string& url, const std::string& content_type,
                               const std::string& body, const std::string& authorization = {});

  struct State;

 private:
  Options options_;
  std::unique_ptr<State> state_;
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace tend::emulator
