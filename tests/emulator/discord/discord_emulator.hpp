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
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace tend::emulator {

struct DiscordCall {
  std::string route;          // "POST /channels/900000000000000001/messages" (without /api/v10)
  std::string authorization;  // as sent
  nlohmann::json body;        // null when none or not JSON
  int http_status = 200;      // what the emulator answered
};

// One gateway connection, as the server saw it.
struct GatewayOpening {
  std::string query;  // "v=10&encoding=json"
  enum class Outcome { open, identified, resumed, resume_refused, closed } outcome = Outcome::open;
  int replayed = 0;  // dispatches sent again after a RESUME
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
  void drop_sockets();           // no close frame: as a dropped TCP link; the session stays resumable
  void set_zombie(bool zombie);  // stop (or resume) answering heartbeats with op 11

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
