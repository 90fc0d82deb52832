// Each class of syntax error, with the line and Docker's words.
#include "gtest/gtest.h"
#include "services/apid/builder/dockerfile/instructions.h"

namespace berth::apid::builder::dockerfile {
namespace {

struct ErrorCase {
  const char* name;
  const char* dockerfile;
  const char* message;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class DockerfileErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(DockerfileErrorTest, NamesLineAndProblem) {
  auto parsed = ParseDockerfile(GetParam().dockerfile);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), GetParam().message);
}

const ErrorCase kCases[] = {
    {"UnknownInstruction", "FROM a\nRUN x\nfoo bar\n",
     "dockerfile parse error on line 3: unknown instruction: FOO"},
    {"UnknownAfterContinuation", "FROM a\nRUN a \\\n  b\nCOPYY x y\n",
     "dockerfile parse error on line 4: unknown instruction: COPYY"},
    {"NoStageBeforeFrom", "RUN x\nFROM a\n",
     "dockerfile parse error on line 1: no build stage in current context"},
    {"OnlyArgs", "ARG A=1\n", "dockerfile contains no stages to build"},
    {"FromArity", "FROM a b\n",
     "dockerfile parse error on line 1: FROM requires either one or three arguments"},
    {"FromNotAs", "FROM a is b\n",
     "dockerfile parse error on line 1: FROM requires either one or three arguments"},
    {"BadStageName", "FROM a AS 1st\n",
     "dockerfile parse error on line 1: invalid name for build stage: \"1st\", name can't start "
     "with a number or contain symbols"},
    {"DuplicateStage", "FROM a AS x\nFROM b AS X\n",
     "dockerfile parse error on line 2: duplicate stage name \"x\""},
    {"UnknownFlag", "FROM a\nCOPY --foo=1 a b\n",
     "dockerfile parse error on line 2: unknown flag: foo"},
    {"DuplicateFlag", "FROM a\nCOPY --chown=1 --chown=2 a b\n",
     "dockerfile parse error on line 2: duplicate flag specified: chown"},
    {"FlagWithoutValue", "FROM a\nCOPY --chown a b\n",
     "dockerfile parse error on line 2: missing a value on flag: chown"},
    {"AddFromIsUnknown", "FROM a\nADD --from=x a b\n",
     "dockerfile parse error on line 2: unknown flag: from"},
    {"RunMountNeedsBuildKit", "FROM a\nRUN --mount=type=cache,target=/c true\n",
     "dockerfile parse error on line 2: the --mount option requires BuildKit, which this "
     "builder does not serve"},
    {"RunEmpty", "FROM a\nRUN\n", "dockerfile parse error on line 2: RUN requires at least one argument"},
    {"JsonNonString", "FROM a\nCMD [\"a\", 1]\n",
     "dockerfile parse error on line 2: when using JSON array syntax, arrays must be comprised "
     "of strings only"},
    {"ShellNotJson", "FROM a\nSHELL /bin/bash -c\n",
     "dockerfile parse error on line 2: SHELL requires the arguments to be in JSON form"},
    {"EnvOneWord", "FROM a\nENV A\n", "dockerfile parse error on line 2: ENV must have two arguments"},
    {"EnvMissingEquals", "FROM a\nENV A=1 B\n",
     "dockerfile parse error on line 2: Syntax error - can't find = in \"B\". Must be of the "
     "form: name=value"},
    {"EnvEmpty", "FROM a\nENV\n", "dockerfile parse error on line 2: ENV requires at least one argument"},
    {"LabelOneWord", "FROM a\nLABEL x\n",
     "dockerfile parse error on line 2: LABEL must have two arguments"},
    {"ArgEmpty", "FROM a\nARG\n", "dockerfile parse error on line 2: ARG requires at least one argument"},
    {"ArgBlankName", "FROM a\nARG =x\n", "dockerfile parse error on line 2: ARG names can not be blank"},
    {"ExposeEmpty", "FROM a\nEXPOSE\n",
     "dockerfile parse error on line 2: EXPOSE requires at least one argument"},
    {"WorkdirEmpty", "FROM a\nWORKDIR\n",
     "dockerfile parse error on line 2: WORKDIR requires exactly one argument"},
    {"UserEmpty", "FROM a\nUSER\n", "dockerfile parse error on line 2: USER requires exactly one argument"},
    {"StopsignalEmpty", "FROM a\nSTOPSIGNAL\n",
     "dockerfile parse error on line 2: STOPSIGNAL requires exactly one argument"},
    {"CopyNoDest", "FROM a\nCOPY onlyone\n",
     "dockerfile parse error on line 2: COPY requires at least two arguments, but only one was "
     "provided. Destination could not be determined"},
    {"CopyFromVariable", "FROM a\nCOPY --from=$X a b\n",
     "dockerfile parse error on line 2: variable expansion is not supported for --from, define a "
     "new stage with FROM using ARG from global scope as a workaround"},
    {"BadChmod", "FROM a\nCOPY --chmod=u+x a b\n",
     "dockerfile parse error on line 2: invalid chmod parameter: u+x"},
    {"VolumeEmptyEntry", "FROM a\nVOLUME [\"\"]\n",
     "dockerfile parse error on line 2: VOLUME specified can not be an empty string"},
    {"HealthcheckNoneArgs", "FROM a\nHEALTHCHECK NONE x\n",
     "dockerfile parse error on line 2: HEALTHCHECK NONE takes no arguments"},
    {"HealthcheckType", "FROM a\nHEALTHCHECK RUN x\n",
     "dockerfile parse error on line 2: Unknown type \"RUN\" in HEALTHCHECK (try CMD)"},
    {"HealthcheckNoCmd", "FROM a\nHEALTHCHECK CMD\n",
     "dockerfile parse error on line 2: Missing command after HEALTHCHECK CMD"},
    {"HealthcheckShortInterval", "FROM a\nHEALTHCHECK --interval=1us CMD x\n",
     "dockerfile parse error on line 2: Interval \"interval\" cannot be less than 1ms"},
    {"HealthcheckBadDuration", "FROM a\nHEALTHCHECK --timeout=3 CMD x\n",
     "dockerfile parse error on line 2: time: missing unit in duration \"3\""},
    {"HealthcheckNegativeRetries", "FROM a\nHEALTHCHECK --retries=-1 CMD x\n",
     "dockerfile parse error on line 2: --retries cannot be negative (-1)"},
    {"OnbuildChain", "FROM a\nONBUILD ONBUILD RUN x\n",
     "dockerfile parse error on line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"},
    {"OnbuildFrom", "FROM a\nONBUILD FROM b\n",
     "dockerfile parse error on line 2: FROM isn't allowed as an ONBUILD trigger"},
    {"OnbuildUnknownTrigger", "FROM a\nONBUILD FOO x\n",
     "dockerfile parse error on line 2: unknown instruction: FOO"},
    {"RunBadNetwork", "FROM a\nRUN --network=bridge x\n",
     "dockerfile parse error on line 2: unsupported network mode: bridge"},
};

INSTANTIATE_TEST_SUITE_P(All, DockerfileErrorTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace berth::apid::builder::dockerfile
