// /boundaries: what a role may and may not do, as the admins wrote it, and the reminders of it.
#include "commands/families.hpp"
#include "commands/text.hpp"
#include "storage/roles.hpp"
#include "storage/time.hpp"

namespace tend::commands {
namespace {

std::string render(const storage::Role& role) {
  return "*Boundaries of the " + role.name + " role*\n" +
         (role.boundaries.empty() ? std::string("_No boundaries have been written for this role yet._")
                                  : role.boundaries);
}

Reply show(Context& ctx, std::string_view args) {
  storage::Roles roles(ctx.db);
  if (!args.empty()) {
    auto role = roles.by_name(std::string(args));
    if (!role) {
      std::string names;
      for (const auto& r : roles.all()) names += (names.empty() ? "" : ", ") + r.name;
      throw UserError("There is no role \"" + std::string(args) + "\". Roles: " + names + ".");
    }
    return Reply{render(*role), {}, {}};
  }
  if (ctx.caller.role_id)
    if (auto role = roles.by_id(*ctx.caller.role_id)) return Reply{render(*role), {}, {}};
  if (auto fallback = roles.by_name(storage::Roles::default_role))
    return Reply{
        "You haven't been given a role yet, so here is the default one.\n" + render(*fallback), {}, {}};
  throw UserError("No roles have been set up yet; an admin can add one with `" + ctx.slash("tend") +
                  " admin role add <name>`.");
}

storage::NewJob boundary_reminder(Services& s, const storage::Person& person) {
  return {storage::JobKind::boundaries_reminder,
          s.now() + s.settings_for(person).duration("boundaries.reminder_every"),
          storage::PersonJob{person.id}, "boundaries:" + std::to_string(person.id), person.id};
}

JobOutcome reminder(Services& s, const storage::Job& job) {
  auto person = storage::People(s.db).by_id(job.as<storage::PersonJob>().person);
  if (!person || person->kind != storage::Kind::volunteer) return JobOutcome::done();
  const auto every = s.settings_for(*person).duration("boundaries.reminder_every");
  storage::Roles roles(s.db);
  auto role = person->role_id ? roles.by_id(*person->role_id) : roles.by_name(storage::Roles::default_role);
  if (!role) return JobOutcome::again_at(s.now() + every);
  s.send(*person,
         Message{"A reminder of your role's boundaries, " + person->display_name +
                     ". It's okay to say no.\n\n" + render(*role),
                 {},
                 {}},
         job.key + ":" + std::to_string(storage::unix_seconds(job.due_at)),
         {config::MessageKind::boundaries_reminder, person->id, job.due_at});
  return JobOutcome::again_at(s.now() + every);
}

}  // namespace

void send_boundaries_now(Services& s, const storage::Person& person, const storage::Role& role) {
  s.send(person,
         Message{"You've been given the *" + role.name + "* role. Here are its boundaries; `" +
                     s.slash("boundaries") + "` shows them any time.\n\n" + render(role),
                 {},
                 {}},
         "role-given:" + std::to_string(person.id) + ":" + std::to_string(role.id) + ":" +
             std::to_string(storage::unix_seconds(s.now())),
         {config::MessageKind::notice, person.id, std::nullopt});
  s.schedule(boundary_reminder(s, person), /*replace_existing=*/true);
}

void start_boundary_reminders(Services& s, const storage::Person& person) {
  s.schedule(boundary_reminder(s, person));
}

void add_boundaries(Registry& registry) {
  registry.add(Family{"boundaries",
                      "what your role does and doesn't include",
                      {{"", "[role]", "the boundaries of your role, or of the named one", anyone, show}}});
  registry.add(
      JobSpec{storage::JobKind::boundaries_reminder, reminder, config::MessageKind::boundaries_reminder});
}

}  // namespace tend::commands
