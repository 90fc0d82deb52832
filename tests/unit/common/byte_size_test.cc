#include "common/format/byte_size.h"

#include "gtest/gtest.h"

namespace berth::format {
namespace {

TEST(ByteSizeTest, AcceptsWhatGoUnitsRamInBytesAccepts) {
  EXPECT_EQ(*ParseRamInBytes("100"), 100);
  EXPECT_EQ(*ParseRamInBytes("100b"), 100);
  EXPECT_EQ(*ParseRamInBytes("512k"), 512 << 10);
  EXPECT_EQ(*ParseRamInBytes("32m"), 32 << 20);
  EXPECT_EQ(*ParseRamInBytes("32MB"), 32 << 20);
  EXPECT_EQ(*ParseRamInBytes("32MiB"), 32 << 20);
  EXPECT_EQ(*ParseRamInBytes("32 mb"), 32 << 20);
  EXPECT_EQ(*ParseRamInBytes("1.5k"), 1536);
  EXPECT_EQ(*ParseRamInBytes("2GiB"), int64_t{2} << 30);
  EXPECT_EQ(*ParseRamInBytes("1t"), int64_t{1} << 40);
  EXPECT_EQ(*ParseRamInBytes("1p"), int64_t{1} << 50);
}

TEST(ByteSizeTest, RefusesEverythingElseWithDockersText) {
  for (const char* bad : {"", "m", "-1", "32x", "1kk", "1.5.k", " 1m", "1m ", "1  m", "ki", "1e3"}) {
    auto parsed = ParseRamInBytes(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().message(), std::string("invalid size: '") + bad + "'");
  }
  EXPECT_FALSE(ParseRamInBytes("99999999p").ok());
}

}  // namespace
}  // namespace berth::format
