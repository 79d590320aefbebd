#pragma once
// Slack, as far as Tend's tests need it, on 127.0.0.1 with an ephemeral port: the Web API
// methods Tend calls, answered in the shapes of the real payloads in tests/fixtures/slack, with
// faults a test can switch on (429 with Retry-After, 5xx). It runs its own io_context on its own
// thread; its methods may be called from the test's thread.
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tend::emulator {

struct ApiCall {
  std::string method;         // "chat.postMessage"; "response_url" for posts to a response URL
  std::string authorization;  // the Authorization header as sent
  std::string content_type;
  nlohmann::json args;  // the JSON body, or the form fields as strings
  std::chrono::steady_clock::time_point at;
  int http_status = 200;  // what the emulator answered: 429, 503… when a fault was switched on
};

struct EmulatedUser {
  std::string display_name;
  std::string real_name;
  std::string tz;  // IANA
};

class SlackEmulator {
 public:
  struct Options {
    std::string bot_token = "xoxb-emulator";
    std::string app_token = "xapp-emulator";
  };
  SlackEmulator() : SlackEmulator(Options{}) {}
  explicit SlackEmulator(Options options);
  ~SlackEmulator();
  SlackEmulator(const SlackEmulator&) = delete;
  SlackEmulator& operator=(const SlackEmulator&) = delete;

  unsigned short port() const { return port_; }
  std::string api_base() const;  // "http://127.0.0.1:PORT/api/"

  std::vector<ApiCall> calls(const std::string& method = {}) const;
  // The next `count` calls to `method` get HTTP 429 with Retry-After: seconds.
  void rate_limit(const std::string& method, int count, int retry_after_seconds);
  // The next `count` calls to `method` get this HTTP status (500, 503…) and no JSON.
  void fail_with_status(const std::string& method, int count, int status);
  void set_user(const std::string& id, EmulatedUser user);
  int connections_accepted() const;

  // Socket Mode. Envelopes go to the oldest open socket, as real-shaped JSON text frames.
  int open_sockets() const;
  int max_open_sockets() const;
  // WebSocket connections accepted so far (an apps.connections.open call only asks for one).
  int sockets_opened() const;
  bool wait_for_sockets(int count, std::chrono::milliseconds timeout) const;
  // Returns the envelope id.
  std::string send_slash_command(const std::string& user_id, const std::string& command,
                                 const std::string& text);
  std::string send_block_action(const std::string& user_id, const std::string& action_id,
                                const std::string& value);
  // Sends a frame exactly as given (for malformed-input tests) to the oldest socket.
  void send_raw(const std::string& frame);
  // Sends an envelope again, with its old id or a new one (the payload's trigger_id stays).
  std::string redeliver(const std::string& envelope_id, bool new_envelope_id);
  // The ack's JSON once it has arrived.
  std::optional<nlohmann::json> wait_for_ack(const std::string& envelope_id,
                                             std::chrono::milliseconds timeout) const;
  int acks_for(const std::string& envelope_id) const;
  void send_disconnect(const std::string& reason);
  // Closes every socket abruptly, without a close frame.
  void drop_sockets();
  // Keeps every socket's TCP connection open but stops reading and writing on it: pings go
  // unanswered, as on a half-dead network path.
  void stall_sockets();
  // While refusing, WebSocket upgrades are answered with HTTP 503.
  void refuse_sockets(bool refuse);
  // An events_api envelope for app_home_opened.
  std::string send_home_opened(const std::string& user_id);

  // The envelopes the send_ methods send, each with a fresh envelope id, and sending one.
  nlohmann::json slash_command_envelope(const std::string& user_id, const std::string& command,
                                        const std::string& text);
  nlohmann::json block_action_envelope(const std::string& user_id, const std::string& action_id,
                                       const std::string& value);
  nlohmann::json home_opened_envelope(const std::string& user_id);
  std::string send(const nlohmann::json& envelope);

  // Load generation: many envelopes queued at once; how many have been acknowledged (first acks
  // only); the time from queueing an envelope to its first ack, and when that ack arrived.
  std::vector<std::string> send_all(const std::vector<nlohmann::json>& envelopes);
  int acked() const;
  bool wait_for_acked(int count, std::chrono::milliseconds timeout) const;
  std::optional<std::chrono::nanoseconds> ack_latency(const std::string& envelope_id) const;
  std::optional<std::chrono::steady_clock::time_point> ack_time(const std::string& envelope_id) const;

  struct State;

 private:
  Options options_;
  std::unique_ptr<State> state_;
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace tend::emulator
