#include "services/runtimed/store/record_store.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/fs/fs.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/runtimed/store/record_convert.h"

namespace berth::runtimed::store {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;

const std::string kIdA(64, 'a');
const std::string kIdB(64, 'b');
const std::string kIdC(64, 'c');

// Fields of berth.v1.Container (and of its ContainerState) that runtimed
// computes when it serves a container and does not persist. None today: a
// public field added to either message must be added to ContainerRecord and
// record_convert.cc, or listed here (by full name, e.g.
// "berth.v1.Container.foo") with the reason.
const std::set<std::string> kNotPersisted = {};

void FillMessage(Message* message, int depth);

// Gives `field` of `message` a value that is not its default (one element
// for a repeated field), so a conversion that drops it shows.
void FillField(Message* message, const FieldDescriptor* field, int depth) {
  const auto* reflection = message->GetReflection();
  if (field->is_repeated()) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      FillMessage(reflection->AddMessage(message, field), depth + 1);
      return;
    }
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        reflection->AddString(message, field, "r-" + field->name());
        return;
      case FieldDescriptor::CPPTYPE_INT32: reflection->AddInt32(message, field, 7); return;
      case FieldDescriptor::CPPTYPE_INT64: reflection->AddInt64(message, field, 7); return;
      case FieldDescriptor::CPPTYPE_UINT32: reflection->AddUInt32(message, field, 7); return;
      case FieldDescriptor::CPPTYPE_UINT64: reflection->AddUInt64(message, field, 7); return;
      case FieldDescriptor::CPPTYPE_DOUBLE: reflection->AddDouble(message, field, 1.5); return;
      case FieldDescriptor::CPPTYPE_FLOAT: reflection->AddFloat(message, field, 1.5); return;
      case FieldDescriptor::CPPTYPE_BOOL: reflection->AddBool(message, field, true); return;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* e = field->enum_type();
        reflection->AddEnum(message, field, e->value(e->value_count() - 1));
        return;
      }
      default: FAIL() << "unhandled repeated field " << field->full_name();
    }
  }
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE:
      FillMessage(reflection->MutableMessage(message, field), depth + 1);
      return;
    case FieldDescriptor::CPPTYPE_STRING:
      reflection->SetString(message, field, "s-" + field->name());
      return;
    case FieldDescriptor::CPPTYPE_INT32: reflection->SetInt32(message, field, 5); return;
    case FieldDescriptor::CPPTYPE_INT64: reflection->SetInt64(message, field, 5); return;
    case FieldDescriptor::CPPTYPE_UINT32: reflection->SetUInt32(message, field, 5); return;
    case FieldDescriptor::CPPTYPE_UINT64: reflection->SetUInt64(message, field, 5); return;
    case FieldDescriptor::CPPTYPE_DOUBLE: reflection->SetDouble(message, field, 2.5); return;
    case FieldDescriptor::CPPTYPE_FLOAT: reflection->SetFloat(message, field, 2.5); return;
    case FieldDescriptor::CPPTYPE_BOOL: reflection->SetBool(message, field, true); return;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = field->enum_type();
      reflection->SetEnum(message, field, e->value(e->value_count() - 1));
      return;
    }
  }
}

// Every field of `message`, recursively (a Timestamp gets a valid time, as
// proto JSON accepts only those).
void FillMessage(Message* message, int depth) {
  ASSERT_LT(depth, 8) << "message nesting too deep (recursive type?) at "
                      << message->GetDescriptor()->full_name();
  if (auto* ts = dynamic_cast<google::protobuf::Timestamp*>(message)) {
    ts->set_seconds(1700000000 + depth);
    ts->set_nanos(123000);
    return;
  }
  const auto* descriptor = message->GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    FillField(message, descriptor->field(i), depth);
  }
}

v1::Container FullContainer(const std::string& id) {
  v1::Container container;
  FillMessage(&container, 0);
  container.set_id(id);
  return container;
}

// The public message as a schema-1 runtimed wrote it.
std::string V1Json(const v1::Container& container) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(container, &json, options).ok());
  return json;
}

::testing::AssertionResult SameContainers(std::vector<v1::Container> got,
                                          std::vector<v1::Container> want) {
  auto by_id = [](const v1::Container& a, const v1::Container& b) { return a.id() < b.id(); };
  std::sort(got.begin(), got.end(), by_id);
  std::sort(want.begin(), want.end(), by_id);
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << got.size() << " records, want " << want.size();
  }
  for (size_t i = 0; i < got.size(); ++i) {
    std::string diff;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    if (!differencer.Compare(want[i], got[i])) {
      return ::testing::AssertionFailure() << "container " << want[i].id() << ": " << diff;
    }
  }
  return ::testing::AssertionSuccess();
}

class RecordStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runtimed-store-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Paths paths() const { return Paths(dir_ + "/state", dir_ + "/run"); }

  // A state dir as a schema-1 runtimed left it.
  void WriteV1Dir(const std::vector<v1::Container>& containers) {
    ASSERT_TRUE(fs::MakeDirs(paths().state_dir(), 0700).ok());
    ASSERT_TRUE(fs::WriteFileAtomically(paths().VersionFile(), "1\n").ok());
    for (const auto& c : containers) WriteRecordText(c.id(), V1Json(c));
  }
  void WriteRecordText(const std::string& id, const std::string& text) {
    ASSERT_TRUE(fs::MakeDirs(paths().ContainerDir(id), 0700).ok());
    ASSERT_TRUE(fs::WriteFileAtomically(paths().RecordFile(id), text, 0600).ok());
  }
  uint32_t RecordVersionOnDisk(const std::string& id) {
    auto text = fs::ReadFile(paths().RecordFile(id));
    EXPECT_TRUE(text.ok()) << text.status();
    auto version = RecordVersionOf(text.ok() ? *text : "");
    EXPECT_TRUE(version.ok()) << version.status();
    return version.ok() ? *version : 999;
  }

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

// Every field of the public message, and of its state, survives the store
// boundary on its own (so a dropped one is named), unless listed in kNotPersisted.
TEST(RecordConvertTest, EveryPublicFieldSurvivesTheRecord) {
  const auto* container = v1::Container::descriptor();
  int checked = 0;
  for (int i = 0; i < container->field_count(); ++i) {
    const FieldDescriptor* field = container->field(i);
    if (kNotPersisted.count(field->full_name())) continue;
    v1::Container in;
    FillField(&in, field, 0);
    EXPECT_TRUE(MessageDifferencer::Equals(FromRecord(ToRecord(in)), in))
        << field->full_name() << " is lost by the record conversion";
    ++checked;
  }
  const auto* state = v1::ContainerState::descriptor();
  for (int i = 0; i < state->field_count(); ++i) {
    const FieldDescriptor* field = state->field(i);
    if (kNotPersisted.count(field->full_name())) continue;
    v1::Container in;
    FillField(in.mutable_state(), field, 0);
    EXPECT_TRUE(MessageDifferencer::Equals(FromRecord(ToRecord(in)), in))
        << field->full_name() << " is lost by the record conversion";
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

TEST(RecordConvertTest, RecordCarriesItsVersionAndDecodeRefusesOthers) {
  v1::Container in = FullContainer(kIdA);
  EXPECT_EQ(ToRecord(in).record_version(), kRecordVersion);
  auto json = EncodeRecord(in);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*RecordVersionOf(*json), kRecordVersion);
  auto decoded = DecodeRecord(*json);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(SameContainers({*decoded}, {in}));

  // The public message's JSON is not a record of this version.
  EXPECT_EQ(*RecordVersionOf(V1Json(in)), 0u);
  EXPECT_EQ(DecodeRecord(V1Json(in)).status().code(), absl::StatusCode::kInvalidArgument);
  runtimed_record::ContainerRecord future = ToRecord(in);
  future.set_record_version(kRecordVersion + 1);
  std::string future_json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(future, &future_json).ok());
  EXPECT_EQ(DecodeRecord(future_json).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(DecodeRecord("{not json").ok());
}

TEST_F(RecordStoreTest, FullContainerSurvivesDisk) {
  auto store = RecordStore::Open(paths());
  ASSERT_TRUE(store.ok()) << store.status();
  v1::Container full = FullContainer(kIdA);
  ASSERT_TRUE((*store)->Save(full).ok());
  EXPECT_EQ(RecordVersionOnDisk(kIdA), kRecordVersion);
  auto loaded = (*store)->LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(SameContainers(*loaded, {full}));
}

TEST_F(RecordStoreTest, StampsAndChecksSchemaVersion) {
  ASSERT_TRUE(RecordStore::Open(paths()).ok());
  EXPECT_EQ(*fs::ReadFile(paths().VersionFile()), "2\n");
  ASSERT_TRUE(RecordStore::Open(paths()).ok());
  ASSERT_TRUE(fs::WriteFileAtomically(paths().VersionFile(), "7\n").ok());
  auto store = RecordStore::Open(paths());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version '7'"), std::string::npos);
}

TEST_F(RecordStoreTest, FutureStampIsRefusedAndItsRecordsLeftAlone) {
  WriteV1Dir({});
  ASSERT_TRUE(fs::WriteFileAtomically(paths().VersionFile(), "3\n").ok());
  std::string text = V1Json(FullContainer(kIdA));
  WriteRecordText(kIdA, text);
  auto store = RecordStore::Open(paths());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version '3'"), std::string::npos);
  EXPECT_EQ(*fs::ReadFile(paths().VersionFile()), "3\n");
  EXPECT_EQ(*fs::ReadFile(paths().RecordFile(kIdA)), text);
}

TEST_F(RecordStoreTest, MigratesAVersionOneDir) {
  v1::Container full = FullContainer(kIdA);
  v1::Container small;
  small.set_id(kIdB);
  small.set_name("db");
  small.mutable_state()->set_status(v1::CONTAINER_STATUS_RUNNING);
  small.mutable_state()->set_pid(42);
  small.set_manually_stopped(true);
  WriteV1Dir({full, small});
  // An empty dir (a crash between mkdir and the first write) is left for
  // LoadAll to remove, as before.
  ASSERT_TRUE(fs::MakeDirs(paths().ContainerDir(kIdC), 0700).ok());

  auto store = RecordStore::Open(paths());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*fs::ReadFile(paths().VersionFile()), "2\n");
  EXPECT_EQ(RecordVersionOnDisk(kIdA), kRecordVersion);
  EXPECT_EQ(RecordVersionOnDisk(kIdB), kRecordVersion);
  auto loaded = (*store)->LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(SameContainers(*loaded, {full, small}));
  EXPECT_FALSE(std::filesystem::exists(paths().ContainerDir(kIdC)));
}

