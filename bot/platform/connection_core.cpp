#include "bot/platform/connection_core.hpp"

#include <algorithm>

namespace tend::link {

struct ConnectionCore::Emit {
  Step& step;
  // Built in place: moving a whole Action trips GCC 12's -Wmaybe-uninitialized on the other
  // alternatives.
  template <class A>
  void act(A action) {
    step.actions.emplace_back(std::in_place_type<A>, std::move(action));
  }
  void log(LogLine::Level level, std::string text) { step.log.push_back({level, std::move(text)}); }
};

ConnectionCore::ConnectionCore(CoreOptions options, Jitter jitter)
    : options_(std::move(options)), jitter_(std::move(jitter)) {}

Step ConnectionCore::handle(const Event& event, SteadyTime now) {
  now_ = now;
  Step step;
  Emit out{step};
  std::visit([&](const auto& e) { on(e, out); }, event);
  schedule_wake(out);
  return step;
}

std::optional<SocketId> ConnectionCore::live() const {
  for (const auto& [id, socket] : sockets_)
    if (socket.state == State::live) return id;
  return std::nullopt;
}

int ConnectionCore::live_sockets() const {
  return static_cast<int>(std::count_if(sockets_.begin(), sockets_.end(),
                                        [](const auto& s) { return s.second.state == State::live; }));
}

std::string ConnectionCore::name(SocketId id) const {
  return options_.platform + ": " + options_.socket_name + " " + std::to_string(id);
}

void ConnectionCore::on(const Start&, Emit& out) {
  started_ = true;
  open_if_wanted(out);
  finish_if_done(out);
}

void ConnectionCore::on(const Opened& e, Emit&) {
  auto it = sockets_.find(e.socket);
  if (it != sockets_.end() && it->second.state == State::opening) it->second.state = State::greeting;
}

void ConnectionCore::on(const Ready& e, Emit& out) {
  auto it = sockets_.find(e.socket);
  if (it == sockets_.end() || (it->second.state != State::opening && it->second.state != State::greeting))
    return;
  failures_ = 0;
  if (stopping_) {
    close(e.socket, Close::How::properly, out);
    return;
  }
  it->second.state = State::live;
  session_ = e.session;
  out.log(LogLine::Level::info, name(e.socket) + " open" + (e.detail.empty() ? "" : " (" + e.detail + ")"));
  // The new socket is live; the ones it replaces finish their work and close.
  for (auto& [id, socket] : sockets_)
    if (id != e.socket && socket.state == State::live) retire(id, out);
}

void ConnectionCore::on(const FrameReceived& e, Emit&) {
  if (e.seq && session_ && sockets_.contains(e.socket)) session_->seq = *e.seq;
}

void ConnectionCore::on(const DisconnectNotice& e, Emit& out) {
  auto it = sockets_.find(e.socket);
  if (it == sockets_.end()) return;
  switch (e.kind) {
    case NoticeKind::disabled:
      give_up(
          e.explanation.empty() ? options_.platform + " disabled the link (" + e.reason + ")" : e.explanation,
          out);
      return;
    case NoticeKind::too_many:
      out.log(LogLine::Level::warn, options_.platform + ": too many sockets open (" + e.reason +
                                        "); closing " + options_.socket_name + " " +
                                        std::to_string(e.socket));
      if (live_sockets() > 1 || it->second.state == State::retiring) {
        retire(e.socket, out);
      } else {
        // The only live socket: a replacement opens first, then this one retires.
        replacement_wanted_ = true;
        open_if_wanted(out);
      }
      return;
    case NoticeKind::refresh:
      out.log(LogLine::Level::info, name(e.socket) + " asked to refresh (" + e.reason + ")");
      if (it->second.state == State::live) {
        replacement_wanted_ = true;
        open_if_wanted(out);
      } else if (it->second.state == State::opening || it->second.state == State::greeting) {
        // Not carrying work yet: nothing to hand over, so it goes, and the next one opens after.
        close(e.socket, Close::How::abruptly, out);
      }
      return;
    case NoticeKind::session_ended:
      session_.reset();
      out.log(LogLine::Level::warn,
              name(e.socket) + " cannot resume its session (" + e.reason + "); starting a new one");
      if (it->second.state != State::closing) close(e.socket, Close::How::abruptly, out);
      return;
  }
}

void ConnectionCore::on(const ReadError& e, Emit& out) {
  auto it = sockets_.find(e.socket);
  if (it == sockets_.end()) return;
  if (it->second.state == State::closing) {
    // The close the core asked for has completed.
    sockets_.erase(it);
    open_if_wanted(out);
    finish_if_done(out);
    return;
  }
  lose(e.socket, e.why, out);
}

void ConnectionCore::on(const WriteError& e, Emit& out) {
  auto it = sockets_.find(e.socket);
  if (it == sockets_.end() || it->second.state == State::closing) return;
  out.log(LogLine::Level::warn, name(e.socket) + ": a frame could not be sent (" + e.why + "); closing it");
  close(e.socket, Close::How::abruptly, out);
}

void ConnectionCore::on(const PingDue& e, Emit& out) {
  auto it = sockets_.find(e.socket);
  // A greeted socket is pinged too: a platform that asks for heartbeats (Discord) asks from its
  // first frame, before the session is ready.
  if (it != sockets_.end() && it->second.state != State::opening && it->second.state != State::closing)
    out.act(SendPing{e.socket});
}

void ConnectionCore::on(const PongMissing& e, Emit& out) {
  auto it = sockets_.find(e.socket);
  if (it == sockets_.end() || it->second.state == State::closing) return;
  out.log(LogLine::Level::warn, name(e.socket) + " stopped answering pings; " +
                                    (it->second.state == State::live ? "replacing it" : "closing it"));
  close(e.socket, Close::How::abruptly, out);
}

void ConnectionCore::on(const ConnectFailed& e, Emit& out) {
  auto it = sockets_.find(e.socket);
  if (it == sockets_.end() || (it->second.state != State::opening && it->second.state != State::greeting))
    return;
  sockets_.erase(it);
  if (e.permanent) {
    give_up(e.why, out);
    return;
  }
  if (stopping_) {
    finish_if_done(out);
    return;
  }
  const auto wait = options_.reconnect.delay(failures_++, jitter_());
  retry_at_ = now_ + wait;
  out.log(LogLine::Level::warn, options_.platform + ": could not connect (" + e.why + "); trying again in " +
                                    std::to_string(wait.count()) + " ms");
  // A live socket that asked to be replaced still wants its replacement.
  if (live_sockets() > 0) replacement_wanted_ = true;
}

void ConnectionCore::on(const Drained& e, Emit& out) {
  auto it = sockets_.find(e.socket);
  if (it != sockets_.end() && it->second.state == State::retiring) close(e.socket, Close::How::properly, out);
}

void ConnectionCore::on(const TimerFired&, Emit& out) {
  wake_asked_.reset();
  for (auto& [id, socket] : sockets_) {
    if (socket.state == State::retiring && socket.drain_deadline && *socket.drain_deadline <= now_) {
      // In-flight work that never finishes must not keep a socket open for ever.
      out.log(LogLine::Level::warn, name(id) + " still had work in flight after " +
                                        std::to_string(options_.drain_timeout.count()) + " ms; closing it");
      close(id, Close::How::abruptly, out);
    }
  }
  if (retry_at_ && *retry_at_ <= now_) {
    retry_at_.reset();
    open_if_wanted(out);
  }
}

void ConnectionCore::on(const Stop&, Emit& out) {
  if (stopping_) return;
  stopping_ = true;
  retry_at_.reset();
  replacement_wanted_ = false;
  for (auto& [id, socket] : sockets_)
    if (socket.state == State::live) retire(id, out);
  finish_if_done(out);
}

void ConnectionCore::retire(SocketId id, Emit& out) {
  auto& socket = sockets_.at(id);
  if (socket.state == State::retiring || socket.state == State::closing) return;
  socket.state = State::retiring;
  socket.drain_deadline = now_ + options_.drain_timeout;
  out.act(Retire{id});
}

void ConnectionCore::close(SocketId id, Close::How how, Emit& out) {
  auto& socket = sockets_.at(id);
  socket.state = State::closing;
  socket.drain_deadline.reset();
  out.act(Close{id, how});
}

void ConnectionCore::lose(SocketId id, const std::string& why, Emit& out) {
  const bool was_live = sockets_.at(id).state == State::live;
  sockets_.erase(id);
  out.log(LogLine::Level::warn,
          name(id) + " lost (" + why + ")" + (was_live && !stopping_ ? "; reconnecting" : ""));
  open_if_wanted(out);
  finish_if_done(out);
}

void ConnectionCore::give_up(const std::string& why, Emit& out) {
  out.log(LogLine::Level::error, why);
  out.act(Fatal{why});
  on(Stop{}, out);
}

void ConnectionCore::open_if_wanted(Emit& out) {
  if (!started_ || stopping_) return;
  for (const auto& [id, socket] : sockets_)
    if (socket.state == State::opening || socket.state == State::greeting) return;
  if (live_sockets() > 0 && !replacement_wanted_) return;
  if (retry_at_ && now_ < *retry_at_) return;
  // Never more than two: a replacement waits for a retiring socket to finish.
  if (sockets_.size() >= 2) return;
  replacement_wanted_ = false;
  retry_at_.reset();
  const auto id = next_id_++;
  sockets_[id] = Socket{};
  out.act(Open{id, session_});
}

void ConnectionCore::finish_if_done(Emit& out) {
  if (!stopping_ || finished_ || !sockets_.empty()) return;
  finished_ = true;
  if (started_)
    out.log(LogLine::Level::info, options_.platform + ": all " + options_.socket_name + "s closed");
  out.act(Finished{});
}

void ConnectionCore::schedule_wake(Emit& out) {
  std::optional<SteadyTime> earliest = retry_at_;
  for (const auto& [id, socket] : sockets_)
    if (socket.drain_deadline && (!earliest || *socket.drain_deadline < *earliest))
      earliest = socket.drain_deadline;
  if (earliest && earliest != wake_asked_) out.act(WaitUntil{*earliest});
  wake_asked_ = earliest;
}

}  // namespace tend::link
