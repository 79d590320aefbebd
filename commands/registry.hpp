#pragma once
// The table of every command, subcommand and button: who may use it, its usage and help, and
// its handler. The router consults it for every call, /tend help is generated from it, and the
// permission test walks it, so there is one place where access is decided.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "commands/context.hpp"
#include "storage/jobs.hpp"

namespace tend::commands {

// Who may call a subcommand: a set of person kinds.
enum Audience : unsigned {
  volunteers = 1u << 0,
  staff = 1u << 1,
  admins = 1u << 2,
  staff_and_admins = staff | admins,
  anyone = volunteers | staff | admins,
};
bool allows(unsigned audience, storage::Kind kind);

using Handler = std::function<Reply(Context&, std::string_view args)>;
struct ActionInput {
  std::string value;
  std::map<std::string, std::string> fields;
};
using ActionHandler = std::function<Reply(Context&, const ActionInput&)>;

struct Subcommand {
  std::string path;   // "" for the family's own form, else words: "history", "admin set"
  std::string usage;  // after the command and path: "[1-5] [note…]"
  std::string summary;
  unsigned audience = anyone;
  Handler handler;
};

struct Family {
  std::string name;  // canonical, without the slash: "checkin"
  std::string summary;
  std::vector<Subcommand> subcommands;
};

// What became of a due job: finished (removed), or to run again at `at` (held or recurring).
struct JobOutcome {
  std::optional<Instant> run_again_at;
  static JobOutcome done() { return {}; }
  static JobOutcome again_at(Instant at) { return {at}; }
};
using JobHandler = std::function<JobOutcome(Services&, const storage::Job&)>;
// Fills in what the delivery policy needs to know about a due job beyond its kind and subject
// (the event a preparation note is for, whether it is a story's last follow-up).
using JobFacts = std::function<void(Services&, const storage::Job&, config::DeliveryFacts&)>;

// A kind of job: its handler runs only when the delivery policy says its message may go now.
struct JobSpec {
  storage::JobKind kind;
  JobHandler handler;
  config::MessageKind message = config::MessageKind::notice;  // notice: upkeep, never held
  JobFacts facts = nullptr;
};

struct ActionSpec {
  std::string action_id;
  unsigned audience = anyone;
  ActionHandler handler;
};

// What the delivery policy says about a due job: its kind and subject's break, plus what the
// spec's facts add. The scheduler asks this before running any job, and so does a break's end.
config::Decision decide_due_job(Services& services, const JobSpec& spec, const storage::Job& job);

class Registry {
 public:
  // The slash-command names configured for this workspace: canonical -> typed ("checkin" -> "ci").
  explicit Registry(std::map<std::string, std::string, std::less<>> names = {});

  // Throws std::logic_error for a duplicate or a handler-less entry: caught at start-up.
  void add(Family family);
  void add(ActionSpec action);
  void add(JobSpec job);

  struct Match {
    const Family* family = nullptr;
    const Subcommand* subcommand = nullptr;  // null: the text named no subcommand the family has
    std::string_view args;
  };
  // `typed` is the command as the platform delivered it, without the slash.
  Match match(std::string_view typed, std::string_view text) const;
  const ActionSpec* action(std::string_view action_id) const;
  const JobSpec* job(storage::JobKind kind) const;

  std::string slash(std::string_view canonical) const;
  const std::vector<Family>& families() const { return families_; }
  const std::vector<ActionSpec>& actions() const { return actions_; }

  // Help for a person of `kind`: every family, or one, listing only what they may use.
  std::string help(storage::Kind kind, std::string_view family = {}) const;

 private:
  std::map<std::string, std::string, std::less<>> names_;
  std::vector<Family> families_;
  std::vector<ActionSpec> actions_;
  std::vector<JobSpec> jobs_;
};

}  // namespace tend::commands
