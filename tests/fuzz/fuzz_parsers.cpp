// The parsers of durations, times, quiet hours, working days, zones, dates and settings take
// anything and either return a value or throw ParseError; what they normalise parses again to
// the same text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/delivery_window.hpp"
#include "config/parse.hpp"
#include "config/settings.hpp"

using namespace tend::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto* london = date::locate_zone("Europe/London");
  const auto* sydney = date::locate_zone("Australia/Sydney");
  const tend::Instant now{std::chrono::seconds{1'780'477'200}};
  try {
    parse_duration(text);
  } catch (const ParseError&) {
  }
  try {
    auto q = parse_quiet_hours(text);
    next_allowed(now, london, q, parse_working_days("mon-fri"));
  } catch (const ParseError&) {
  }
  try {
    auto days = parse_working_days(text);
    next_allowed(now, london, parse_quiet_hours("20:00-08:00"), days);
  } catch (const ParseError&) {
  }
  // Dates in two zones and both readings of a date without a year; what is left over is always
  // a part of what was typed, never a copy or beyond it.
  for (const auto* zone : {london, sydney})
    for (auto yearless : {YearlessDate::next, YearlessDate::nearest}) {
      try {
        auto when = parse_when_prefix(text, zone, now, yearless);
        to_instant(when.when, zone, now, std::chrono::hours(12));
        if (!when.rest.empty() && (when.rest.data() < text.data() ||
                                   when.rest.data() + when.rest.size() > text.data() + text.size()))
          __builtin_trap();
      } catch (const ParseError&) {
      }
    }
  for (const auto& spec : setting_specs()) {
    try {
      const auto normalized = normalize_setting(spec.key, text);
      if (normalize_setting(spec.key, normalized) != normalized) __builtin_trap();
      Settings(std::map<std::string, std::string, std::less<>>{{std::string(spec.key), normalized}})
          .raw(spec.key);
    } catch (const ParseError&) {
    }
  }
  return 0;
}
