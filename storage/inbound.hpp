#pragma once
// Platform delivery ids already handled (Slack envelope_id, trigger_id, event_id) and the reply
// given, so a redelivered envelope is answered again without being handled twice.
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/message.hpp"
#include "storage/database.hpp"

namespace tend::storage {

class Inbound {
 public:
  explicit Inbound(Database& db) : db_(db) {}
  std::optional<Message> reply_for(const std::vector<std::string>& delivery_ids);
  // `people`: whose data the reply shows (the caller, and anyone a staff view showed).
  void record(const std::vector<std::string>& delivery_ids, const Message& reply,
              const std::vector<int64_t>& people, Instant now);
  // The window is bounded: ids older than `before` are forgotten.
  void forget_before(Instant before);
  // /tend forget: every stored reply that showed the person's data becomes `in_its_place`. The ids
  // stay, so a redelivery is still answered (with that) and never handled twice.
  void withdraw_replies_showing(int64_t person_id, const Message& in_its_place);

 private:
  Database& db_;
};

// Small key/value facts about this installation (the console's simulated clock offset).
class Meta {
 public:
  explicit Meta(Database& db) : db_(db) {}
  std::optional<std::string> get(const std::string& key);
  void set(const std::string& key, const std::string& value);

 private:
  Database& db_;
};

}  // namespace tend::storage
