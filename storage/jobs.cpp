#include "storage/jobs.hpp"
#include "storage/time.hpp"

namespace tend::storage {
namespace {

Job read(SQLite::Statement& s) {
  return Job{s.getColumn(0).getInt64(), s.getColumn(1).getString(),
             Instant{std::chrono::seconds{s.getColumn(2).getInt64()}},
             nlohmann::json::parse(s.getColumn(3).getString()), s.getColumn(4).getString()};
}
constexpr const char* kSelect = "SELECT id, kind, due_at, payload, coalesce(idempotency_key, '') FROM jobs ";
}  // namespace

bool Jobs::schedule(const std::string& kind, Instant due_at, const nlohmann::json& payload,
                    const std::string& key) {
  auto& s = db_.statement(
      "INSERT INTO jobs (kind, due_at, payload, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (idempotency_key) DO NOTHING");
  s.bind(1, kind);
  s.bind(2, unix_seconds(due_at));
  s.bind(3, payload.dump());
  s.bind(4, key);
  s.bind(5, unix_seconds(SystemClock{}.now()));
  return s.exec() == 1;
}

void Jobs::reschedule(const std::string& kind, Instant due_at, const nlohmann::json& payload,
                      const std::string& key) {
  auto& s = db_.statement(
      "INSERT INTO jobs (kind, due_at, payload, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (idempotency_key) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload");
  s.bind(1, kind);
  s.bind(2, unix_seconds(due_at));
  s.bind(3, payload.dump());
  s.bind(4, key);
  s.bind(5, unix_seconds(SystemClock{}.now()));
  s.exec();
}

std::optional<Instant> Jobs::earliest() {
  auto& s = db_.statement("SELECT min(due_at) FROM jobs");
  if (!s.executeStep() || s.getColumn(0).isNull()) return std::nullopt;
  return Instant{std::chrono::seconds{s.getColumn(0).getInt64()}};
}

std::vector<Job> Jobs::due(Instant now, int limit) {
  auto& s = db_.statement(std::string(kSelect) + "WHERE due_at <= ? ORDER BY due_at, id LIMIT ?");
  s.bind(1, unix_seconds(now));
  s.bind(2, limit);
  std::vector<Job> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

std::optional<Job> Jobs::by_key(const std::string& key) {
  auto& s = db_.statement(std::string(kSelect) + "WHERE idempotency_key = ?");
  s.bind(1, key);
  if (!s.executeStep()) return std::nullopt;
  return read(s);
}

void Jobs::move(int64_t id, Instant due_at) {
  auto& s = db_.statement("UPDATE jobs SET due_at = ? WHERE id = ?");
  s.bind(1, unix_seconds(due_at));
  s.bind(2, id);
  s.exec();
}

void Jobs::remove(int64_t id) {
  auto& s = db_.statement("DELETE FROM jobs WHERE id = ?");
  s.bind(1, id);
  s.exec();
}

int Jobs::remove_by_key_prefix(const std::string& prefix) {
  // substr instead of LIKE, so ids with % or _ in them are taken literally.
  auto& s = db_.statement("DELETE FROM jobs WHERE substr(idempotency_key, 1, ?) = ?");
  s.bind(1, static_cast<int>(prefix.size()));
  s.bind(2, prefix);
  return s.exec();
}

int64_t Jobs::count() {
  return db_.sql().execAndGet("SELECT count(*) FROM jobs").getInt64();
}

}  // namespace tend::storage
