// ImageService over the fake imaged: the list filters dockerd applies.
#include "services/apid/usecases/image_service.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/apid/fakes.h"

namespace berth::apid {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class ImageServiceTest : public ::testing::Test {
 protected:
  ImageServiceTest() : imaged_(log_), images_(imaged_) {
    Add("sha256:a", {"busybox:latest", "busybox:1"}, 100, {{"team", "x"}});
    Add("sha256:b", {"127.0.0.1:5000/team/app:2"}, 200, {{"team", "y"}});
    Add("sha256:c", {}, 300, {});
  }

  void Add(const std::string& id, std::vector<std::string> tags, int64_t created,
           std::map<std::string, std::string> labels) {
    v1::Image image;
    image.set_id(id);
    for (const std::string& t : tags) image.add_repo_tags(t);
    image.mutable_created()->set_seconds(created);
    for (const auto& [k, v] : labels) (*image.mutable_config()->mutable_labels())[k] = v;
    imaged_.images[id] = image;
  }

  std::vector<std::string> Ids(const ImageService::Filters& filters) {
    absl::StatusOr<std::vector<v1::Image>> listed = images_.List(false, filters);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> ids;
    if (listed.ok()) {
      for (const v1::Image& i : *listed) ids.push_back(i.id());
    }
    return ids;
  }

  testing::CallLog log_;
  testing::FakeImaged imaged_;
  ImageService images_;
};

TEST_F(ImageServiceTest, ReferenceMatchesNameOrNameAndTagAndKeepsOnlyMatchingTags) {
  EXPECT_THAT(Ids({{"reference", {"busybox"}}}), ElementsAre("sha256:a"));
  EXPECT_THAT(Ids({{"reference", {"127.0.0.1:5000/team/*"}}}), ElementsAre("sha256:b"));
  EXPECT_THAT(Ids({{"reference", {"*"}}}), ElementsAre("sha256:a"));  // '*' stops at '/'
  EXPECT_THAT(Ids({{"reference", {"nothing", "busybox"}}}), ElementsAre("sha256:a"));
  absl::StatusOr<std::vector<v1::Image>> tagged = images_.List(false, {{"reference", {"busybox:1"}}});
  ASSERT_TRUE(tagged.ok());
  ASSERT_EQ(tagged->size(), 1u);
  EXPECT_THAT((*tagged)[0].repo_tags(), ElementsAre("busybox:1"));
}

TEST_F(ImageServiceTest, DanglingLabelBeforeSince) {
  EXPECT_THAT(Ids({{"dangling", {"true"}}}), ElementsAre("sha256:c"));
  EXPECT_THAT(Ids({{"dangling", {"false"}}}), UnorderedElementsAre("sha256:a", "sha256:b"));
  EXPECT_THAT(Ids({{"label", {"team"}}}), UnorderedElementsAre("sha256:a", "sha256:b"));
  EXPECT_THAT(Ids({{"label", {"team=y"}}}), ElementsAre("sha256:b"));
  EXPECT_THAT(Ids({{"before", {"sha256:b"}}}), ElementsAre("sha256:a"));
  EXPECT_THAT(Ids({{"since", {"sha256:b"}}}), ElementsAre("sha256:c"));
}

TEST_F(ImageServiceTest, UnknownFilterOrImageIsAnError) {
  EXPECT_TRUE(absl::IsInvalidArgument(images_.List(false, {{"stars", {"3"}}}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(images_.List(false, {{"dangling", {"maybe"}}}).status()));
  EXPECT_TRUE(absl::IsNotFound(images_.List(false, {{"since", {"nope:1"}}}).status()));
}

}  // namespace
}  // namespace berth::apid
