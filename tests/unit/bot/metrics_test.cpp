#include <catch2/catch.hpp>

#include "bot/metrics.hpp"

using namespace tend;
using namespace std::chrono_literals;
using Catch::Contains;

TEST_CASE("metrics render in Prometheus text format, histogram buckets cumulative") {
  Metrics m;
  m.command_handled("slack", "checkin", Outcome::ok);
  m.command_handled("slack", "checkin", Outcome::ok);
  m.command_handled("slack", "tend", Outcome::refused);
  m.ack_latency("slack", 300us);
  m.ack_latency("slack", 2ms);
  m.ack_latency("slack", 4s);  // beyond the last bucket: only in +Inf
  m.outbox_sent("slack");
  const auto text = m.render("slack", {{"tend_jobs_pending", "Scheduled jobs.", 12}});

  CHECK_THAT(text, Contains("# TYPE tend_commands_total counter\n"));
  CHECK_THAT(text,
             Contains("tend_commands_total{platform=\"slack\",command=\"checkin\",outcome=\"ok\"} 2\n"));
  CHECK_THAT(text,
             Contains("tend_commands_total{platform=\"slack\",command=\"tend\",outcome=\"refused\"} 1\n"));
  CHECK_THAT(text, Contains("# TYPE tend_ack_latency_seconds histogram\n"));
  CHECK_THAT(text, Contains("tend_ack_latency_seconds_bucket{platform=\"slack\",le=\"0.0005\"} 1\n"));
  CHECK_THAT(text, Contains("tend_ack_latency_seconds_bucket{platform=\"slack\",le=\"0.001\"} 1\n"));
  CHECK_THAT(text, Contains("tend_ack_latency_seconds_bucket{platform=\"slack\",le=\"0.0025\"} 2\n"));
  CHECK_THAT(text, Contains("tend_ack_latency_seconds_bucket{platform=\"slack\",le=\"2.5\"} 2\n"));
  CHECK_THAT(text, Contains("tend_ack_latency_seconds_bucket{platform=\"slack\",le=\"+Inf\"} 3\n"));
  CHECK_THAT(text, Contains("tend_ack_latency_seconds_count{platform=\"slack\"} 3\n"));
  const std::string sum_line = "tend_ack_latency_seconds_sum{platform=\"slack\"} ";
  const auto sum_at = text.find(sum_line);
  REQUIRE(sum_at != std::string::npos);
  CHECK(std::stod(text.substr(sum_at + sum_line.size())) == Approx(4.0023));
  CHECK_THAT(text, Contains("tend_outbox_sent_total{platform=\"slack\"} 1\n"));
  // Counters nothing has touched yet still appear, at zero.
  CHECK_THAT(text, Contains("tend_outbox_dead_total{platform=\"slack\"} 0\n"));
  CHECK_THAT(text, Contains("tend_reconnects_total{platform=\"slack\"} 0\n"));
  CHECK_THAT(text, Contains("# TYPE tend_jobs_pending gauge\ntend_jobs_pending{platform=\"slack\"} 12\n"));
  // Every line is a comment or `name{labels} value`; each family is described once.
  std::size_t families = 0, at = 0;
  while ((at = text.find("# TYPE ", at)) != std::string::npos) ++families, ++at;
  CHECK(families == 6);
}

TEST_CASE("a label value cannot break out of its quotes") {
  Metrics m;
  m.command_handled("a\"b\\c\nd", "checkin", Outcome::error);
  CHECK_THAT(m.render("slack", {}), Contains("platform=\"a\\\"b\\\\c\\nd\""));
}

TEST_CASE("resident memory is read from /proc") {
  CHECK(resident_memory_bytes() > 1'000'000);
}
