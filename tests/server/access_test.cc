// The bearer token check and the loopback test of the retrieval routes.
#include "server/access.h"

#include <gtest/gtest.h>

namespace kompress::server {
namespace {

TEST(Access, BearerTokenMustMatchExactly) {
  EXPECT_TRUE(bearer_matches("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_matches("BEARER s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer s3cret2", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer S3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));  // no token configured never matches
}

TEST(Access, LoopbackNeedsALoopbackPeerAndHost) {
  EXPECT_TRUE(is_loopback_request("127.0.0.1", "127.0.0.1:8080"));
  EXPECT_TRUE(is_loopback_request("127.3.2.1", "localhost"));
  EXPECT_TRUE(is_loopback_request("::1", "[::1]:8080"));
  EXPECT_TRUE(is_loopback_request("::ffff:127.0.0.1", "LOCALHOST:80"));
  EXPECT_FALSE(is_loopback_request("10.0.0.5", "127.0.0.1:8080"));
  EXPECT_FALSE(is_loopback_request("::ffff:10.0.0.5", "localhost"));
  EXPECT_FALSE(is_loopback_request("192.168.1.2", "localhost"));
  // DNS rebinding: the peer is loopback, the page's own host is not.
  EXPECT_FALSE(is_loopback_request("127.0.0.1", "attacker.example"));
  EXPECT_FALSE(is_loopback_request("127.0.0.1", "localhost.attacker.example:8080"));
  EXPECT_FALSE(is_loopback_request("127.0.0.1", ""));
  EXPECT_FALSE(is_loopback_request("", "localhost"));
}

}  // namespace
}  // namespace kompress::server
