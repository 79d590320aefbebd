#pragma once
// What a platform link does when something happens to it, decided in one place and without I/O.
//
// An adapter's thin I/O (Beast sockets, timers) tells the core what happened (an Event) and does
// what the core answers (Actions), and prints the log lines the core chose. The core owns:
// - reconnecting, after a capped, jittered backoff (base/backoff.hpp) when connects fail;
// - never more than two sockets: a replacement opens before the socket it replaces closes, and
//   a further replacement waits until the retiring one is gone;
// - retire after drain: a replaced socket takes no new work from the core's point of view, is
//   closed properly once its in-flight work is answered, and abruptly after `drain_timeout`;
// - resume: when the platform gave a session (Mattermost: connection_id and sequence number;
//   Discord: session_id and seq) a lost link is reopened with it; without one (Slack never
//   resumes) a fresh connection is opened;
// - giving up: a refused credential or a disabled link ends the run with a message saying why.
// Time is passed in with each event, and jitter is injected, so tests are exact.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/backoff.hpp"

namespace tend::link {

using SteadyTime = std::chrono::steady_clock::time_point;
using SocketId = int;

// What a platform gives a connection so that a later one can carry on where it stopped.
struct Session {
  std::string id;        // Mattermost connection_id, Discord session_id
  std::int64_t seq = 0;  // the last sequence number received
  bool operator==(const Session&) const = default;
};

// What a platform's "please disconnect" notice asks for, in the core's words.
enum class NoticeKind {
  refresh,   // open the next socket, then retire this one (Slack refresh_requested, warning)
  too_many,  // the platform holds too many sockets: close this one, keep (or get) one live
  disabled,  // the platform will not talk to us until a person changes something: give up
  // The platform ended the session (Discord: op 9 not resumable, close 4007 or 4009): this
  // socket goes, and the next one starts a new session instead of resuming.
  session_ended,
};

// ---- Events: what happened ----
struct Start {};  // connect requested: the adapter's run began
struct Opened {
  SocketId socket;
};  // the socket is open; the platform has not greeted it yet
struct Ready {
  SocketId socket;
  std::optional<Session> session;  // given when the platform can resume
  std::string detail;              // for the log, e.g. "1 open at Slack"
};                                 // hello / ready: the socket may carry work
struct FrameReceived {
  SocketId socket;
  std::optional<std::int64_t> seq;  // the platform's sequence number, when it numbers frames
};
struct DisconnectNotice {
  SocketId socket;
  NoticeKind kind;
  std::string reason;       // the platform's word, for the log
  std::string explanation;  // with `disabled`: what a person must do, for the fatal message
};
struct ReadError {
  SocketId socket;
  std::string why;
};  // the socket's reader ended; expected after a Close the core asked for
struct WriteError {
  SocketId socket;
  std::string why;
};
struct PingDue {
  SocketId socket;
};
struct PongMissing {
  SocketId socket;
};
struct ConnectFailed {
  SocketId socket;
  std::string why;
  bool permanent = false;  // a refused credential: no retry will change it
};
struct Drained {
  SocketId socket;
};                     // nothing in flight on it and nothing left to write
struct TimerFired {};  // a WaitUntil the core asked for has passed
struct Stop {};

using Event = std::variant<Start, Opened, Ready, FrameReceived, DisconnectNotice, ReadError, WriteError,
                           PingDue, PongMissing, ConnectFailed, Drained, TimerFired, Stop>;

// ---- Actions: what to do ----
struct Open {
  SocketId socket;                // the id to report this socket's events under
  std::optional<Session> resume;  // resume this session, or connect fresh
  bool operator==(const Open&) const = default;
};
struct SendPing {
  SocketId socket;
  bool operator==(const SendPing&) const = default;
};
struct Retire {
  SocketId socket;  // no longer the live socket: answer its in-flight work, then report Drained
  bool operator==(const Retire&) const = default;
};
struct Close {
  enum class How { properly, abruptly };
  SocketId socket;
  How how = How::properly;
  int code = 1000;  // the WebSocket close code, with `properly`
  bool operator==(const Close&) const = default;
};
struct WaitUntil {
  SteadyTime when;  // then report TimerFired; replaces any earlier WaitUntil
  bool operator==(const WaitUntil&) const = default;
};
struct Fatal {
  std::string why;  // the run must end with this message once the sockets are closed
  bool operator==(const Fatal&) const = default;
};
struct Finished {
  bool operator==(const Finished&) const = default;
};  // every socket is closed after a stop: drop any wait; the run may return (throwing the Fatal, if any)

using Action = std::variant<Open, SendPing, Retire, Close, WaitUntil, Fatal, Finished>;

struct LogLine {
  enum class Level { debug, info, warn, error };
  Level level;
  std::string text;
  bool operator==(const LogLine&) const = default;
};

struct Step {
  std::vector<Action> actions;
  std::vector<LogLine> log;
};

struct CoreOptions {
  std::string platform = "Slack";          // starts every log line
  std::string socket_name = "connection";  // how the log names a socket
  Backoff reconnect{std::chrono::milliseconds(500), std::chrono::milliseconds(30000)};
  std::chrono::milliseconds drain_timeout{10000};
};

class ConnectionCore {
 public:
  explicit ConnectionCore(CoreOptions options, Jitter jitter = random_jitter);

  Step handle(const Event& event, SteadyTime now);

  // For the adapter's health and tests: sockets the core holds (opening, live or retiring).
  int sockets() const { return static_cast<int>(sockets_.size()); }
  std::optional<SocketId> live() const;
  const std::optional<Session>& session() const { return session_; }

 private:
  enum class State { opening, greeting, live, retiring, closing };
  struct Socket {
    State state = State::opening;
    std::optional<SteadyTime> drain_deadline;
  };
  struct Emit;

  void on(const Start&, Emit&);
  void on(const Opened&, Emit&);
  void on(const Ready&, Emit&);
  void on(const FrameReceived&, Emit&);
  void on(const DisconnectNotice&, Emit&);
  void on(const ReadError&, Emit&);
  void on(const WriteError&, Emit&);
  void on(const PingDue&, Emit&);
  void on(const PongMissing&, Emit&);
  void on(const ConnectFailed&, Emit&);
  void on(const Drained&, Emit&);
  void on(const TimerFired&, Emit&);
  void on(const Stop&, Emit&);

  void retire(SocketId id, Emit& out);
  void close(SocketId id, Close::How how, Emit& out);
  void lose(SocketId id, const std::string& why, Emit& out);
  void give_up(const std::string& why, Emit& out);
  void open_if_wanted(Emit& out);
  void finish_if_done(Emit& out);
  void schedule_wake(Emit& out);
  int live_sockets() const;
  std::string name(SocketId id) const;

  CoreOptions options_;
  Jitter jitter_;
  SteadyTime now_{};
  std::map<SocketId, Socket> sockets_;
  SocketId next_id_ = 1;
  bool started_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  bool replacement_wanted_ = false;
  int failures_ = 0;  // connects failed in a row
  std::optional<SteadyTime> retry_at_;
  std::optional<SteadyTime> wake_asked_;
  std::optional<Session> session_;
};

}  // namespace tend::link
