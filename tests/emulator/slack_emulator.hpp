#pragma once
// Slack, as far as Tend's tests need it, on 127.0.0.1 with an ephemeral port: the Web API
// methods Tend calls, answered in the shapes of the real payloads in shared/fixtures/slack, with
// faults a test can switch on (429 with Retry-After, 5xx). It runs its own io_context on its own
// thread; its methods may be called from the test's thread.
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
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

  struct State;

 private:
  Options options_;
  std::shared_ptr<State> state_;
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace tend::emulator
