// What only the Redis backend promises: several replicas on one server, tenants by prefix, Redis
// removing stale entries itself, and clear errors (never a hang) when the server is gone.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ccr/redis_server.h"
#include "ccr/store_backends.h"
#include "kompress/ccr.h"
#include "kompress/error.h"

namespace kompress {
namespace {

using namespace std::chrono_literals;
using testing::entry;
using testing::RedisServer;

// The kompress::Error message of `call`, or a failure when it does not throw one.
std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected kompress::Error";
  return {};
}

class RedisStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = RedisServer::unavailable(); !why.empty()) GTEST_SKIP() << why;
  }

  // A prefix no other test (or test process) uses.
  static std::string prefix() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    return "kompress-test:" + std::to_string(::getpid()) + ":" + test->name() + ":";
  }

  static std::unique_ptr<ccr::Store> open(const std::string& prefix,
                                          const ccr::StoreOptions& options = {}) {
    return ccr::open_redis_store(RedisServer::shared().options(prefix), options);
  }
};

TEST_F(RedisStore, TwoReplicasShareEntriesAndRetrievalCounts) {
  auto a = open(prefix());
  auto b = open(prefix());
  const std::string key = a->put(entry("seen by both replicas", "old"));
  ccr::Lookup hit = b->get(key);
  ASSERT_EQ(hit.status, ccr::Status::kOk);
  EXPECT_EQ(hit.entry.original, "seen by both replicas");
  EXPECT_EQ(hit.entry.retrieval_count, 1);
  EXPECT_EQ(a->get(key).entry.retrieval_count, 2);
  b->put(entry("seen by both replicas", "new"));
  hit = a->get(key);
  EXPECT_EQ(hit.entry.compressed, "new");
  EXPECT_EQ(hit.entry.retrieval_count, 3);
  EXPECT_EQ(a->size(), 1u);
  EXPECT_EQ(b->size(), 1u);
  b->clear();
  EXPECT_EQ(a->peek(key), ccr::Status::kMissing);
  EXPECT_EQ(a->describe(), "redis://127.0.0.1:" + std::to_string(RedisServer::shared().port()) +
                               "/0 prefix=" + prefix());
}

TEST_F(RedisStore, RetrievalCountsAreAtomicAcrossReplicas) {
  const std::string key = open(prefix())->put(entry("counted"));
  constexpr int kReplicas = 4;
  constexpr int kGets = 50;
  std::mutex mutex;
  std::vector<int64_t> counts;
  std::vector<std::thread> threads;
  for (int r = 0; r < kReplicas; ++r) {
    threads.emplace_back([&] {
      auto replica = open(prefix());
      for (int i = 0; i < kGets; ++i) {
        const int64_t n = replica->get(key).entry.retrieval_count;
        std::lock_guard lock(mutex);
        counts.push_back(n);
      }
    });
  }
  for (auto& t : threads) t.join();
  // Every get saw a different count: 1, 2, ..., replicas * gets.
  std::sort(counts.begin(), counts.end());
  ASSERT_EQ(counts.size(), static_cast<std::size_t>(kReplicas * kGets));
  for (std::size_t i = 0; i < counts.size(); ++i) EXPECT_EQ(counts[i], int64_t(i + 1)) << i;
}

TEST_F(RedisStore, ReplicasShareOneCapacity) {
  testing::FakeClock clock;
  ccr::StoreOptions options;
  options.capacity = 2;
  options.ttl_seconds = 200;  // with the default grace, a lifetime of 2000000 ms ("2e+06")
  options.clock = clock.fn();
  auto a = open(prefix(), options);
  auto b = open(prefix(), options);
  const std::string first = a->put(entry("first"));
  clock.advance(1);
  b->put(entry("second"));
  clock.advance(1);
  a->put(entry("third"));
  EXPECT_EQ(b->size(), 2u);
  EXPECT_EQ(b->peek(first), ccr::Status::kMissing);
}

TEST_F(RedisStore, PrefixesAreIndependentTenants) {
  auto one = open(prefix() + "one:");
  auto two = open(prefix() + "two:");
  auto nested = open(prefix() + "one:sub:");  // a prefix that extends another
  const std::string key = one->put(entry("in every tenant"));
  two->put(entry("in every tenant"));
  nested->put(entry("in every tenant"));
  two->put(entry("only in two"));
  one->get(key);
  one->get(key);
  EXPECT_EQ(two->get(key).entry.retrieval_count, 1);
  EXPECT_EQ(one->size(), 1u);
  EXPECT_EQ(two->size(), 2u);
  one->clear();
  EXPECT_EQ(one->size(), 0u);
  EXPECT_EQ(two->peek(key), ccr::Status::kOk);
  EXPECT_EQ(nested->peek(key), ccr::Status::kOk);
  EXPECT_EQ(nested->size(), 1u);
}

TEST_F(RedisStore, DatabasesAreSeparate) {
  ccr::RedisOptions in_db1 = RedisServer::shared().options(prefix());
  in_db1.db = 1;
  auto db1 = ccr::open_redis_store(in_db1);
  const std::string key = db1->put(entry("in db 1"));
  EXPECT_EQ(open(prefix())->peek(key), ccr::Status::kMissing);
  EXPECT_EQ(db1->peek(key), ccr::Status::kOk);
  EXPECT_NE(db1->describe().find("/1 prefix="), std::string::npos) << db1->describe();
}

