#pragma once
// Discord, as far as Tend's tests need it, on 127.0.0.1 with an ephemeral port: the Gateway over a
// real WebSocket (HELLO, IDENTIFY/READY against a session-start budget, heartbeats and ACKs, a
// zombie mode that stops ACKing, RESUME with replay of the dispatches the client missed, op 1, 7
// and 9, closes with any code) and the REST calls Tend makes (gateway/bot, DMs, messages,
// interaction callbacks, @original edits, command registration) with X-RateLimit-* buckets and
// 429s. Shapes follow tests/fixtures/discord. It runs its own io_context on its own thread; its
// methods may be called from the test's thread (each runs on the emulator's thread and waits).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tend::emulator {

struct DiscordCall {
  std::string route;          // "POST /channels/900000000000000001/messages" (without /api/v10)
  std::string authorization;  // as sent
  nlohmann::json body;        // null when none or not JSON
  int http_status = 200;      // what the emulator answered
  std::chrono::steady_clock::time_point at;
};

// Someone on Discord, as interactions and GET /users/{id} show them.
struct DiscordUser {
  std::string id;  // a snowflake
  std::string username;
  std::string global_name;  // the display name; empty: none set
};

// What Tend answered to one interaction, as Discord saw it.
struct InteractionAnswer {
  int type = 0;                       // the callback's type (4, 5, 9, 8, 1); 0 while unanswered
  nlohmann::json data;                // the callback's data: a message, or a modal
  std::vector<nlohmann::json> edits;  // PATCH …/messages/@original bodies, in order
  // From the interaction's first dispatch to its callback, and when the callback came.
  std::optional<std::chrono::steady_clock::duration> latency;
  std::optional<std::chrono::steady_clock::time_point> answered_at;
  int refused = 0;  // callbacks Discord refused: too late, a second answer, a wrong token
  // Whether Discord wrote it to a session's socket (at once, or replayed on RESUME); one sent
  // while no session could take it is never delivered (the person sees "interaction failed").
  bool delivered = false;
  // The text the person sees now: the last edit, else the callback's message.
  std::string content() const;
};

// One gateway connection, as the server saw it.
struct GatewayOpening {
  std::string query;  // "v=10&encoding=json"
  enum class Outcome { open, identified, resumed, resume_refused } outcome = Outcome::open;
  int replayed = 0;           // dispatches sent again after a RESUME
  int client_close_code = 0;  // the code of the client's close frame; 0 when it sent none
  int server_close_code = 0;  // the code the emulator closed it with; 0 when it did not
};

class DiscordEmulator {
 public:
  struct Options {
    std::string token = "discord-emulator-token";
    std::string application_id = "1030118727418646629";
    std::string bot_user_id = "1030118727418646629";
    int heartbeat_interval_ms = 41250;
    int session_start_total = 1000;   // session_start_limit.total and the starting `remaining`
    int bucket_limit = 5;             // X-RateLimit-Limit of each REST bucket
    double bucket_reset_after = 2.0;  // seconds a bucket's window lasts
    int max_concurrency = 1;          // session_start_limit.max_concurrency
    // An interaction's first answer must come this soon after Discord created it (3 s); later
    // callbacks are refused with 10062 Unknown interaction, as Discord does.
    int interaction_window_ms = 3000;
  };
  DiscordEmulator() : DiscordEmulator(Options{}) {}
  explicit DiscordEmulator(Options options);
  ~DiscordEmulator();
  DiscordEmulator(const DiscordEmulator&) = delete;
  DiscordEmulator& operator=(const DiscordEmulator&) = delete;

  unsigned short port() const { return port_; }
  std::string api_base() const;     // "http://127.0.0.1:PORT/api/v10"
  std::string gateway_url() const;  // "ws://127.0.0.1:PORT", as gateway/bot and READY name it
  const Options& options() const { return options_; }

