#include "common/events/event_log.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/time/clock.h"
#include "common/fs/fs.h"
#include "gtest/gtest.h"

namespace berth::events {
namespace {

EventRecord Event(const std::string& action) {
  EventRecord e;
  e.action = action;
  e.id = "a";
  return e;
}

// Everything kept since the start of time, without following.
std::vector<std::string> Kept(EventLog& log) {
  std::vector<std::string> seen;
  log.Stream(
      1, 0,
      [&](const EventRecord& e) {
        seen.push_back(e.action);
        return true;
      },
      [] { return true; });
  return seen;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/event-log-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(EventLogTest, ReplaysSinceThenStreamsNew) {
  EventLog log(8);
  log.Emit(Event("create"));
  std::vector<std::string> seen;
  std::thread emitter([&log] { log.Emit(Event("start")); });
  log.Stream(
      1, 0,
      [&](const EventRecord& e) {
        seen.push_back(e.action);
        return seen.size() < 2;
      },
      [] { return false; });
  emitter.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"create", "start"}));
}

TEST(EventLogTest, RingIsBounded) {
  EventLog log(2);
  for (const char* action : {"create", "start", "die"}) log.Emit(Event(action));
  EXPECT_EQ(Kept(log), (std::vector<std::string>{"start", "die"}));
}

TEST(EventLogTest, UntilInThePastEndsAfterTheBacklog) {
  EventLog log(8);
  log.Emit(Event("create"));
  const int64_t cut = absl::GetCurrentTimeNanos();
  absl::SleepFor(absl::Milliseconds(2));
  log.Emit(Event("start"));
  std::vector<std::string> seen;
  // `cancelled` never fires: only `until` can end this stream.
  log.Stream(
      1, cut,
      [&](const EventRecord& e) {
        seen.push_back(e.action);
        return true;
      },
      [] { return false; });
  EXPECT_EQ(seen, (std::vector<std::string>{"create"}));
}

TEST(EventLogTest, SinceZeroSendsOnlyNewEvents) {
  EventLog log(8);
  log.Emit(Event("create"));
  std::vector<std::string> seen;
  std::thread emitter([&log] {
    absl::SleepFor(absl::Milliseconds(20));
    log.Emit(Event("start"));
  });
  log.Stream(
      0, 0,
      [&](const EventRecord& e) {
        seen.push_back(e.action);
        return false;
      },
      [] { return false; });
  emitter.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"start"}));
}

TEST(EventLogTest, PersistedEventsSurviveAReopenInOrderWithTheirSequence) {
  TempDir dir;
  const std::string path = dir.path() + "/events.jsonl";
  {
    EventLog log(8);
    ASSERT_TRUE(log.Persist(path).ok());
    EventRecord die = Event("die");
    die.attributes["exitCode"] = "3";
    log.Emit(Event("create"));
    log.Emit(die);
  }
  EventLog reopened(8);
  ASSERT_TRUE(reopened.Persist(path).ok());
  reopened.Emit(Event("destroy"));
  std::vector<EventRecord> all;
  reopened.Stream(
      1, 0,
      [&](const EventRecord& e) {
        all.push_back(e);
        return true;
      },
      [] { return true; });
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].action, "create");
  EXPECT_EQ(all[1].attributes.at("exitCode"), "3");
  EXPECT_EQ(all[2].action, "destroy");
  EXPECT_LT(all[0].sequence, all[1].sequence);
  EXPECT_LT(all[1].sequence, all[2].sequence);
  EXPECT_LE(all[0].time_unix_nano, all[2].time_unix_nano);
}

TEST(EventLogTest, TornLastLineIsDroppedAndTheRestKept) {
  TempDir dir;
  const std::string path = dir.path() + "/events.jsonl";
  {
    EventLog log(8);
    ASSERT_TRUE(log.Persist(path).ok());
    log.Emit(Event("create"));
  }
  std::ofstream(path, std::ios::app) << R"({"seq":2,"time":5,"type":"conta)";
  EventLog reopened(8);
  ASSERT_TRUE(reopened.Persist(path).ok());
  reopened.Emit(Event("start"));
  EXPECT_EQ(Kept(reopened), (std::vector<std::string>{"create", "start"}));
  EventLog again(8);
  ASSERT_TRUE(again.Persist(path).ok());
  EXPECT_EQ(Kept(again), (std::vector<std::string>{"create", "start"}));
}

TEST(EventLogTest, JournalIsCompactedToTheRing) {
  TempDir dir;
  const std::string path = dir.path() + "/events.jsonl";
  EventLog log(3);
  ASSERT_TRUE(log.Persist(path).ok());
  for (int i = 0; i < 20; ++i) log.Emit(Event("e" + std::to_string(i)));
  absl::StatusOr<std::string> content = fs::ReadFile(path);
  ASSERT_TRUE(content.ok());
  EXPECT_LE(std::count(content->begin(), content->end(), '\n'), 6);
  EventLog reopened(3);
  ASSERT_TRUE(reopened.Persist(path).ok());
  EXPECT_EQ(Kept(reopened), (std::vector<std::string>{"e17", "e18", "e19"}));
}

TEST(EventLogTest, DecodeRefusesIncompleteRecords) {
  EXPECT_FALSE(DecodeEventLine("{}").ok());
  EXPECT_FALSE(DecodeEventLine("not json").ok());
  EventRecord e = Event("tag");
  e.type = "image";
  e.attributes["name"] = "busybox:\"odd\"";
  absl::StatusOr<EventRecord> back = DecodeEventLine(EncodeEventLine(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->type, "image");
  EXPECT_EQ(back->attributes.at("name"), "busybox:\"odd\"");
}

}  // namespace
}  // namespace berth::events
