// The lexical layer: directives, comments, continuations, flags.
#include "services/apid/builder/dockerfile/parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::apid::builder::dockerfile {
namespace {

using ::testing::ElementsAre;

ParsedFile Must(const std::string& text) {
  auto p = Parse(text);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : ParsedFile();
}

TEST(ParserTest, InstructionsAreLowerCasedWithLines) {
  ParsedFile p = Must("FROM busybox\n\nrun echo hi\n  Cmd [\"sh\"]\n");
  ASSERT_EQ(p.nodes.size(), 3u);
  EXPECT_EQ(p.nodes[0].instruction, "from");
  EXPECT_EQ(p.nodes[0].rest, "busybox");
  EXPECT_EQ(p.nodes[1].instruction, "run");
  EXPECT_EQ(p.nodes[1].start_line, 3);
  EXPECT_EQ(p.nodes[2].instruction, "cmd");
  EXPECT_EQ(p.nodes[2].start_line, 4);
  EXPECT_EQ(p.nodes[2].original, "Cmd [\"sh\"]");
}

TEST(ParserTest, CommentsAreSkippedButHashInArgumentsIsKept) {
  ParsedFile p = Must("# top\nFROM busybox\n   # indented comment\nRUN echo a # not a comment\n");
  ASSERT_EQ(p.nodes.size(), 2u);
  EXPECT_EQ(p.nodes[1].rest, "echo a # not a comment");
}

TEST(ParserTest, ContinuationsJoinLinesAndSkipCommentsAndBlanks) {
  ParsedFile p = Must("FROM busybox\nRUN echo a \\\n    b \\  \n# inside\n\n  c\nCMD x\n");
  ASSERT_EQ(p.nodes.size(), 3u);
  // Continuation lines keep their leading whitespace (Docker's join).
  EXPECT_EQ(p.nodes[1].rest, "echo a     b   c");
  EXPECT_EQ(p.nodes[1].start_line, 2);
  EXPECT_EQ(p.nodes[1].end_line, 6);
  EXPECT_EQ(p.nodes[2].start_line, 7);
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_THAT(p.warnings[0], ::testing::StartsWith("Empty continuation line found in: RUN echo"));
}

TEST(ParserTest, EscapedEscapeAtEndIsNoContinuation) {
  ParsedFile p = Must("FROM busybox\nRUN echo a\\\\\nCMD x\n");
  ASSERT_EQ(p.nodes.size(), 3u);
  EXPECT_EQ(p.nodes[1].rest, "echo a\\\\");
}

TEST(ParserTest, EscapeDirectiveChangesTheContinuationToken) {
  ParsedFile p = Must("# escape=`\nFROM busybox\nRUN dir c:\\ `\n  /w\n");
  EXPECT_EQ(p.escape, '`');
  ASSERT_EQ(p.nodes.size(), 2u);
  EXPECT_EQ(p.nodes[1].rest, "dir c:\\   /w");
  EXPECT_EQ(Must("#  ESCAPE = \\\nFROM a\n").escape, '\\');
  EXPECT_EQ(Must("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\n").escape, '`');
}

TEST(ParserTest, DirectivesOnlyCountAtTheTop) {
  // After a comment that is not a directive, or a blank line, `escape` is a comment.
  EXPECT_EQ(Must("# hello\n# escape=`\nFROM a\n").escape, '\\');
  EXPECT_EQ(Must("\n# escape=`\nFROM a\n").escape, '\\');
  EXPECT_EQ(Must("FROM a\n# escape=`\nRUN x\n").escape, '\\');
}

TEST(ParserTest, DirectiveErrors) {
  auto twice = Parse("# escape=`\n# escape=\\\nFROM a\n");
  EXPECT_EQ(twice.status().message(),
            "dockerfile parse error on line 2: only one escape parser directive can be used");
  auto bad = Parse("# escape=x\nFROM a\n");
  EXPECT_EQ(bad.status().message(),
            "dockerfile parse error on line 1: invalid escape token 'x' does not match ` or \\");
}

TEST(ParserTest, FlagsAreSplitOffBeforeArguments) {
  ParsedFile p = Must("FROM a\nCOPY --from=build --chown=\"1:1\" src /dst\nRUN -- --not-a-flag\n");
  EXPECT_THAT(p.nodes[1].flags, ElementsAre("--from=build", "--chown=\"1:1\""));
  EXPECT_EQ(p.nodes[1].rest, "src /dst");
  EXPECT_TRUE(p.nodes[2].flags.empty());
  EXPECT_EQ(p.nodes[2].rest, "--not-a-flag");
}

TEST(ParserTest, CrLfLineEndings) {
  ParsedFile p = Must("FROM a\r\nRUN x \\\r\n y\r\n");
  ASSERT_EQ(p.nodes.size(), 2u);
  EXPECT_EQ(p.nodes[1].rest, "x  y");
}

TEST(ParserTest, EmptyFileHasNoInstructions) {
  EXPECT_EQ(Parse("").status().message(), "file with no instructions");
  EXPECT_EQ(Parse("# only a comment\n\n").status().message(), "file with no instructions");
}

TEST(SplitWordsTest, QuotesAndEscapesKeepWordsTogether) {
  EXPECT_THAT(SplitWords("a \"b c\" 'd e' f\\ g", '\\'),
              ElementsAre("a", "\"b c\"", "'d e'", "f\\ g"));
  EXPECT_THAT(SplitWords("  x  ", '\\'), ElementsAre("x"));
  EXPECT_TRUE(SplitWords("", '\\').empty());
}

}  // namespace
}  // namespace berth::apid::builder::dockerfile