  // ---- Gateway ----
  int identifies() const;
  int session_starts_remaining() const;
  std::string session_id() const;  // empty before the first IDENTIFY
  int open_sockets() const;
  bool wait_for_sockets(int count, std::chrono::milliseconds timeout) const;
  std::vector<GatewayOpening> openings() const;
  std::vector<nlohmann::json> received() const;  // every frame clients sent, parsed
  // A dispatch in the current session: numbered, kept for replay, sent when a client is attached.
  std::int64_t dispatch(const std::string& type, nlohmann::json d);
  std::int64_t send_interaction(nlohmann::json d) { return dispatch("INTERACTION_CREATE", std::move(d)); }
  void send_heartbeat_request();  // op 1
  void send_reconnect();          // op 7
  // op 9; not resumable also forgets the session, so a RESUME after it is refused.
  void send_invalid_session(bool resumable);
  // Closes every socket with `code`; 4007 and 4009 also forget the session, as Discord does.
  void close_sockets(int code);
  void drop_sockets();               // no close frame: as a dropped TCP link; the session stays resumable
  void set_zombie(bool zombie);      // stop (or resume) answering heartbeats with op 11
  void refuse_sockets(bool refuse);  // answer gateway upgrades with 503 while set
  void set_session_starts_remaining(int remaining);
  int max_open_sockets() const;
  int heartbeats() const;  // op 1 frames received

  // ---- Interactions, as a Discord client makes them ----
  void set_user(DiscordUser user);
  // A slash command typed by `user_id` (in a server, or in a DM with the bot), with options given
  // as {"name": value}: checked against the commands Tend registered, as the client checks them
  // (std::invalid_argument when the command, an option, a type, a choice or a required option is
  // not as registered). Returns INTERACTION_CREATE's `d`, not yet dispatched.
  nlohmann::json command_interaction(const std::string& user_id, const std::string& name,
                                     const nlohmann::json& options, bool in_server = true);
  // A press of the button with `custom_id` on a message Tend sent (std::invalid_argument when
  // Tend never sent such a button), from where the message is.
  nlohmann::json press_interaction(const std::string& user_id, const std::string& custom_id);
  // A submit of the modal Tend opened with `custom_id`, with the fields' values.
  nlohmann::json submit_interaction(const std::string& user_id, const std::string& custom_id,
                                    const std::map<std::string, std::string>& fields);
  // Dispatches `d` (again, for a redelivery) and returns its interaction id.
  std::string dispatch_interaction(const nlohmann::json& d);
  void dispatch_interactions(const std::vector<nlohmann::json>& ds);  // together, in order
  std::string command(const std::string& user_id, const std::string& name, const nlohmann::json& options,
                      bool in_server = true) {
    return dispatch_interaction(command_interaction(user_id, name, options, in_server));
  }
  std::string press(const std::string& user_id, const std::string& custom_id) {
    return dispatch_interaction(press_interaction(user_id, custom_id));
  }
  std::string submit(const std::string& user_id, const std::string& custom_id,
                     const std::map<std::string, std::string>& fields) {
    return dispatch_interaction(submit_interaction(user_id, custom_id, fields));
  }
  std::optional<InteractionAnswer> answer(const std::string& interaction_id) const;
  // The answer once `done` says it is complete (by default: once answered), or nullopt.
  std::optional<InteractionAnswer> wait_for_answer(
      const std::string& interaction_id, std::chrono::milliseconds timeout,
      const std::function<bool(const InteractionAnswer&)>& done = nullptr) const;
  int answered() const;  // interactions answered with a callback Discord took
  bool wait_for_answered(int count, std::chrono::milliseconds timeout) const;
  nlohmann::json registered_commands() const;  // the last PUT's body
  // Messages Tend posted to this person's DM channel (accepted ones), oldest first.
  std::vector<nlohmann::json> dms_to(const std::string& user_id) const;

  // ---- REST ----
  std::vector<DiscordCall> calls(const std::string& route_prefix = {}) const;
  // The next `count` requests whose route starts with `route_prefix` get 429 with this
  // retry_after; `global` makes it the global limit.
  void rate_limit(const std::string& route_prefix, int count, double retry_after, bool global = false);
  // The person has closed their DMs: messages to their DM channel fail with 50007.
  void block_dms(const std::string& user_id);

  // ---- The frames and objects the emulator builds, for shape checks ----
  nlohmann::json hello_frame() const;
  nlohmann::json ready_frame(std::int64_t sequence, const std::string& session_id) const;
  nlohmann::json resumed_frame(std::int64_t sequence) const;
  nlohmann::json message_object(const std::string& id, const std::string& channel_id,
                                const nlohmann::json& body) const;
  nlohmann::json gateway_bot_object(int remaining) const;

  struct State;

 private:
  Options options_;
  std::unique_ptr<State> state_;
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace tend::emulator
