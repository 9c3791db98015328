// Tests for AtomicFile and BlobStore: commit makes the whole file appear at
// once; failures and abandonment leave neither target nor temp behind.
#include "cache/atomic_file.h"

#include <fstream>

#include "cache/blob_store.h"
#include "tests/cache/cache_test_util.h"
#include "tests/fakes/fault_env.h"

namespace kjit::cache::testing {
namespace {

using fakes::FaultEnv;

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

class AtomicFileTest : public TempDirTest {};

TEST_F(AtomicFileTest, CommitMakesTargetAppear) {
  auto target = m_dir / "out.bin";
  auto file = AtomicFile::create(*Env::posix(), target);
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->write(bytes("hello ")));
  ASSERT_TRUE(file->write(bytes("world")));
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(fs::exists(file->temp_path()));
  ASSERT_TRUE(file->commit());
  EXPECT_EQ(*Env::posix()->read_file(target), bytes("hello world"));
  EXPECT_EQ(count_files(m_dir), 1u);
}

// Every spelling of a target commits, including a bare file name, whose
// folder is "." (the directory fsync used to fail on "" after the write).
TEST_F(AtomicFileTest, CommitsBareRelativeDotAndAbsoluteTargets) {
  const fs::path old_cwd = fs::current_path();
  fs::current_path(m_dir);
  fs::create_directories("sub");
  for (const char* target : {"bare.bin", "./dot.bin", "sub/rel.bin", "sub/../up.bin"}) {
    auto file = AtomicFile::create(*Env::posix(), target);
    ASSERT_TRUE(file) << target;
    ASSERT_TRUE(file->write(bytes(target))) << target;
    auto committed = file->commit();
    EXPECT_TRUE(committed) << target << ": " << committed.error().message;
    EXPECT_EQ(*Env::posix()->read_file(m_dir / target), bytes(target)) << target;
  }
  fs::current_path(old_cwd);
  auto file = AtomicFile::create(*Env::posix(), m_dir / "abs.bin");
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->write(bytes("abs")));
  ASSERT_TRUE(file->commit());
  EXPECT_EQ(*Env::posix()->read_file(m_dir / "abs.bin"), bytes("abs"));
}

// A symbolic link is written through: the link stays, its destination gets
// the new bytes (relative and absolute link texts, and a chain of two).
TEST_F(AtomicFileTest, SymlinkTargetIsWrittenThrough) {
  fs::create_directories(m_dir / "real");
  std::ofstream(m_dir / "real" / "out.bin") << "old";
  fs::create_symlink("real/out.bin", m_dir / "rel_link");
  fs::create_symlink(m_dir / "rel_link", m_dir / "abs_link");
  for (const char* link : {"rel_link", "abs_link"}) {
    auto file = AtomicFile::create(*Env::posix(), m_dir / link);
    ASSERT_TRUE(file) << link;
    ASSERT_TRUE(file->write(bytes(link)));
    ASSERT_TRUE(file->commit()) << link;
    EXPECT_TRUE(fs::is_symlink(m_dir / link)) << link;
    EXPECT_EQ(*Env::posix()->read_file(m_dir / "real" / "out.bin"), bytes(link)) << link;
  }
}

TEST_F(AtomicFileTest, UncommittedWriteLeavesNoFile) {
  auto target = m_dir / "out.bin";
  {
    auto file = AtomicFile::create(*Env::posix(), target);
    ASSERT_TRUE(file);
    ASSERT_TRUE(file->write(bytes("partial")));
  }
  EXPECT_EQ(count_files(m_dir), 0u);
}

TEST_F(AtomicFileTest, CommitReplacesExistingTargetWhole) {
  auto target = m_dir / "out.bin";
  ASSERT_TRUE(write_new_file(*Env::posix(), target, bytes("old")));
  auto file = AtomicFile::create(*Env::posix(), target);
  ASSERT_TRUE(file->write(bytes("new contents")));
  ASSERT_TRUE(file->commit());
  EXPECT_EQ(*Env::posix()->read_file(target), bytes("new contents"));
}

// Each injected fault: the commit fails, the target is untouched, no temp remains.
TEST_F(AtomicFileTest, FaultsLeaveNeitherTargetNorTemp) {
  for (auto op : {FaultEnv::Op::write, FaultEnv::Op::sync, FaultEnv::Op::rename}) {
    FaultEnv env;
    env.inject(op, 1);
    auto target = m_dir / "out.bin";
    auto file = AtomicFile::create(env, target);
    ASSERT_TRUE(file);
    auto r = file->write(bytes("data"));
    if (r) r = file->commit();
    ASSERT_FALSE(r) << "op " << static_cast<int>(op);
    EXPECT_EQ(r.error().code, ErrorCode::io_error);
    EXPECT_NE(r.error().message.find("injected fault"), std::string::npos);
    EXPECT_FALSE(fs::exists(target));
    EXPECT_EQ(count_files(m_dir), 0u) << "op " << static_cast<int>(op);
  }
}

TEST_F(AtomicFileTest, TempNamesAreRecognizedAndUnique) {
  auto a = CachePaths::temp_beside(m_dir / "x");
  auto b = CachePaths::temp_beside(m_dir / "x");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.parent_path(), m_dir);
  EXPECT_TRUE(CachePaths::is_temp_name(a.filename().string()));
  EXPECT_FALSE(CachePaths::is_temp_name(key_for(1)));
}

class BlobStoreTest : public TempDirTest {};

TEST_F(BlobStoreTest, PutThenGetVerifies) {
  CachePaths paths(m_dir);
  BlobStore store(*Env::posix(), paths);
  auto data = bytes("some cubin bytes");
  auto ref = store.put(data);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->hash, xxh3_128_hex(data));
  EXPECT_EQ(paths.object(ref->hash).parent_path().filename(), ref->hash.substr(0, 2));
  EXPECT_EQ(*store.get(ref->hash, ref->size), data);
  flip_byte(paths.object(ref->hash), 3);
  auto bad = store.get(ref->hash, ref->size);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::corruption);
  // Putting the same content again repairs the damaged blob.
  ASSERT_TRUE(store.put(data));
  EXPECT_EQ(*store.get(ref->hash, ref->size), data);
  EXPECT_EQ(count_files(paths.quarantine_dir()), 1u);
}

TEST_F(BlobStoreTest, MissingBlobIsNotFound) {
  CachePaths paths(m_dir);
  BlobStore store(*Env::posix(), paths);
  auto r = store.get(key_for(1), 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace kjit::cache::testing
