#include "services/runtimed/events.h"

#include <thread>

#include "gtest/gtest.h"

namespace berth::runtimed {
namespace {

EventRecord Event(const std::string& action) {
  EventRecord e;
  e.action = action;
  e.id = "a";
  return e;
}

TEST(EventLogTest, ReplaysSinceThenStreamsNew) {
  EventLog log(8);
  log.Emit(Event("create"));
  std::vector<std::string> seen;
  std::thread emitter([&log] { log.Emit(Event("start")); });
  log.Stream(
      1, [&](const EventRecord& e) {
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
  std::vector<std::string> seen;
  log.Stream(
      1, [&](const EventRecord& e) {
        seen.push_back(e.action);
        return true;
      },
      [&] { return true; });
  EXPECT_EQ(seen, (std::vector<std::string>{"start", "die"}));
}

}  // namespace
}  // namespace berth::runtimed
