// Whatever people type after a slash-command goes through the whole command path (router,
// permission table, handlers, one SQLite transaction) and must come back as a reply, never a
// crash. The first byte picks who types and which command; the rest is the text.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "bot/router.hpp"
#include "commands/families.hpp"

namespace {

struct World {
  tend::storage::Database db{{":memory:"}};
  tend::ManualClock clock{tend::Instant{std::chrono::seconds{1'780'477'200}}};
  tend::commands::Registry registry;
  std::unique_ptr<tend::Router> router;
  World() {
    tend::commands::add_all(registry);
    router = std::make_unique<tend::Router>(db, clock, registry, tend::RouterOptions{"console", {"ada"}, {}});
    say("sam", "tend", "help");
    say("bo", "tend", "help");
    say("ada", "tend", "admin person @sam staff");
    say("ada", "tend", "admin supervisor @bo @sam");
    say("sam", "supervision", "offer tomorrow 14:00");
  }
  void say(const std::string& who, const std::string& command, const std::string& text) {
    router->handle_command({{who, who, "", {}}, command, text});
  }
};

const char* kPeople[] = {"ada", "sam", "bo"};
const char* kPrefixes[] = {"checkin ", "checkin history", "checkin team", "story ", "story list ", "story cancel ",
                           "break ",   "break end",       "supervision ", "supervision offer ", "supervision book ",
                           "supervision cancel ", "supervision done ", "boundaries ", "tend admin set ",
                           "tend admin get ", "tend admin person ", "tend admin supervisor ", "tend admin role add ",
                           "tend admin role boundaries ", "tend admin role assign ", "tend admin audit ", "tend me",
                           "tend ", "nonsense "};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  if (size == 0) return 0;
  const auto who = kPeople[data[0] % 3];
  const std::string line = std::string(kPrefixes[(data[0] / 3) % std::size(kPrefixes)]) +
                           std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto space = line.find(' ');
  const auto command = line.substr(0, space);
  const auto text = space == std::string::npos ? std::string() : line.substr(space + 1);
  auto reply = world.router->handle_command({{who, who, "", {}}, command, text});
  // Every input gets an answer a person can read.
  if (reply.text.empty() && reply.buttons.empty()) __builtin_trap();
  return 0;
}
