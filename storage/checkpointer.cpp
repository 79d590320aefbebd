#include "storage/checkpointer.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

namespace tend::storage {

Checkpointer::Checkpointer(std::filesystem::path path, std::chrono::milliseconds every)
    : thread_([path = std::move(path), every](std::stop_token stop) {
        std::mutex mutex;
        std::condition_variable_any woken;
        std::unique_lock lock(mutex);
        try {
          SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
          while (!woken.wait_for(lock, stop, every, [&] { return stop.stop_requested(); })) {
            try {
              db.exec("PRAGMA wal_checkpoint(PASSIVE)");
            } catch (const SQLite::Exception& e) {
              // The writer's own checkpoint (at a larger log) still bounds the file meanwhile.
              spdlog::warn("the database checkpoint failed and will be tried again: {}", e.what());
            }
          }
        } catch (const SQLite::Exception& e) {
          spdlog::error("the database checkpoint thread could not open {}: {}", path.string(), e.what());
        }
      }) {}

Checkpointer::~Checkpointer() = default;  // std::jthread asks the thread to stop and joins it

}  // namespace tend::storage
