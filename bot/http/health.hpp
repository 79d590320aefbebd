#pragma once
// GET /healthz and GET /metrics on the HTTP listener.
//
// /healthz answers 200 "ok" when the event loop runs a posted task within a second, a write
// transaction can begin and write (then rolls back), and the platform link is up; otherwise 503
// with one line per failing check, naming it ("database: not writable (database is locked)").
// /metrics is Prometheus's text format: the counters of bot/metrics.hpp, and, read at scrape
// time, outbox and job counts and the process's resident memory.
#include <functional>
#include <string>

#include "bot/http/routes.hpp"
#include "storage/database.hpp"

namespace tend::http {

struct HealthSources {
  storage::Database& db;
  std::string platform;           // the label every metric carries
  std::function<bool()> link_up;  // the adapter's link state
};

void add_health_routes(Routes& routes, HealthSources sources);

}  // namespace tend::http
