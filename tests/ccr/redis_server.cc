#include "ccr/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace kompress::testing {
namespace {

// redis-server on PATH, else /usr/bin/redis-server (Debian's), else empty.
std::string find_binary() {
  std::vector<std::filesystem::path> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');) dirs.emplace_back(dir);
  }
  dirs.emplace_back("/usr/bin");
  for (const auto& dir : dirs) {
    const auto candidate = dir / "redis-server";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

// True when something on 127.0.0.1:port answers PING (any reply, NOAUTH included).
bool answers(int port) {
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, timeval{0, 200'000});
  bool up = false;
  if (c != nullptr && c->err == 0) {
    void* reply = redisCommand(c, "PING");
    up = reply != nullptr;
    freeReplyObject(reply);
  }
  if (c != nullptr) redisFree(c);
  return up;
}

std::string tail_of(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot bind a loopback port");
  return ntohs(addr.sin_port);
}

std::string RedisServer::unavailable() {
  return find_binary().empty() ? "redis-server not found; install redis-server" : "";
}

std::unique_ptr<RedisServer> RedisServer::start(const std::vector<std::string>& extra_args,
                                                int port) {
  const std::string binary = find_binary();
  if (binary.empty()) throw std::runtime_error(unavailable());
  static std::atomic<int> counter{0};
  std::unique_ptr<RedisServer> server(new RedisServer());
  server->dir_ = std::filesystem::temp_directory_path() /
                 ("kompress-redis-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(server->dir_);
  // A free port can be taken between our probe and the server's bind: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (server->launch(binary, extra_args, port != 0 ? port : free_loopback_port())) return server;
  }
  throw std::runtime_error("redis-server did not start; its log:\n" +
                           tail_of(server->dir_ / "redis.log"));
}

bool RedisServer::launch(const std::string& binary, const std::vector<std::string>& extra_args,
                         int port) {
  std::vector<std::string> args = {
      binary,   "--port", std::to_string(port), "--bind",    "127.0.0.1",
      "--save", "",       "--appendonly",       "no",        "--daemonize",
      "no",     "--dir",  dir_.string(),        "--logfile", (dir_ / "redis.log").string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork() failed");
  if (pid == 0) {
    // Die with the test process, even when it crashes before the destructor runs.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  port_ = port;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < give_up) {
    if (answers(port)) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill();
  throw std::runtime_error("redis-server on port " + std::to_string(port) +
                           " did not answer within 10 s; its log:\n" + tail_of(dir_ / "redis.log"));
}

RedisServer& RedisServer::shared() {
  static const std::unique_ptr<RedisServer> server = start();
  return *server;
}

RedisServer::~RedisServer() {
  kill();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

ccr::RedisOptions RedisServer::options(const std::string& prefix) const {
  ccr::RedisOptions o;
  o.host = "127.0.0.1";
  o.port = port_;
  o.prefix = prefix;
  return o;
}

std::string RedisServer::url(const std::string& prefix) const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "/0?prefix=" + prefix;
}

void RedisServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::pause() { ::kill(pid_, SIGSTOP); }

void RedisServer::resume() { ::kill(pid_, SIGCONT); }

}  // namespace kompress::testing
