#include "bot/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <mutex>
#include <regex>

namespace tend {
namespace {

class RedactingStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::cerr << redact_secrets(std::string(formatted.data(), formatted.size()));
  }
  void flush_() override { std::cerr.flush(); }
};

}  // namespace

std::string redact_secrets(std::string text) {
  static const std::regex token(R"((xox[a-z]|xapp)-[A-Za-z0-9-]+)");
  return std::regex_replace(text, token, "$1-[redacted]");
}

void setup_logging(std::string_view level) {
  auto logger = std::make_shared<spdlog::logger>("tend", std::make_shared<RedactingStderrSink>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(logger);
}

}  // namespace tend
