#include "services/runtimed/store/record_store.h"

#include <filesystem>

#include "common/fs/fs.h"
#include "gtest/gtest.h"

namespace berth::runtimed::store {
namespace {

class RecordStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runtimed-store-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Paths paths() const { return Paths(dir_ + "/state", dir_ + "/run"); }
  std::string dir_;
};

TEST_F(RecordStoreTest, RoundTrip) {
  auto store = RecordStore::Open(paths());
  ASSERT_TRUE(store.ok()) << store.status();
  v1::Container record;
  record.set_id(std::string(64, 'c'));
  record.set_name("web");
  record.mutable_config()->add_cmd("echo");
  record.mutable_config()->set_tty(true);
  (*record.mutable_config()->mutable_labels())["k"] = "v";
  record.mutable_state()->set_status(v1::CONTAINER_STATUS_EXITED);
  record.mutable_state()->set_exit_code(3);
  auto* mount = record.add_rootfs();
  mount->set_type("overlay");
  mount->add_options("lowerdir=/l");
  ASSERT_TRUE((*store)->Save(record).ok());

  auto loaded = (*store)->LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].SerializeAsString(), record.SerializeAsString());

  ASSERT_TRUE((*store)->Delete(record.id()).ok());
  EXPECT_TRUE((*store)->LoadAll()->empty());
  EXPECT_FALSE(std::filesystem::exists(paths().ContainerDir(record.id())));
}

TEST_F(RecordStoreTest, StampsAndChecksSchemaVersion) {
  ASSERT_TRUE(RecordStore::Open(paths()).ok());
  EXPECT_EQ(*fs::ReadFile(paths().VersionFile()), "1\n");
  ASSERT_TRUE(fs::WriteFileAtomically(paths().VersionFile(), "7\n").ok());
  auto store = RecordStore::Open(paths());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version '7'"), std::string::npos);
}

TEST_F(RecordStoreTest, DirWithoutRecordIsDropped) {
  auto store = RecordStore::Open(paths());
  ASSERT_TRUE(store.ok());
  std::string stray = paths().ContainerDir(std::string(64, 'd'));
  ASSERT_TRUE(fs::MakeDirs(stray).ok());
  EXPECT_TRUE((*store)->LoadAll()->empty());
  EXPECT_FALSE(std::filesystem::exists(stray));
}

}  // namespace
}  // namespace berth::runtimed::store
