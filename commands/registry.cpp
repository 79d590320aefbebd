#include "commands/registry.hpp"

#include <stdexcept>

#include "commands/text.hpp"

namespace tend::commands {

bool allows(unsigned audience, storage::Kind kind) {
  switch (kind) {
    case storage::Kind::volunteer:
      return audience & volunteers;
    case storage::Kind::staff:
      return audience & staff;
    case storage::Kind::admin:
      return audience & admins;
  }
  return false;
}

Registry::Registry(std::map<std::string, std::string, std::less<>> names) : names_(std::move(names)) {}

void Registry::add(Family family) {
  for (const auto& f : families_)
    if (f.name == family.name) throw std::logic_error("command registered twice: " + family.name);
  for (std::size_t i = 0; i < family.subcommands.size(); ++i) {
    const auto& sub = family.subcommands[i];
    if (!sub.handler) throw std::logic_error("no handler for /" + family.name + " " + sub.path);
    for (std::size_t j = 0; j < i; ++j)
      if (family.subcommands[j].path == sub.path)
        throw std::logic_error("subcommand registered twice: /" + family.name + " " + sub.path);
  }
  families_.push_back(std::move(family));
}

void Registry::add(ActionSpec action) {
  if (!action.handler) throw std::logic_error("no handler for action " + action.action_id);
  if (this->action(action.action_id)) throw std::logic_error("action registered twice: " + action.action_id);
  actions_.push_back(std::move(action));
}

void Registry::add(JobSpec job) {
  const auto name = std::string(storage::to_string(job.kind));
  if (!job.handler) throw std::logic_error("no handler for job " + name);
  if (this->job(job.kind)) throw std::logic_error("job kind registered twice: " + name);
  jobs_.push_back(std::move(job));
}

config::Decision decide_due_job(Services& services, const JobSpec& spec, const storage::Job& job) {
  config::DeliveryFacts facts;
  facts.kind = spec.message;
  facts.now = services.now();
  if (job.subject_person_id)
    if (auto subject = storage::People(services.db).by_id(*job.subject_person_id);
        subject && subject->on_break(facts.now))
      facts.subject_break_until = subject->on_break_until;
  if (spec.facts) spec.facts(services, job, facts);
  return config::decide(facts);
}

const JobSpec* Registry::job(storage::JobKind kind) const {
  for (const auto& j : jobs_)
    if (j.kind == kind) return &j;
  return nullptr;
}

std::string Registry::slash(std::string_view canonical) const {
  auto it = names_.find(canonical);
  return "/" + (it == names_.end() ? std::string(canonical) : it->second);
}

Registry::Match Registry::match(std::string_view typed, std::string_view text) const {
  Match m;
  for (const auto& family : families_) {
    if (slash(family.name) == "/" + std::string(typed)) {
      m.family = &family;
      break;
    }
  }
  if (!m.family) return m;
  // The longest subcommand path that the text starts with wins ("admin set" over "admin").
  const auto typed_words = words(text);
  std::size_t best_words = 0;
  for (const auto& sub : m.family->subcommands) {
    if (sub.path.empty()) continue;
    const auto path_words = words(sub.path);
    if (path_words.size() > typed_words.size() || path_words.size() <= best_words) continue;
    bool same = true;
    for (std::size_t i = 0; i < path_words.size() && same; ++i) same = lower(typed_words[i]) == path_words[i];
    if (!same) continue;
    best_words = path_words.size();
    m.subcommand = &sub;
  }
  if (m.subcommand) {
    auto rest = trim(text);
    for (std::size_t i = 0; i < best_words; ++i) rest = split_word(rest).rest;
    m.args = rest;
    return m;
  }
  for (const auto& sub : m.family->subcommands) {
    if (sub.path.empty()) {
      m.subcommand = &sub;
      m.args = trim(text);
    }
  }
  return m;
}

const ActionSpec* Registry::action(std::string_view action_id) const {
  for (const auto& a : actions_)
    if (a.action_id == action_id) return &a;
  return nullptr;
}

std::string Registry::help(storage::Kind kind, std::string_view only_family) const {
  std::string out;
  for (const auto& family : families_) {
    if (!only_family.empty() && family.name != only_family) continue;
    std::string lines;
    for (const auto& sub : family.subcommands) {
      if (!allows(sub.audience, kind)) continue;
      lines += "• `" + slash(family.name);
      if (!sub.path.empty()) lines += " " + sub.path;
      if (!sub.usage.empty()) lines += " " + sub.usage;
      lines += "` — " + sub.summary + "\n";
    }
    if (lines.empty()) continue;
    out += "*" + slash(family.name) + "* — " + family.summary + "\n" + lines;
  }
  return out;
}

}  // namespace tend::commands
