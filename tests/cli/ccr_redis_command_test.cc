// `--ccr-db redis://...`: compress, retrieve, ccr stats and ccr purge against a real
// redis-server, and compression without CCR when Redis is unreachable (no server needed).
#include <gtest/gtest.h>
#include <unistd.h>

#include "ccr/redis_server.h"
#include "cli/cli_test_env.h"
#include "kompress/ccr.h"

namespace kompress {
namespace {

using testing::kTraceback;
using testing::RedisServer;

class CcrRedisCommand : public testing::CliTest {
 protected:
  // A tenant prefix of this test alone.
  static std::string prefix(const std::string& tenant) {
    return "kompress-cli-test:" + std::to_string(::getpid()) + ":" + tenant + ":";
  }
};

TEST_F(CcrRedisCommand, CompressRetrieveStatsAndPurgeThroughRedis) {
  if (const std::string why = RedisServer::unavailable(); !why.empty()) GTEST_SKIP() << why;
  const RedisServer& server = RedisServer::shared();
  const std::string url = server.url(prefix("main"));
  const std::string file = write_file("traceback.txt", kTraceback);
  const auto r = run_with_model("compress", {"--ratio", "0.3", "--ccr-db", url, file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string hash = testing::marker_hash(r.out);
  ASSERT_EQ(hash, ccr::content_key(kTraceback)) << r.out;

  const auto back = testing::run_kompress({"retrieve", hash, "--ccr-db", url});
  EXPECT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(back.out, kTraceback);
  // Another process (here the library) on the same server and prefix sees the same entry.
  EXPECT_EQ(ccr::open_store(url)->get(hash).entry.retrieval_count, 2);

  const std::string where = "redis://127.0.0.1:" + std::to_string(server.port()) + "/0 prefix=";
  const auto other = testing::run_kompress({"retrieve", hash, "--ccr-db", server.url(prefix("b"))});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("is not in " + where + prefix("b")), std::string::npos) << other.err;

  const auto stats = testing::run_kompress({"ccr", "stats", "--ccr-db", url});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_EQ(stats.out, "store    " + where + prefix("main") + "\nentries  1\n");

  const auto purge = testing::run_kompress({"ccr", "--ccr-db", url, "purge"});
  EXPECT_EQ(purge.exit_code, 0) << purge.err;
  EXPECT_NE(purge.out.find("removed 1 entries"), std::string::npos) << purge.out;
  EXPECT_EQ(testing::run_kompress({"retrieve", hash, "--ccr-db", url}).exit_code, 1);
}

TEST_F(CcrRedisCommand, AnUnreachableRedisCompressesWithoutCcr) {
  const std::string where = "redis://127.0.0.1:" + std::to_string(testing::free_loopback_port());
  const std::string file = write_file("traceback.txt", kTraceback);
  const auto r = run_with_model("compress", {"--ratio", "0.3", "--ccr-db", where + "/0", file});
  testing::expect_compressed_without_ccr(r, where + ": cannot connect: Connection refused");

  const auto retrieve =
      testing::run_kompress({"retrieve", ccr::content_key(kTraceback), "--ccr-db", where});
  EXPECT_EQ(retrieve.exit_code, 1);
  EXPECT_NE(retrieve.err.find(where + ": cannot connect"), std::string::npos) << retrieve.err;
}

TEST_F(CcrRedisCommand, AMalformedLocationIsNamedWithoutItsPassword) {
  const auto r =
      testing::run_kompress({"ccr", "stats", "--ccr-db", "redis://:hunter2@127.0.0.1:99999/0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad Redis URL \"redis://***@127.0.0.1:99999/0\": port"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace kompress
