// The remote cache setting (remote_spec.h): accepted forms, defaults,
// attributes, password hiding, and hostile input refused with a specific
// message (table-driven).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "cache/remote/remote_spec.h"

namespace kjit::cache::remote {
namespace {

using namespace std::chrono_literals;

// Every field of a server spec in one line (a failed comparison shows them all).
std::string fields(const RemoteServerSpec& r) {
  std::ostringstream o;
  o << (r.transport == RemoteServerSpec::Transport::tcp ? "tcp" : "unix") << " host=" << r.host << " port=" << r.port
    << " socket=" << r.socket_path << " db=" << r.db << " user=" << r.user << " password=" << r.password
    << " read_only=" << r.read_only << " connect_timeout=" << r.connect_timeout.count()
    << "ms op_timeout=" << r.op_timeout.count() << "ms ttl=" << r.ttl.count() << "s lock_ttl=" << r.lock_ttl.count()
    << "ms lock_wait=" << r.lock_wait.count() << "ms";
  return o.str();
}

TEST(RemoteSpecTest, DefaultsForOneTcpUrl) {
  auto s = parse_remote_spec("redis://cache.example.com");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 1u);
  // The documented defaults (ttl 30 days).
  EXPECT_EQ(fields((*s)[0]),
            "tcp host=cache.example.com port=6379 socket= db=0 user= password= read_only=0 connect_timeout=100ms "
            "op_timeout=2000ms ttl=2592000s lock_ttl=10000ms lock_wait=60000ms");
}

TEST(RemoteSpecTest, EveryFormAndAttribute) {
  auto s = parse_remote_spec(
      "  redis://user:p%40ss@10.0.0.1:6380/3|read-only|connect-timeout=250ms|op-timeout=5s|ttl=7d "
      "redis+unix:///run/redis/redis.sock?db=2|lock-ttl=2s|lock-wait=0\tredis://[::1]:7000 redis+unix:/tmp/r.sock "
      "redis://:secret@h2 redis+unix://:pw@/var/run/x.sock");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 6u);
  EXPECT_EQ(fields((*s)[0]),
            "tcp host=10.0.0.1 port=6380 socket= db=3 user=user password=p@ss read_only=1 connect_timeout=250ms "
            "op_timeout=5000ms ttl=604800s lock_ttl=10000ms lock_wait=60000ms");  // ttl 7 days
  EXPECT_EQ((*s)[0].display(), "redis://user:***@10.0.0.1:6380/3");
  EXPECT_EQ(fields((*s)[1]),
            "unix host= port=6379 socket=/run/redis/redis.sock db=2 user= password= read_only=0 connect_timeout=100ms "
            "op_timeout=2000ms ttl=2592000s lock_ttl=2000ms lock_wait=0ms");
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
