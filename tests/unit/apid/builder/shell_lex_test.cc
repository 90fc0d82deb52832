#include "services/apid/builder/dockerfile/shell_lex.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::apid::builder::dockerfile {
namespace {

using ::testing::ElementsAre;

class ShellLexTest : public ::testing::Test {
 protected:
  std::string Word(const std::string& w, char escape = '\\') {
    auto r = ShellLex(escape).ProcessWord(w, env_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : "<error>";
  }
  Environment env_ = {{"NAME", "berth"}, {"EMPTY", ""}, {"SPACED", "a b"}};
};

TEST_F(ShellLexTest, PlainAndBracedVariables) {
  EXPECT_EQ(Word("$NAME"), "berth");
  EXPECT_EQ(Word("${NAME}"), "berth");
  EXPECT_EQ(Word("pre-${NAME}-post"), "pre-berth-post");
  EXPECT_EQ(Word("$NAME.txt"), "berth.txt");
  EXPECT_EQ(Word("$UNSET"), "");
  EXPECT_EQ(Word("a$"), "a$");
  EXPECT_EQ(Word("$-x"), "$-x");
}

TEST_F(ShellLexTest, DefaultAndAlternativeModifiers) {
  EXPECT_EQ(Word("${UNSET:-dflt}"), "dflt");
  EXPECT_EQ(Word("${EMPTY:-dflt}"), "dflt");
  EXPECT_EQ(Word("${EMPTY-dflt}"), "");
  EXPECT_EQ(Word("${UNSET-dflt}"), "dflt");
  EXPECT_EQ(Word("${NAME:-dflt}"), "berth");
  EXPECT_EQ(Word("${NAME:+alt}"), "alt");
  EXPECT_EQ(Word("${EMPTY:+alt}"), "");
  EXPECT_EQ(Word("${EMPTY+alt}"), "alt");
  EXPECT_EQ(Word("${UNSET:+alt}"), "");
  // The word after the modifier is expanded itself.
  EXPECT_EQ(Word("${UNSET:-$NAME}"), "berth");
  EXPECT_EQ(Word("${UNSET:-a b}"), "a b");
}

TEST_F(ShellLexTest, RequiredModifierFails) {
  ShellLex lex;
  auto unset = lex.ProcessWord("${UNSET:?}", env_);
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.status().message(), "UNSET: is not allowed to be unset");
  auto empty = lex.ProcessWord("${EMPTY:?}", env_);
  EXPECT_EQ(empty.status().message(), "EMPTY: is not allowed to be empty");
  auto msg = lex.ProcessWord("${UNSET?give it}", env_);
  EXPECT_EQ(msg.status().message(), "UNSET: give it");
  EXPECT_EQ(*lex.ProcessWord("${EMPTY?x}", env_), "");
}

TEST_F(ShellLexTest, BadSubstitutions) {
  ShellLex lex;
  EXPECT_EQ(lex.ProcessWord("${}", env_).status().message(), "syntax error: bad substitution");
  EXPECT_EQ(lex.ProcessWord("${NAME", env_).status().message(), "syntax error: missing '}'");
  EXPECT_EQ(lex.ProcessWord("${NAME:=x}", env_).status().message(),
            "unsupported modifier (:=) in substitution");
}

TEST_F(ShellLexTest, QuotesAndEscapes) {
  EXPECT_EQ(Word("'$NAME'"), "$NAME");
  EXPECT_EQ(Word("\"$NAME\""), "berth");
  EXPECT_EQ(Word("\\$NAME"), "$NAME");
  EXPECT_EQ(Word("a\\nb"), "anb");
  EXPECT_EQ(Word("\"a\\nb\""), "a\\nb");
  EXPECT_EQ(Word("\"say \\\"hi\\\"\""), "say \"hi\"");
  EXPECT_EQ(Word("\"a b\""), "a b");
  // With `# escape=`` the backslash is an ordinary character.
  EXPECT_EQ(Word("\\$NAME", '`'), "\\berth");
  EXPECT_EQ(Word("`$NAME", '`'), "$NAME");
  EXPECT_FALSE(ShellLex().ProcessWord("\"open", env_).ok());
  EXPECT_FALSE(ShellLex().ProcessWord("'open", env_).ok());
}

TEST_F(ShellLexTest, WordsSplitOnUnquotedWhitespaceAndValues) {
  ShellLex lex;
  EXPECT_THAT(*lex.ProcessWords("80 443/udp", env_), ElementsAre("80", "443/udp"));
  EXPECT_THAT(*lex.ProcessWords("$SPACED c", env_), ElementsAre("a", "b", "c"));
  EXPECT_THAT(*lex.ProcessWords("\"$SPACED\" c", env_), ElementsAre("a b", "c"));
  EXPECT_THAT(*lex.ProcessWords("'' x", env_), ElementsAre("", "x"));
}

}  // namespace
}  // namespace berth::apid::builder::dockerfile
