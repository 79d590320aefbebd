#pragma once
// The process: builds the store, the commands, the router, the outbox sender and the adapter
// for the configured platform, runs them on one io_context thread, and stops cleanly on
// SIGTERM/SIGINT. Returns the process exit code.
#include <iosfwd>

#include "config/file_config.hpp"

namespace tend {

enum class Mode { run, console };

int serve(Mode mode, const config::FileConfig& config, std::istream& in, std::ostream& out);

}  // namespace tend
