#include "bot/metrics.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>

namespace tend {
namespace {

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok:
      return "ok";
    case Outcome::refused:
      return "refused";
    case Outcome::error:
      return "error";
  }
  return "error";
}

// Prometheus label values escape backslash, double quote and line feed.
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// `fixed` for bucket bounds: "0.0005" rather than "5e-04", as Prometheus's own clients write them.
std::string number(double value, std::chars_format format = std::chars_format::general) {
  // Counts and bytes as whole numbers: 12304384, not 1.2304384e+07.
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    return std::to_string(static_cast<int64_t>(value));
  char buffer[400];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, format);
  return ec == std::errc{} ? std::string(buffer, end) : std::string("NaN");
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// A counter family keyed by platform alone, with `platform` present even at zero.
void per_platform(std::string& out, std::string_view name, std::string_view help,
                  const std::map<std::string, uint64_t, std::less<>>& values, std::string_view platform) {
  header(out, name, "counter", help);
  auto all = values;
  all.try_emplace(std::string(platform), 0);
  for (const auto& [p, value] : all)
    out.append(name)
        .append("{platform=\"")
        .append(label(p))
        .append("\"} ")
        .append(std::to_string(value))
        .append("\n");
}

}  // namespace

void Metrics::command_handled(std::string_view platform, std::string_view command, Outcome outcome) {
  // Looked up by views first: counting a command allocates nothing once its series exists.
  const auto key = std::make_tuple(platform, command, outcome);
  auto it = commands_.find(key);
  if (it == commands_.end())
    it = commands_.emplace(std::make_tuple(std::string(platform), std::string(command), outcome), 0).first;
  ++it->second;
}

void Metrics::ack_latency(std::string_view platform, std::chrono::nanoseconds latency) {
  auto it = ack_latency_.find(platform);
  if (it == ack_latency_.end()) it = ack_latency_.emplace(std::string(platform), Histogram{}).first;
  const double seconds = std::chrono::duration<double>(latency).count();
  auto& h = it->second;
  const auto bucket = std::lower_bound(kAckBuckets.begin(), kAckBuckets.end(), seconds);
  if (bucket != kAckBuckets.end()) ++h.buckets[bucket - kAckBuckets.begin()];
  ++h.count;
  h.sum += seconds;
}

void Metrics::outbox_sent(std::string_view platform) {
  ++outbox_sent_[std::string(platform)];
}

void Metrics::outbox_dead(std::string_view platform) {
  ++outbox_dead_[std::string(platform)];
}

void Metrics::reconnected(std::string_view platform) {
  ++reconnects_[std::string(platform)];
}

std::string Metrics::render(std::string_view platform, const std::vector<Gauge>& gauges) const {
  std::string out;
  header(out, "tend_commands_total", "counter",
         "Commands and button presses handled, by command family and outcome (ok, refused, error).");
  for (const auto& [key, value] : commands_) {
    const auto& [p, command, outcome] = key;
    out.append("tend_commands_total{platform=\"")
        .append(label(p))
        .append("\",command=\"")
        .append(label(command))
        .append("\",outcome=\"")
        .append(outcome_name(outcome))
        .append("\"} ")
        .append(std::to_string(value))
        .append("\n");
  }

  header(out, "tend_ack_latency_seconds", "histogram",
         "Time from receiving a command or button press to sending its acknowledgement.");
  auto histograms = ack_latency_;
  histograms.try_emplace(std::string(platform), Histogram{});
  for (const auto& [p, h] : histograms) {
    const auto labels = "platform=\"" + label(p) + "\"";
    uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kAckBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out.append("tend_ack_latency_seconds_bucket{")
          .append(labels)
          .append(",le=\"")
          .append(number(kAckBuckets[i], std::chars_format::fixed))
          .append("\"} ")
          .append(std::to_string(cumulative))
          .append("\n");
    }
    out.append("tend_ack_latency_seconds_bucket{").append(labels).append(",le=\"+Inf\"} ");
    out.append(std::to_string(h.count)).append("\n");
    out.append("tend_ack_latency_seconds_sum{")
        .append(labels)
        .append("} ")
        .append(number(h.sum))
        .append("\n");
    out.append("tend_ack_latency_seconds_count{").append(labels).append("} ");
    out.append(std::to_string(h.count)).append("\n");
  }

  per_platform(out, "tend_outbox_sent_total", "Messages Tend sent on its own and the platform accepted.",
               outbox_sent_, platform);
  per_platform(out, "tend_outbox_dead_total",
               "Messages set aside after too many failed tries (admins are told).", outbox_dead_, platform);
  per_platform(out, "tend_reconnects_total", "Platform connections opened after the first.", reconnects_,
               platform);
  for (const auto& gauge : gauges) {
    header(out, gauge.name, "gauge", gauge.help);
    out.append(gauge.name).append("{platform=\"").append(label(platform)).append("\"} ");
    out.append(number(gauge.value)).append("\n");
  }
  return out;
}

Metrics& metrics() {
  static Metrics registry;
  return registry;
}

double resident_memory_bytes() {
  // statm: total program size, then resident pages.
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

}  // namespace tend
