// The remote cache setting (remote_spec.h): accepted forms, defaults,
// attributes, password hiding, and hostile input refused with a specific
// message (table-driven).
#include <gtest/gtest.h>

#include "cache/remote/remote_spec.h"

namespace kjit::cache::remote {
namespace {

using namespace std::chrono_literals;

TEST(RemoteSpecTest, DefaultsForOneTcpUrl) {
  auto s = parse_remote_spec("redis://cache.example.com");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 1u);
  const auto& r = (*s)[0];
  EXPECT_EQ(r.transport, RemoteServerSpec::Transport::tcp);
  EXPECT_EQ(r.host, "cache.example.com");
  EXPECT_EQ(r.port, 6379);
  EXPECT_EQ(r.db, 0);
  EXPECT_FALSE(r.read_only);
  EXPECT_EQ(r.connect_timeout, 100ms);
  EXPECT_EQ(r.op_timeout, 2s);
  EXPECT_EQ(r.ttl, std::chrono::seconds(30 * 24 * 3600));
  EXPECT_EQ(r.lock_ttl, 10s);
  EXPECT_EQ(r.lock_wait, 60s);
}

TEST(RemoteSpecTest, EveryFormAndAttribute) {
  auto s = parse_remote_spec(
      "  redis://user:p%40ss@10.0.0.1:6380/3|read-only|connect-timeout=250ms|op-timeout=5s|ttl=7d "
      "redis+unix:///run/redis/redis.sock?db=2|lock-ttl=2s|lock-wait=0\tredis://[::1]:7000 redis+unix:/tmp/r.sock "
      "redis://:secret@h2 redis+unix://:pw@/var/run/x.sock");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 6u);
  const auto& a = (*s)[0];
  EXPECT_EQ(a.user, "user");
  EXPECT_EQ(a.password, "p@ss");
  EXPECT_EQ(a.host, "10.0.0.1");
  EXPECT_EQ(a.port, 6380);
  EXPECT_EQ(a.db, 3);
  EXPECT_TRUE(a.read_only);
  EXPECT_EQ(a.connect_timeout, 250ms);
  EXPECT_EQ(a.op_timeout, 5s);
  EXPECT_EQ(a.ttl, std::chrono::seconds(7 * 24 * 3600));
  EXPECT_EQ(a.display(), "redis://user:***@10.0.0.1:6380/3");
  const auto& b = (*s)[1];
  EXPECT_EQ(b.transport, RemoteServerSpec::Transport::unix_socket);
  EXPECT_EQ(b.socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(b.db, 2);
  EXPECT_EQ(b.lock_ttl, 2s);
  EXPECT_EQ(b.lock_wait, 0ms);
  EXPECT_EQ((*s)[2].host, "::1");
  EXPECT_EQ((*s)[2].display(), "redis://[::1]:7000");
  EXPECT_EQ((*s)[3].socket_path, "/tmp/r.sock");
  EXPECT_EQ((*s)[4].password, "secret");
  EXPECT_EQ((*s)[4].user, "");
  EXPECT_EQ((*s)[4].display(), "redis://:***@h2:6379");
  EXPECT_EQ((*s)[5].password, "pw");
  const std::string shown = describe_remote_spec(*s);
  EXPECT_EQ(shown.find("p@ss"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("secret"), std::string::npos) << shown;
  EXPECT_NE(shown.find("redis://user:***@10.0.0.1:6380/3|read-only|connect-timeout=250ms|op-timeout=5s|ttl=7d"),
            std::string::npos)
      << shown;
}

TEST(RemoteSpecTest, EmptyIsNoRemote) {
  auto s = parse_remote_spec("   ");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->empty());
}

struct BadCase {
  std::string text;
  std::string message;  // a substring of the error
};

TEST(RemoteSpecTest, HostileInputIsRefusedSpecifically) {
  const std::vector<BadCase> cases = {
      {"http://host", "unsupported scheme 'http'"},
      {"rediss://host", "unsupported scheme 'rediss'"},
      {"host:6379", "unsupported scheme 'host'"},
      {"nonsense", "not a URL"},
      {"redis://", "no host"},
      {"redis://:6379", "no host"},
      {"redis://host:", "empty port"},
      {"redis://host:0", "port '0' is not a number from 1 to 65535"},
      {"redis://host:65536", "port '65536'"},
      {"redis://host:99999999999999", "port '99999999999999'"},
      {"redis://host:-1", "port '-1'"},
      {"redis://host:12ab", "port '12ab'"},
      {"redis://ho$t", "'ho$t' is not a host name"},
      {"redis://-host", "is not a host name"},
      {"redis://[::1", "unclosed '['"},
      {"redis://[zz]:1", "'zz' is not an IPv6 address"},
      {"redis://[::1]x", "expected ':port'"},
      {"redis://host/abc", "db 'abc'"},
      {"redis://host/70000", "db '70000'"},
      {"redis://host/1?x=y", "query strings"},
      {"redis://user@host:1", "password"},  // "user@" is the password alone: fine; see below
      {"redis://us%zzer:pw@host", "percent-encoding"},
      {"redis://user:@host", "a user name needs a password"},
      {"redis+unix://relative/path", "a unix socket URL has no host"},
      {"redis+unix:relative", "must be absolute"},
      {"redis+unix:///" + std::string(200, 'a'), "holds at most 107"},
      {"redis+unix:///tmp/s?db=x", "db 'x'"},
      {"redis+unix:///tmp/s?foo=1", "unknown query 'foo=1'"},
      {"redis://host|bogus", "unknown attribute 'bogus'"},
      {"redis://host||read-only", "empty attribute"},
      {"redis://host|", "empty attribute"},
      {"redis://host|ttl", "'ttl' needs a value"},
      {"redis://host|ttl=", "'ttl' needs a value"},
      {"redis://host|ttl=10", "is not a duration"},
      {"redis://host|ttl=1.5d", "is not a duration"},
      {"redis://host|ttl=-1s", "is not a duration"},
      {"redis://host|ttl=500ms", "out of range"},
      {"redis://host|ttl=1500ms", "whole seconds"},
      {"redis://host|ttl=99999999999999d", "is not a duration"},
      {"redis://host|op-timeout=0", "out of range"},
      {"redis://host|op-timeout=11m", "out of range"},
      {"redis://host|connect-timeout=2m", "out of range"},
      {"redis://host|lock-ttl=50ms", "out of range"},
      {"redis://host|lock-wait=2h", "out of range"},
      {"redis://host|read-only=maybe", "read-only=maybe"},
      {"redis://host|ttl=1d|ttl=2d", "given twice"},
      {"redis://host redis://host:6379", "listed twice"},
      {"redis://ho\x01st", "control or non-ASCII"},
      {"redis://h\xc3\xa9st", "control or non-ASCII"},
      {std::string(9000, 'x'), "at most 8192"},
  };
  for (const auto& c : cases) {
    if (c.text == "redis://user@host:1") continue;  // listed for the record: valid (password only)
    auto s = parse_remote_spec(c.text);
    ASSERT_FALSE(s) << c.text;
    EXPECT_EQ(s.error().code, ErrorCode::invalid_argument) << c.text;
    EXPECT_NE(s.error().message.find(c.message), std::string::npos) << c.text << " -> " << s.error().message;
    for (unsigned char ch : s.error().message) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << s.error().message;
  }
  EXPECT_TRUE(parse_remote_spec("redis://user@host:1"));
}

TEST(RemoteSpecTest, TooManyUrls) {
  std::string text;
  for (int i = 0; i < 70; ++i) text += "redis://h" + std::to_string(i) + " ";
  auto s = parse_remote_spec(text);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("more than 64"), std::string::npos);
}

TEST(RemoteSpecTest, PasswordNeverInErrors) {
  auto s = parse_remote_spec("redis://user:hunter2@host|bogus");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message.find("hunter2"), std::string::npos) << s.error().message;
}

TEST(RemoteSpecTest, ShardIdIgnoresCredentialsAndAttributes) {
  auto a = parse_remote_spec("redis://u:p@h:1/2|ttl=1d");
  auto b = parse_remote_spec("redis://h:1/2|read-only");
  ASSERT_TRUE(a && b);
  EXPECT_EQ((*a)[0].shard_id(), (*b)[0].shard_id());
}

}  // namespace
}  // namespace kjit::cache::remote
