#include "storage/audit.hpp"
#include "storage/time.hpp"

namespace tend::storage {
namespace {

void bind_optional(SQLite::Statement& s, int index, const std::optional<int64_t>& v) {
  if (v)
    s.bind(index, *v);
  else
    s.bind(index);
}

}  // namespace

void Audit::record(const AuditEntry& e) {
  auto& s = db_.statement(
      "INSERT INTO audit (at, actor_id, action, subject_id, detail, old_value, new_value) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, storage::unix_seconds(e.at));
  bind_optional(s, 2, e.actor_id);
  s.bind(3, e.action);
  bind_optional(s, 4, e.subject_id);
  s.bind(5, e.detail);
  s.bind(6, e.old_value);
  s.bind(7, e.new_value);
  s.exec();
}

std::vector<AuditEntry> Audit::latest(int limit) {
  auto& s = db_.statement(
      "SELECT id, at, actor_id, action, subject_id, coalesce(detail, ''), coalesce(old_value, ''), "
      "coalesce(new_value, '') FROM audit ORDER BY id DESC LIMIT ?");
  s.bind(1, limit);
  std::vector<AuditEntry> out;
  while (s.executeStep()) {
    AuditEntry e;
    e.id = s.getColumn(0).getInt64();
    e.at = from_unix_seconds(s.getColumn(1).getInt64());
    if (!s.getColumn(2).isNull()) e.actor_id = s.getColumn(2).getInt64();
    e.action = s.getColumn(3).getString();
    if (!s.getColumn(4).isNull()) e.subject_id = s.getColumn(4).getInt64();
    e.detail = s.getColumn(5).getString();
    e.old_value = s.getColumn(6).getString();
    e.new_value = s.getColumn(7).getString();
    out.push_back(std::move(e));
  }
  return out;
}

void Audit::redact_about(int64_t person_id) {
  auto& s = db_.statement(
      "UPDATE audit SET detail = '', old_value = '', new_value = '' WHERE subject_id = ?1 OR actor_id = ?1");
  s.bind(1, person_id);
  s.exec();
}

}  // namespace tend::storage
