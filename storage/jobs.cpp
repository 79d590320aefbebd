#include "storage/jobs.hpp"

#include "storage/time.hpp"

namespace tend::storage {
namespace {

Job read(SQLite::Statement& s) {
  Job job;
  job.id = s.getColumn(0).getInt64();
  job.due_at = from_unix_seconds(s.getColumn(2).getInt64());
  job.key = s.getColumn(4).getString();
  if (!s.getColumn(5).isNull()) job.subject_person_id = s.getColumn(5).getInt64();
  job.held = s.getColumn(6).getInt() != 0;
  const auto kind = parse_job_kind(s.getColumn(1).getString());
  try {
    if (!kind) throw std::invalid_argument("unknown kind");
    job.kind = *kind;
    job.payload = payload_from_json(*kind, nlohmann::json::parse(s.getColumn(3).getString()));
  } catch (const std::exception&) {
    job.known_kind = false;
  }
  return job;
}
constexpr const char* kSelect =
    "SELECT id, kind, due_at, payload, coalesce(idempotency_key, ''), subject_person_id, held FROM jobs ";

void bind_new(SQLite::Statement& s, const NewJob& job) {
  s.bind(1, std::string(to_string(job.kind)));
  s.bind(2, unix_seconds(job.due_at));
  s.bind(3, payload_json(job.payload).dump());
  s.bind(4, job.key);
  s.bind(5, unix_seconds(SystemClock{}.now()));
  if (job.subject_person_id)
    s.bind(6, *job.subject_person_id);
  else
    s.bind(6);
}

}  // namespace

bool Jobs::schedule(const NewJob& job) {
  auto& s = db_.statement(
      "INSERT INTO jobs (kind, due_at, payload, idempotency_key, created_at, subject_person_id) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING");
  bind_new(s, job);
  return s.exec() == 1;
}

void Jobs::reschedule(const NewJob& job) {
  auto& s = db_.statement(
      "INSERT INTO jobs (kind, due_at, payload, idempotency_key, created_at, subject_person_id) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO UPDATE SET due_at = excluded.due_at, "
      "payload = excluded.payload, subject_person_id = excluded.subject_person_id, held = 0");
  bind_new(s, job);
  s.exec();
}

std::optional<Instant> Jobs::earliest() {
  auto& s = db_.statement("SELECT min(due_at) FROM jobs WHERE held = 0");
  if (!s.executeStep() || s.getColumn(0).isNull()) return std::nullopt;
  return from_unix_seconds(s.getColumn(0).getInt64());
}

std::vector<Job> Jobs::due(Instant now, int limit) {
  auto& s =
      db_.statement(std::string(kSelect) + "WHERE held = 0 AND due_at <= ? ORDER BY due_at, id LIMIT ?");
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

void Jobs::hold(int64_t id) {
  auto& s = db_.statement("UPDATE jobs SET held = 1 WHERE id = ?");
  s.bind(1, id);
  s.exec();
}

void Jobs::release(int64_t id, Instant due_at) {
  auto& s = db_.statement("UPDATE jobs SET held = 0, due_at = ? WHERE id = ?");
  s.bind(1, unix_seconds(due_at));
  s.bind(2, id);
  s.exec();
}

std::vector<Job> Jobs::held_about(int64_t person_id) {
  auto& s =
      db_.statement(std::string(kSelect) + "WHERE subject_person_id = ? AND held = 1 ORDER BY due_at, id");
  s.bind(1, person_id);
  std::vector<Job> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

std::vector<Job> Jobs::about(int64_t person_id) {
  auto& s = db_.statement(std::string(kSelect) + "WHERE subject_person_id = ? ORDER BY due_at, id");
  s.bind(1, person_id);
  std::vector<Job> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

std::vector<Job> Jobs::due_about(int64_t person_id, JobKind kind, Instant now) {
  auto& s = db_.statement(std::string(kSelect) +
                          "WHERE subject_person_id = ? AND kind = ? AND held = 0 AND due_at <= ? "
                          "ORDER BY due_at, id");
  s.bind(1, person_id);
  s.bind(2, std::string(to_string(kind)));
  s.bind(3, unix_seconds(now));
  std::vector<Job> out;
  while (s.executeStep()) out.push_back(read(s));
  return out;
}

void Jobs::remove(int64_t id) {
  auto& s = db_.statement("DELETE FROM jobs WHERE id = ?");
  s.bind(1, id);
  s.exec();
}

int Jobs::remove_by_key_prefix(const std::string& prefix) {
  // A range on the key's index rather than LIKE, which would read every job (and take % and _ in
  // ids as patterns). No UTF-8 text has the byte 0xFF, so every key with the prefix sorts below
  // prefix + 0xFF.
  auto& s = db_.statement("DELETE FROM jobs WHERE idempotency_key >= ? AND idempotency_key < ?");
  s.bind(1, prefix);
  s.bind(2, prefix + '\xff');
  return s.exec();
}

int Jobs::remove_about(int64_t person_id) {
  auto& s = db_.statement("DELETE FROM jobs WHERE subject_person_id = ?");
  s.bind(1, person_id);
  return s.exec();
}

int64_t Jobs::count() {
  return db_.tally("jobs");
}

}  // namespace tend::storage
