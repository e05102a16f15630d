// Store locations: the Redis URL parser and open_store()'s choice of backend.
#include <gtest/gtest.h>

#include "ccr/store_backends.h"
#include "kompress/ccr.h"
#include "kompress/error.h"

namespace kompress {
namespace {

using testing::TempDir;

TEST(RedisUrl, DefaultsFillWhatIsLeftOut) {
  const ccr::RedisOptions o = ccr::parse_redis_url("redis://cache.internal");
  EXPECT_EQ(o.host, "cache.internal");
  EXPECT_EQ(o.port, 6379);
  EXPECT_EQ(o.db, 0);
  EXPECT_EQ(o.username, "");
  EXPECT_EQ(o.password, "");
  EXPECT_EQ(o.prefix, "kompress:ccr:");
  EXPECT_EQ(ccr::parse_redis_url("redis://h/").db, 0);
}

TEST(RedisUrl, EveryPartIsRead) {
  const ccr::RedisOptions o =
      ccr::parse_redis_url("redis://ops:p%40ss:word@10.0.0.7:6380/3?prefix=tenant%2Fa:");
  EXPECT_EQ(o.host, "10.0.0.7");
  EXPECT_EQ(o.port, 6380);
  EXPECT_EQ(o.db, 3);
  EXPECT_EQ(o.username, "ops");
  EXPECT_EQ(o.password, "p@ss:word");
  EXPECT_EQ(o.prefix, "tenant/a:");
}

TEST(RedisUrl, PasswordWithoutUserAndIpv6Hosts) {
  const ccr::RedisOptions o = ccr::parse_redis_url("redis://:secret@[::1]:7000?prefix=x");
  EXPECT_EQ(o.username, "");
  EXPECT_EQ(o.password, "secret");
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 7000);
  EXPECT_EQ(o.db, 0);
  EXPECT_EQ(o.prefix, "x");
  EXPECT_EQ(ccr::parse_redis_url("redis://[fe80::2]").host, "fe80::2");
}

TEST(RedisUrl, MalformedUrlsAreClearErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"redis:/host", "must start with redis://"},
      {"rediss://host", "TLS"},
      {"redis://", "no host"},
      {"redis://:6379", "no host"},
      {"redis://host:", "port \"\" is not in 1-65535"},
      {"redis://host:0", "port \"0\""},
      {"redis://host:65536", "port \"65536\""},
      {"redis://host:12ab", "port \"12ab\""},
      {"redis://::1:6379", "IPv6 address in brackets"},
      {"redis://[::1", "closing ]"},
      {"redis://[::1]x", "after the IPv6 address"},
      {"redis://host/x", "db \"x\" is not a number"},
      {"redis://host/-1", "db \"-1\""},
      {"redis://host/0/1", "db \"0/1\""},
      {"redis://host?db=1", "unknown parameter \"db=1\""},
      {"redis://host?prefix", "unknown parameter \"prefix\""},
      {"redis://host?prefix=", "prefix is empty"},
      {"redis://host?prefix=a%2", "% is not followed by two hex digits"},
      {"redis://user@host", "after a colon"},
      {"redis://user:@host", "password is empty"},
      {"redis://host#top", "fragment"},
  };
  for (const auto& [url, why] : cases) {
    try {
      ccr::parse_redis_url(url);
      ADD_FAILURE() << url << " parsed";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << url << ": " << e.what();
    }
  }
}

TEST(RedisUrl, ErrorsNeverShowThePassword) {
  try {
    ccr::parse_redis_url("redis://admin:hunter2@host:99999");
    FAIL() << "parsed";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
    EXPECT_EQ(what.find("admin"), std::string::npos) << what;
    EXPECT_NE(what.find("redis://***@host:99999"), std::string::npos) << what;
  }
}

TEST(OpenStore, MemoryAndSqliteLocations) {
  EXPECT_EQ(ccr::open_store("memory")->describe(), "memory");
  TempDir dir;
  const std::string path = (dir.path() / "plain.sqlite3").string();
  auto plain = ccr::open_store(path);
  EXPECT_EQ(plain->describe(), "sqlite:" + path);
  ccr::Entry e;
  e.original = "kept";
  const std::string key = plain->put(e);
  // "sqlite:PATH" is the same file: describe() reads back as a location.
  EXPECT_EQ(ccr::open_store(plain->describe())->peek(key), ccr::Status::kOk);
}

TEST(OpenStore, StoreOptionsReachTheBackend) {
  ccr::StoreOptions options;
  options.capacity = 0;
  EXPECT_THROW(ccr::open_store("memory", options), Error);
}

TEST(OpenStore, BadLocationsAreClearErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty location"},
      {"sqlite:", "without a path"},
      {"memcached://host", "unknown location \"memcached://...\""},
      {"redis:host", "must start with redis://"},
  };
  for (const auto& [location, why] : cases) {
    try {
      ccr::open_store(location);
      ADD_FAILURE() << location << " opened";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << location << ": " << e.what();
    }
  }
}

TEST(OpenStore, RedisUrlsReachRedis) {
  // Nothing listens there: the error proves the URL went to the Redis backend, parsed.
  const int port = testing::free_loopback_port();
  try {
    ccr::open_store("redis://127.0.0.1:" + std::to_string(port) + "/2?prefix=t:");
    FAIL() << "opened";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "ccr store redis://127.0.0.1:" + std::to_string(port) +
                                         ": cannot connect: Connection refused");
  }
}

}  // namespace
}  // namespace kompress
