// The console in a terminal, as a person meets it: the built `tend console` on a pseudo-terminal,
// driven by keys. Emphasis and buttons are drawn with ANSI attributes; with libedit the arrow
// keys edit and walk the history, which survives a restart, and Tab completes.
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>

namespace {

class Terminal {
 public:
  explicit Terminal(const std::filesystem::path& dir, const char* admins = nullptr) {
    winsize size{};
    size.ws_row = 40;
    size.ws_col = 200;
    int slave = -1;
    REQUIRE(::openpty(&master_, &slave, nullptr, nullptr, &size) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(master_);
      ::login_tty(slave);
      if (::chdir(dir.c_str()) != 0) ::_exit(126);
      ::unsetenv("SLACK_APP_TOKEN");
      ::unsetenv("SLACK_BOT_TOKEN");
      if (admins)
        ::setenv("TEND_ADMINS", admins, 1);
      else
        ::unsetenv("TEND_ADMINS");
      ::setenv("TERM", "xterm", 1);
      ::execl(TEND_BINARY, "tend", "console", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(slave);
  }
  ~Terminal() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(master_);
  }

  void type(const std::string& keys) {
    REQUIRE(::write(master_, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));
  }

  // Reads the screen until `what` appears after everything already matched, or twenty seconds
  // pass (a generous bound for a loaded machine: the test waits for output, not for a time).
  bool shows(const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (true) {
      if (auto at = seen_.find(what, matched_); at != std::string::npos) {
        matched_ = at + what.size();
        return true;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        UNSCOPED_INFO("the screen never showed " << what << "; it showed:\n" << seen_);
        return false;
      }
      pollfd p{master_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const auto n = ::read(master_, buf, sizeof buf);
      if (n <= 0) return seen_.find(what, matched_) != std::string::npos;
      seen_.append(buf, static_cast<std::size_t>(n));
    }
  }

  int exit_code() {
    int status = 0;
    // Drain the screen so the child never blocks writing to it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      pollfd p{master_, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) {
        char buf[4096];
        if (const auto n = ::read(master_, buf, sizeof buf); n > 0)
          seen_.append(buf, static_cast<std::size_t>(n));
      }
    }
    return -1;
  }

  const std::string& screen() const { return seen_; }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string seen_;
  std::size_t matched_ = 0;
};

struct Directory {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("tend-terminal-" + std::to_string(::getpid()));
  Directory() { std::filesystem::create_directories(path); }
  ~Directory() { std::filesystem::remove_all(path); }
};

const std::string kBold = "\033[1m", kBoldOff = "\033[22m", kReverse = "\033[7m";

}  // namespace

TEST_CASE("in a terminal, bold shows as bold and buttons stand out") {
  Directory dir;
  Terminal t(dir.path);
  REQUIRE(t.shows("you> "));
  t.type("/checkin 4 good\r");
  CHECK(t.shows("Checked in at " + kBold + "4/5" + kBoldOff));
  t.type("/checkin\r");
  CHECK(t.shows(kReverse + " [1] "));
  t.type(":quit\r");
  CHECK(t.exit_code() == 0);
}

#ifdef TEND_HAVE_LIBEDIT
TEST_CASE("in a terminal, arrow keys edit the line and walk a history kept between runs; Tab completes") {
  Directory dir;
  {
    Terminal t(dir.path);
    REQUIRE(t.shows("you> "));
    // "/checkin 2 tired", then six steps left, a backspace over the 2, and a 5.
    t.type("/checkin 2 tired\033[D\033[D\033[D\033[D\033[D\033[D\b5\r");
    REQUIRE(t.shows("Checked in at " + kBold + "5/5" + kBoldOff));
    // Up walks back to that line; Enter runs it again.
    t.type("\033[A\r");
    REQUIRE(t.shows("Checked in at " + kBold + "5/5" + kBoldOff));
    t.type("/chec\t3 okay\r");
    REQUIRE(t.shows("Checked in at " + kBold + "3/5" + kBoldOff));
    t.type(":adv\t1h\r");
    REQUIRE(t.shows("It is now"));
    t.type(":quit\r");
    REQUIRE(t.exit_code() == 0);
    CHECK(t.screen().find("2/5") == std::string::npos);
    CHECK(t.screen().find("^[[") == std::string::npos);
  }
  REQUIRE(std::filesystem::exists(dir.path / "data" / "console_history"));
  // It holds the notes typed: only its owner may read it.
  CHECK((std::filesystem::status(dir.path / "data" / "console_history").permissions() &
         (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
        std::filesystem::perms::none);
  Terminal again(dir.path);
  REQUIRE(again.shows("you> "));
  // The newest lines of the last run: ":quit", then ":advance 1h".
  again.type("\033[A\033[A\r");
  CHECK(again.shows("It is now"));
  again.type(":quit\r");
  CHECK(again.exit_code() == 0);
}

TEST_CASE("a message Tend sends while a line is being typed is shown above it, and the line is kept") {
  Directory dir;
  Terminal t(dir.path, "you");
  REQUIRE(t.shows("you> "));
  // A story follow-up two seconds after the story: it arrives while the next line is typed.
  t.type("/tend admin set story.followups 2s\r");
  REQUIRE(t.shows("is now `2s`"));
  t.type("/tend admin set nudge.quiet_hours none\r");
  REQUIRE(t.shows("is now `none`"));
  t.type("/tend admin set nudge.working_days mon-sun\r");
  REQUIRE(t.shows("is now `mon-sun`"));
  t.type("/story now talk\r");
  REQUIRE(t.shows("Logged story #1"));
  REQUIRE(t.shows("you> "));
  t.type("/tend m");
  REQUIRE(t.shows("→ @you: It's been"));
  // Drawn again below the message, with what was typed so far; Enter runs the whole line.
  REQUIRE(t.shows("you> /tend m"));
  t.type("e\r");
  CHECK(t.shows("Time zone: Europe/London"));
  t.type(":quit\r");
  CHECK(t.exit_code() == 0);
}
#endif
