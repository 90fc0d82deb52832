#include "services/apid/builder/dockerfile/dockerignore.h"

#include "gtest/gtest.h"

namespace berth::apid::builder::dockerfile {
namespace {

DockerIgnore Must(const std::string& content) {
  auto d = DockerIgnore::Parse(content);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *d : DockerIgnore();
}

TEST(CleanPathTest, LikeGoFilepathClean) {
  EXPECT_EQ(CleanPath(""), ".");
  EXPECT_EQ(CleanPath("a/./b/"), "a/b");
  EXPECT_EQ(CleanPath("/a/../b"), "/b");
  EXPECT_EQ(CleanPath("../a"), "../a");
  EXPECT_EQ(CleanPath("a//b/../../c"), "c");
}

TEST(DockerIgnoreTest, CommentsBlanksAndWhitespaceAreSkipped) {
  DockerIgnore d = Must("# comment\n\n   secret.txt   \n");
  EXPECT_EQ(d.size(), 1u);
  EXPECT_TRUE(d.Excluded("secret.txt"));
  EXPECT_FALSE(d.Excluded("# comment"));
}

TEST(DockerIgnoreTest, StarAndQuestionStayInOneComponent) {
  DockerIgnore d = Must("*.log\ntmp?\n");
  EXPECT_TRUE(d.Excluded("a.log"));
  EXPECT_FALSE(d.Excluded("dir/a.log"));  // `*` does not cross `/`
  EXPECT_TRUE(d.Excluded("tmp1"));
  EXPECT_FALSE(d.Excluded("tmp12"));
}

TEST(DockerIgnoreTest, DoubleStarMatchesAnyDepthIncludingNone) {
  DockerIgnore d = Must("**/*.o\ndocs/**\n");
  EXPECT_TRUE(d.Excluded("main.o"));
  EXPECT_TRUE(d.Excluded("src/deep/x.o"));
  EXPECT_TRUE(d.Excluded("docs/a/b.md"));
  EXPECT_FALSE(d.Excluded("src/x.c"));
}

TEST(DockerIgnoreTest, ParentMatchExcludesChildren) {
  DockerIgnore d = Must("build\n");
  EXPECT_TRUE(d.Excluded("build"));
  EXPECT_TRUE(d.Excluded("build/out/bin"));
  EXPECT_FALSE(d.Excluded("builder"));
}

TEST(DockerIgnoreTest, ExceptionsAndOrderingLastMatchWins) {
  DockerIgnore d = Must("*.md\n!README.md\n");
  EXPECT_TRUE(d.Excluded("CHANGES.md"));
  EXPECT_FALSE(d.Excluded("README.md"));
  EXPECT_TRUE(d.HasExceptions());
  // The same patterns in the other order: the later `*.md` wins again.
  DockerIgnore reversed = Must("!README.md\n*.md\n");
  EXPECT_TRUE(reversed.Excluded("README.md"));
  DockerIgnore nested = Must("docs\n!docs/keep.txt\n");
  EXPECT_TRUE(nested.Excluded("docs/drop.txt"));
  EXPECT_FALSE(nested.Excluded("docs/keep.txt"));
}

TEST(DockerIgnoreTest, PatternsAreCleanedAndLeadingSlashDropped) {
  DockerIgnore d = Must("/a/../secret\n./x/\n");
  EXPECT_TRUE(d.Excluded("secret"));
  EXPECT_TRUE(d.Excluded("x/y"));
}

TEST(DockerIgnoreTest, ClassesAndEscapes) {
  DockerIgnore d = Must("file[0-9]\nv[!a]\nlit\\*\n");
  EXPECT_TRUE(d.Excluded("file3"));
  EXPECT_FALSE(d.Excluded("filex"));
  EXPECT_TRUE(d.Excluded("vb"));
  EXPECT_FALSE(d.Excluded("va"));
  EXPECT_TRUE(d.Excluded("lit*"));
  EXPECT_FALSE(d.Excluded("litx"));
  EXPECT_TRUE(Must("a.b\n").Excluded("a.b"));
  EXPECT_FALSE(Must("a.b\n").Excluded("axb"));  // `.` is literal
}

TEST(DockerIgnoreTest, BadPatternsAreRefused) {
  EXPECT_FALSE(DockerIgnore::Parse("file[0-9\n").ok());
  EXPECT_FALSE(DockerIgnore::Parse("!\n").ok());
}

}  // namespace
}  // namespace berth::apid::builder::dockerfile
