// write_stdout: output that cannot be written is an error, never a silent loss.
#include "cli/stdout_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "kompress/error.h"

namespace {

// Exit code of a child whose stdout is /dev/full: 0 when write_stdout threw the expected error,
// 1 when it returned, 2 on another error.
int write_to_full_device() {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open("/dev/full", O_WRONLY);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) _exit(3);
    try {
      kompress::cli::write_stdout("text the user must not lose\n");
    } catch (const kompress::Error& e) {
      _exit(std::string(e.what()) == "cannot write to stdout" ? 0 : 2);
    }
    _exit(1);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(WriteStdout, AFullDeviceIsAnErrorEvenWhenTheWriteWasBuffered) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  EXPECT_EQ(write_to_full_device(), 0);
}

}  // namespace