TEST_F(RedisStore, RedisItselfRemovesEntriesPastTheirTtlAndGrace) {
  // Real clocks: a 1 s TTL, then 0.5 s during which the entry reads expired, then Redis drops it.
  ccr::RedisOptions redis = RedisServer::shared().options(prefix());
  redis.expired_grace_seconds = 0.5;
  ccr::StoreOptions options;
  options.ttl_seconds = 1;
  auto store = ccr::open_redis_store(redis, options);
  const std::string key = store->put(entry("short-lived"));
  std::vector<ccr::Status> seen;
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < give_up) {
    seen.push_back(store->peek(key));
    if (seen.back() == ccr::Status::kMissing) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(seen.back(), ccr::Status::kMissing) << "Redis never removed the entry";
  // Statuses only move forward: ok, then expired, then missing.
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end(), [](ccr::Status a, ccr::Status b) {
    const auto rank = [](ccr::Status s) {
      return s == ccr::Status::kOk ? 0 : s == ccr::Status::kExpired ? 1 : 2;
    };
    return rank(a) < rank(b);
  }));
  EXPECT_EQ(store->get(key).status, ccr::Status::kMissing);
  EXPECT_EQ(store->size(), 0u);  // the indexes forgot it too
  store->put(entry("short-lived"));
  EXPECT_EQ(store->get(key).entry.retrieval_count, 1);  // a new entry, not a revived one
}

TEST_F(RedisStore, AStoppedServerIsAClearErrorAndTheStoreRecovers) {
  auto server = RedisServer::start();
  const int port = server->port();
  ccr::RedisOptions redis = server->options(prefix());
  redis.connect_timeout = 1000ms;
  redis.command_timeout = 1000ms;
  auto store = ccr::open_redis_store(redis);
  const std::string key = store->put(entry("before the crash"));
  server->kill();

  const std::string where = "ccr store redis://127.0.0.1:" + std::to_string(port) + ": ";
  // A large write to the dead socket raises SIGPIPE, which must not kill this process.
  const std::string lost = error_of([&] { store->put(entry(std::string(8 << 20, 'x'))); });
  EXPECT_EQ(lost.rfind(where, 0), 0u) << lost;
  EXPECT_EQ(lost.find('\n'), std::string::npos) << lost;
  const std::string refused = error_of([&] { store->get(key); });
  EXPECT_EQ(refused, where + "cannot connect: Connection refused");
  EXPECT_NE(error_of([&] { store->size(); }).find("Connection refused"), std::string::npos);

  server = RedisServer::start({}, port);  // back on the same port, empty (no persistence)
  EXPECT_EQ(store->peek(key), ccr::Status::kMissing);
  const std::string again = store->put(entry("after the restart"));
  EXPECT_EQ(store->get(again).status, ccr::Status::kOk);
}

TEST_F(RedisStore, AServerThatStopsAnsweringTimesOut) {
  auto server = RedisServer::start();
  ccr::RedisOptions redis = server->options(prefix());
  redis.command_timeout = 300ms;
  auto store = ccr::open_redis_store(redis);
  const std::string key = store->put(entry("frozen"));
  server->pause();
  const std::string message = error_of([&] { store->get(key); });
  EXPECT_NE(message.find("redis://127.0.0.1:" + std::to_string(server->port())), std::string::npos)
      << message;
  EXPECT_NE(message.find("no reply within 300 ms"), std::string::npos) << message;
  server->resume();
  EXPECT_EQ(store->get(key).status, ccr::Status::kOk);
}

TEST(RedisStoreWithoutServer, NothingListeningIsAClearError) {
  const int port = testing::free_loopback_port();
  ccr::RedisOptions redis;
  redis.port = port;
  const std::string message = error_of([&] { ccr::open_redis_store(redis); });
  EXPECT_EQ(message, "ccr store redis://127.0.0.1:" + std::to_string(port) +
                         ": cannot connect: Connection refused");
}

TEST_F(RedisStore, PasswordsAreCheckedAndNeverShown) {
  auto server = RedisServer::start({"--requirepass", "right horse"});
  ccr::RedisOptions redis = server->options(prefix());
  const std::string none = error_of([&] { ccr::open_redis_store(redis); });
  EXPECT_NE(none.find("NOAUTH"), std::string::npos) << none;
  EXPECT_NE(none.find("redis://:PASSWORD@host"), std::string::npos) << none;

  redis.password = "wrong battery";
  const std::string wrong = error_of([&] { ccr::open_redis_store(redis); });
  EXPECT_NE(wrong.find("AUTH failed"), std::string::npos) << wrong;
  EXPECT_EQ(wrong.find("wrong battery"), std::string::npos) << wrong;

  const std::string url = "redis://:right%20horse@127.0.0.1:" + std::to_string(server->port()) +
                          "/0?prefix=" + prefix();
  auto store = ccr::open_store(url);
  const std::string key = store->put(entry("behind a password"));
  EXPECT_EQ(store->get(key).status, ccr::Status::kOk);
  EXPECT_EQ(store->describe().find("right"), std::string::npos) << store->describe();
}

}  // namespace
}  // namespace kompress
