#pragma once
// An urgent alert about the caller (a low check-in, a call for support, a debrief that needs
// attention) goes one way: to their supervisor now; inside the supervisor's quiet hours to the
// person on call at once (the supervisor sees it when their hours start), or, with nobody on call,
// when the supervisor's hours start; to the coordinators when the caller has no supervisor.
#include <string>

#include "commands/context.hpp"

namespace tend::commands {

struct UrgentAlert {
  Message message;        // names its moment with kMomentMark
  std::string key;        // one alert per key
  std::string because;    // what the caller did, after "Because you ": "asked for support"
  std::string with_note;  // ".", ", with your note." or "; your note stays private."
};

struct AlertSent {
  std::string reply;      // for the caller: who sees it and when, with the out-of-hours text
  std::string who_knows;  // "sam knows", "kim (on call) and sam know", "the coordinators know"
};

AlertSent send_urgent_alert(Context& ctx, const UrgentAlert& alert);

// How a note is kept: at most 2,000 characters; `capped` says whether it was cut.
std::string capped_note(std::string note, bool& capped);
inline constexpr std::string_view kNoteCappedNotice =
    "\nYour note was longer than 2,000 characters, so I kept the first 2,000.";

}  // namespace tend::commands
