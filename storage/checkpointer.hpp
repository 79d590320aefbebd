#pragma once
// Copies the write-ahead log back into the database file from a thread and a connection of its
// own. SQLite's automatic checkpoint runs inside the commit that takes the log past 1,000 pages;
// on Tend's one io_context thread that held every ack behind it, and the p99 ack latency at a
// steady 1,000 commands/s was 7.7 ms instead of 0.73 ms (README, "Performance"). A PASSIVE
// checkpoint never blocks the writer, so commits no longer wait for one.
#include <chrono>
#include <filesystem>
#include <thread>

namespace tend::storage {

class Checkpointer {
 public:
  Checkpointer(std::filesystem::path path, std::chrono::milliseconds every);
  // Stops the thread; the last connection to close checkpoints what is left.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  std::jthread thread_;
};

}  // namespace tend::storage