// A record as a schema-1 runtimed wrote it, by hand (not by today's public
// message), with a field the public message no longer has.
TEST_F(RecordStoreTest, MigratesAHandWrittenVersionOneRecord) {
  WriteV1Dir({});
  WriteRecordText(kIdA, R"({
 "id": ")" + kIdA + R"(",
 "name": "web",
 "config": {"image": "busybox", "cmd": ["sh", "-c", "sleep 1d"], "labels": {"k": "v"}},
 "image_id": "sha256:1234",
 "created": "2026-11-30T10:00:00Z",
 "state": {"status": "CONTAINER_STATUS_RUNNING", "pid": 42,
           "started_at": "2026-11-30T10:00:01.500Z"},
 "restart_count": 2,
 "manually_stopped": true,
 "a_field_long_gone": 1
})");
  auto store = RecordStore::Open(paths());
  ASSERT_TRUE(store.ok()) << store.status();
  auto loaded = (*store)->LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 1u);
  const v1::Container& c = (*loaded)[0];
  EXPECT_EQ(c.name(), "web");
  EXPECT_EQ(c.config().image(), "busybox");
  EXPECT_EQ(c.config().cmd_size(), 3);
  EXPECT_EQ(c.config().labels().at("k"), "v");
  EXPECT_EQ(c.image_id(), "sha256:1234");
  EXPECT_EQ(c.created().seconds(), 1796032800);
  EXPECT_EQ(c.state().status(), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(c.state().pid(), 42);
  EXPECT_EQ(c.state().started_at().nanos(), 500000000);
  EXPECT_EQ(c.restart_count(), 2);
  EXPECT_TRUE(c.manually_stopped());
}

// A crash part-way through the migration leaves some records converted and
// the stamp at 1: the next Open converts the rest and loads all of them.
TEST_F(RecordStoreTest, PartlyMigratedDirLoads) {
  v1::Container converted = FullContainer(kIdA);
  v1::Container pending = FullContainer(kIdB);
  pending.set_name("pending");
  WriteV1Dir({pending});
  WriteRecordText(kIdA, *EncodeRecord(converted));

  auto store = RecordStore::Open(paths());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*fs::ReadFile(paths().VersionFile()), "2\n");
  auto loaded = (*store)->LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(SameContainers(*loaded, {converted, pending}));
}

// A record the migration cannot read stops it before the stamp moves, so
// nothing is left behind in the old format under the new stamp.
TEST_F(RecordStoreTest, UnreadableRecordStopsTheMigration) {
  v1::Container a = FullContainer(kIdA);
  WriteV1Dir({a});
  // A directory where the record should be: open succeeds, read fails (EISDIR).
  ASSERT_TRUE(fs::MakeDirs(paths().RecordFile(kIdB), 0700).ok());
  auto store = RecordStore::Open(paths());
  EXPECT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("from schema version 1 to 2"), std::string::npos)
      << store.status();
  EXPECT_EQ(*fs::ReadFile(paths().VersionFile()), "1\n");

  // Once the bad entry is gone, the migration finishes.
  ASSERT_TRUE(fs::RemoveTree(paths().ContainerDir(kIdB)).ok());
  store = RecordStore::Open(paths());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(SameContainers(*(*store)->LoadAll(), {a}));
}

// A malformed version-1 record is left as it is (LoadAll skips it, as a
// schema-1 runtimed did), and the others are migrated.
TEST_F(RecordStoreTest, MalformedVersionOneRecordDoesNotBlockTheOthers) {
  v1::Container a = FullContainer(kIdA);
  WriteV1Dir({a});
  WriteRecordText(kIdB, "{torn");
  auto store = RecordStore::Open(paths());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(SameContainers(*(*store)->LoadAll(), {a}));
  EXPECT_EQ(*fs::ReadFile(paths().RecordFile(kIdB)), "{torn");
}

// runtimed has always stamped its dir; records without a stamp are read as
// version 1 rather than skipped as malformed.
TEST_F(RecordStoreTest, UnstampedDirWithRecordsIsMigrated) {
  v1::Container a = FullContainer(kIdA);
  WriteV1Dir({a});
  ASSERT_TRUE(std::filesystem::remove(paths().VersionFile()));
  auto store = RecordStore::Open(paths());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*fs::ReadFile(paths().VersionFile()), "2\n");
  EXPECT_TRUE(SameContainers(*(*store)->LoadAll(), {a}));
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
