#pragma once
// Drives a ConnectionCore the way an adapter's I/O would, on a clock the test moves, and shows
// each step as short lines ("open 2", "close 1 abruptly", "warn Slack: …") so a test reads as
// the story of a link.
#include <string>
#include <vector>

#include "bot/platform/connection_core.hpp"

namespace tend::testing {

class LinkScript {
 public:
  explicit LinkScript(double jitter = 0.0, link::CoreOptions options = {})
      : core_(std::move(options), [this] { return jitter_; }), jitter_(jitter) {}

  link::ConnectionCore& core() { return core_; }
  void set_jitter(double jitter) { jitter_ = jitter; }
  void advance(std::chrono::milliseconds by) { now_ += by; }
  link::SteadyTime now() const { return now_; }

  // The actions the core answered, one line each.
  std::vector<std::string> operator()(const link::Event& event) {
    last_ = core_.handle(event, now_);
    std::vector<std::string> lines;
    for (const auto& action : last_.actions) lines.push_back(describe(action));
    return lines;
  }
  // The log lines of the last step, each with its level.
  std::vector<std::string> log() const {
    std::vector<std::string> lines;
    static const char* levels[] = {"debug", "info", "warn", "error"};
    for (const auto& line : last_.log)
      lines.push_back(std::string(levels[static_cast<int>(line.level)]) + " " + line.text);
    return lines;
  }

  std::string describe(const link::Action& action) const {
    using namespace link;
    if (const auto* open = std::get_if<Open>(&action)) {
      auto line = "open " + std::to_string(open->socket);
      if (open->resume) line += " resume " + open->resume->id + "@" + std::to_string(open->resume->seq);
      return line;
    }
    if (const auto* ping = std::get_if<SendPing>(&action)) return "ping " + std::to_string(ping->socket);
    if (const auto* retire = std::get_if<Retire>(&action)) return "retire " + std::to_string(retire->socket);
    if (const auto* close = std::get_if<Close>(&action))
      return "close " + std::to_string(close->socket) +
             (close->how == Close::How::properly ? " properly " + std::to_string(close->code) : " abruptly");
    if (const auto* wait = std::get_if<WaitUntil>(&action))
      return "wait " +
             std::to_string(
                 std::chrono::duration_cast<std::chrono::milliseconds>(wait->when - now_).count()) +
             " ms";
    if (const auto* fatal = std::get_if<Fatal>(&action)) return "fatal: " + fatal->why;
    return "finished";
  }

 private:
  link::ConnectionCore core_;
  double jitter_;
  link::SteadyTime now_{std::chrono::hours(1)};
  link::Step last_;
};

}  // namespace tend::testing
