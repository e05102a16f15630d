// `kompress serve` as a process: it logs where it listens, serves, and on SIGTERM (or SIGINT)
// stops and exits 0; a port in use is exit code 1 with a message.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "server/server_test_env.h"

namespace kompress::testing {
namespace {

using nlohmann::json;

// The built command running `kompress serve ARGS...`, stderr to a file.
class ServeProcess {
 public:
  explicit ServeProcess(std::vector<std::string> args) : dir_(make_temp_dir("serve_process")) {
    const std::string binary = std::string(KOMPRESS_BINARY_DIR) + "/bin/kompress";
    args.insert(args.begin(), {binary, "serve"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    err_ = (dir_ / "stderr").string();
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, 2);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }

  std::string err() const {
    std::ifstream in(err_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // The port of the "listening on http://127.0.0.1:PORT" line (0 if the process exits first).
  int port() const {
    const std::string marker = "listening on http://127.0.0.1:";
    const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (std::chrono::steady_clock::now() < until) {
      const std::string e = err();
      if (const auto at = e.find(marker); at != std::string::npos) {
        return std::stoi(e.substr(at + marker.size()));
      }
      if (waitpid(pid_, nullptr, WNOHANG) != 0) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return 0;
  }

  // Sends `sig` (none: 0) and returns the exit code (-1 when killed by a signal).
  int wait(int sig = 0) {
    if (sig != 0) kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::filesystem::path dir_;
  std::string err_;
  pid_t pid_ = -1;
};

void wait_ready(httplib::Client& c) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (std::chrono::steady_clock::now() < until) {
    auto r = c.Get("/readyz");
    if (r && r->status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  FAIL() << "never ready";
}

TEST(ServeCommand, ServesUntilSigtermThenExitsZero) {
  for (const int sig : {SIGTERM, SIGINT}) {
    ServeProcess serve({"--port", "0", "--model", tiny_model_dir(), "--ccr-db", "memory"});
    const int port = serve.port();
    ASSERT_GT(port, 0) << serve.err();
    httplib::Client c("127.0.0.1", port);
    wait_ready(c);
    auto r = c.Post("/v1/compress", body({{"texts", {kLog}}, {"ratio", 0.3}}), "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    const std::string key = json::parse(r->body)["results"][0]["cache_key"];
    EXPECT_EQ(c.Get(("/v1/retrieve/" + key).c_str())->status, 200);
    EXPECT_EQ(serve.wait(sig), 0) << serve.err();
    EXPECT_NE(serve.err().find("model tiny ready"), std::string::npos) << serve.err();
    EXPECT_NE(serve.err().find("stopped"), std::string::npos) << serve.err();
  }
}

TEST(ServeCommand, APortInUseIsExitCodeOne) {
  ServeProcess first({"--port", "0", "--model", tiny_model_dir(), "--ccr-db", "memory"});
  const int port = first.port();
  ASSERT_GT(port, 0) << first.err();
  ServeProcess second(
      {"--port", std::to_string(port), "--model", tiny_model_dir(), "--ccr-db", "memory"});
  EXPECT_EQ(second.wait(), 1);
  EXPECT_NE(second.err().find("cannot listen on 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << second.err();
  EXPECT_EQ(first.wait(SIGTERM), 0);
}

TEST(ServeCommand, AStoreThatCannotBeOpenedLeavesCcrOff) {
  ServeProcess serve(
      {"--port", "0", "--model", tiny_model_dir(), "--ccr-db", "redis://127.0.0.1:1"});
  const int port = serve.port();
  ASSERT_GT(port, 0) << serve.err();
  httplib::Client c("127.0.0.1", port);
  wait_ready(c);
  auto r = c.Post("/v1/compress", body({{"texts", {kLog}}, {"ratio", 0.3}}), "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(json::parse(r->body)["results"][0]["ccr_error"].is_string());
  EXPECT_EQ(c.Get(("/v1/retrieve/" + ccr::content_key(kLog)).c_str())->status, 503);
  EXPECT_NE(serve.err().find("serving without CCR"), std::string::npos) << serve.err();
  EXPECT_EQ(serve.wait(SIGTERM), 0);
}

}  // namespace
}  // namespace kompress::testing
