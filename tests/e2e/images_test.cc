// Images beyond pull/push (issue 8) through unchanged clients against a
// private stack: `docker save`/`docker load` round trips in both layouts (the
// archive Berth writes holds both; the test strips one with Python's tarfile)
// of a multi-layer image with a whiteout and an opaque directory; a hostile
// archive refused with nothing stored; `docker history`; `docker image prune`
// (dangling, -a, an image a container uses kept); RepoDigests after push and
// pull and `docker search` against Debian's docker-registry on loopback; the
// same through `berth` and docker-py.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/registry.h"
#include "tests/e2e/support/stack.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Three layers: busybox, then one deleting /bin/ls and making /opq/a, then
// one replacing /opq by a new directory holding only b (an opaque dir).
constexpr char kDockerfile[] =
    "FROM busybox\n"
    "RUN rm /bin/ls && mkdir /opq && echo a > /opq/a\n"
    "RUN rm -rf /opq && mkdir /opq && echo b > /opq/b\n";

class ImagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    std::string error;
    stack_ = Stack::StartWithBusybox(&error);
    ASSERT_NE(stack_, nullptr) << error;
    work_ = stack_->root() + "/images-test";
    ASSERT_EQ(stack_->Shell("mkdir -p " + work_ + "/ctx").exit_code, 0);
  }

  void TearDown() override {
    registry_.reset();
    stack_.reset();
  }

  void BuildLayered(const std::string& tag) {
    ASSERT_EQ(stack_->Shell("printf %s " + ShellQuote(kDockerfile) + " > " + work_ +
                            "/ctx/Dockerfile")
                  .exit_code,
              0);
    CommandResult built = stack_->Docker("build -q -t " + tag + " " + work_ + "/ctx",
                                         {.timeout = std::chrono::seconds(120)});
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
  }

  std::string Id(const std::string& ref) {
    CommandResult id = stack_->Docker("image inspect -f '{{.Id}}' " + ref);
    EXPECT_EQ(id.exit_code, 0) << id.err;
    return Trimmed(id.out);
  }

  std::string Images() {
    return stack_->Docker("images -a --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'").out;
  }

  // Removes `refs` and every image nothing uses, so a load must bring all
  // layers back from the archive.
  void RemoveAll(const std::string& refs) {
    CommandResult removed = stack_->Docker("rmi " + refs);
    ASSERT_EQ(removed.exit_code, 0) << removed.out << removed.err;
    CommandResult pruned = stack_->Docker("image prune -a -f");
    ASSERT_EQ(pruned.exit_code, 0) << pruned.out << pruned.err;
    ASSERT_EQ(Images(), "");
  }

  // Copies `tar` to `out` without the members named in `drop`.
  void StripTar(const std::string& tar, const std::string& out, const std::string& drop) {
    std::string script =
        "import sys, tarfile\n"
        "drop = set(sys.argv[3].split(','))\n"
        "with tarfile.open(sys.argv[1]) as src, tarfile.open(sys.argv[2], 'w') as dst:\n"
        "    for m in src.getmembers():\n"
        "        if m.name in drop: continue\n"
        "        dst.addfile(m, src.extractfile(m) if m.isfile() else None)\n";
    CommandResult r = RunShell("python3 -c " + ShellQuote(script) + " " + tar + " " + out + " " +
                               drop);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  void CheckLayeredImageRuns(const std::string& tag) {
    CommandResult ran = stack_->Docker(
        "run --rm " + tag + " sh -c 'test -e /bin/ls && echo ls-present; echo /opq/*; cat /opq/*'");
    ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
    EXPECT_EQ(ran.out, "/opq/b\nb\n");  // ls gone (whiteout), only b in /opq (opaque)
  }

  void StartRegistry() {
    if (!LocalRegistry::Available()) GTEST_SKIP() << "docker-registry is not installed";
    std::string error;
    registry_ = LocalRegistry::Start(stack_->root() + "/registry", "", &error);
    ASSERT_NE(registry_, nullptr) << error;
  }

  std::unique_ptr<Stack> stack_;
  std::unique_ptr<LocalRegistry> registry_;
  std::string work_;
};

TEST_F(ImagesTest, DockerSaveRmiLoadKeepsIdAndTagsInBothLayouts) {
  BuildLayered("layered:1");
  CheckLayeredImageRuns("layered:1");
  const std::string id = Id("layered:1");
  const std::string busybox_id = Id("busybox:latest");
  const std::string tar = work_ + "/saved.tar";
  CommandResult saved = stack_->Docker("save -o " + tar + " layered:1 busybox");
  ASSERT_EQ(saved.exit_code, 0) << saved.out << saved.err;
  CommandResult listing = RunShell("tar -tf " + tar);
  for (const char* member : {"manifest.json", "index.json", "oci-layout", "repositories"}) {
    EXPECT_THAT(listing.out, HasSubstr(std::string(member) + "\n"));
  }
  StripTar(tar, work_ + "/docker-only.tar", "index.json,oci-layout");
  StripTar(tar, work_ + "/oci-only.tar", "manifest.json,repositories");

  for (const std::string variant : {"saved.tar", "docker-only.tar", "oci-only.tar"}) {
    SCOPED_TRACE(variant);
    RemoveAll("layered:1 busybox:latest");
    CommandResult loaded = stack_->Docker("load -i " + work_ + "/" + variant);
    ASSERT_EQ(loaded.exit_code, 0) << loaded.out << loaded.err;
    EXPECT_THAT(loaded.out, HasSubstr("Loaded image: layered:1\n"));
    EXPECT_THAT(loaded.out, HasSubstr("Loaded image: busybox:latest\n"));
    EXPECT_EQ(Id("layered:1"), id);
    EXPECT_EQ(Id("busybox:latest"), busybox_id);
    CheckLayeredImageRuns("layered:1");
  }
  EXPECT_EQ(stack_->Shell("ls -A " + stack_->root() + "/lib/imaged/tmp").out, "");

  // From stdin (the CLI then asks for quiet output): same result.
  RemoveAll("layered:1 busybox:latest");
  CommandResult piped = stack_->Shell("docker load < " + tar);
  ASSERT_EQ(piped.exit_code, 0) << piped.out << piped.err;
  EXPECT_THAT(piped.out, HasSubstr("Loaded image: layered:1"));
  EXPECT_EQ(Id("layered:1"), id);
}

TEST_F(ImagesTest, HostileArchiveIsRefusedAndNothingIsStored) {
  const std::string before = Images();
  // A member escaping the archive, and a manifest naming a layer outside it.
  std::string script =
      "import io, json, sys, tarfile\n"
      "def add(t, name, data):\n"
      "    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))\n"
      "with tarfile.open(sys.argv[1] + '/escape.tar', 'w') as t:\n"
      "    add(t, '../../escaped-by-load', b'x')\n"
      "with tarfile.open(sys.argv[1] + '/outside.tar', 'w') as t:\n"
      "    add(t, 'config.json', b'{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:' + b'0'*64 + b'\"]}}')\n"
      "    add(t, 'manifest.json', json.dumps([{'Config':'config.json','RepoTags':['evil:1'],"
      "'Layers':['../../../etc/passwd']}]).encode())\n";
  ASSERT_EQ(RunShell("python3 -c " + ShellQuote(script) + " " + work_).exit_code, 0);
  CommandResult escape = stack_->Docker("load -i " + work_ + "/escape.tar");
  EXPECT_NE(escape.exit_code, 0) << escape.out;
  EXPECT_THAT(escape.err, HasSubstr(".."));
  CommandResult outside = stack_->Docker("load -i " + work_ + "/outside.tar");
  EXPECT_NE(outside.exit_code, 0) << outside.out;
  EXPECT_THAT(outside.err, HasSubstr("leads outside the archive"));
  EXPECT_EQ(Images(), before);
  EXPECT_EQ(stack_->Shell("ls -A " + stack_->root() + "/lib/imaged/tmp").out, "");
  EXPECT_EQ(stack_->Shell("find " + stack_->root() + " -name escaped-by-load").out, "");
}

TEST_F(ImagesTest, HistoryAsDocker) {
  BuildLayered("layered:1");
  CommandResult history =
      stack_->Docker("history --no-trunc --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}' layered:1");
  ASSERT_EQ(history.exit_code, 0) << history.err;
  std::vector<std::string> lines;
  for (std::string_view rest = history.out; !rest.empty();) {
    size_t nl = rest.find('\n');
    lines.emplace_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? "" : rest.substr(nl + 1);
  }
  ASSERT_GE(lines.size(), 3u) << history.out;
  // Newest first: the top step shows the image's own id and its command.
  EXPECT_EQ(lines[0].substr(0, lines[0].find('|')), Id("layered:1"));
  EXPECT_THAT(lines[0], HasSubstr("rm -rf /opq"));
  EXPECT_THAT(lines[1], HasSubstr("rm /bin/ls"));
  EXPECT_THAT(lines.back(), HasSubstr(Id("busybox:latest")));

  // Loaded without the build's intermediate images, lower steps are <missing>.
  const std::string tar = work_ + "/h.tar";
  ASSERT_EQ(stack_->Docker("save -o " + tar + " layered:1").exit_code, 0);
  RemoveAll("layered:1 busybox:latest");
  ASSERT_EQ(stack_->Docker("load -q -i " + tar).exit_code, 0);
  history = stack_->Docker("history --format '{{.ID}}' layered:1");
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_THAT(history.out, HasSubstr("<missing>"));
  EXPECT_THAT(history.out, HasSubstr(Id("layered:1").substr(7, 12)));

  CommandResult berth = stack_->Berth("history layered:1");
  ASSERT_EQ(berth.exit_code, 0) << berth.err;
  EXPECT_THAT(berth.out, HasSubstr("CREATED BY"));
  EXPECT_THAT(berth.out, HasSubstr("<missing>"));
}

TEST_F(ImagesTest, PruneDanglingThenAllKeepsImagesInUse) {
  const std::string rootfs = stack_->BusyboxTar();
  ASSERT_NE(rootfs, "");
  // An untagged import is dangling; a tagged one is not.
  CommandResult dangling = stack_->Docker("import -c 'LABEL x=1' " + rootfs);
  ASSERT_EQ(dangling.exit_code, 0) << dangling.err;
  const std::string dangling_id = Trimmed(dangling.out);
  ASSERT_EQ(stack_->Docker("import -m other " + rootfs + " kept:1").exit_code, 0);
  ASSERT_EQ(stack_->Docker("create --name user busybox true").exit_code, 0);

  CommandResult pruned = stack_->Docker("image prune -f");
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_THAT(pruned.out, HasSubstr("deleted: " + dangling_id));
  EXPECT_THAT(pruned.out, HasSubstr("Total reclaimed space:"));
  EXPECT_THAT(Images(), Not(HasSubstr(dangling_id)));
  EXPECT_THAT(Images(), HasSubstr("kept:1"));

  // -a: every unused image, but busybox stays while a container uses it.
  pruned = stack_->Docker("image prune -a -f");
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_THAT(pruned.out, HasSubstr("untagged: kept:1"));
  EXPECT_THAT(Images(), Not(HasSubstr("kept:1")));
  EXPECT_THAT(Images(), HasSubstr("busybox:latest"));
  ASSERT_EQ(stack_->Docker("rm user").exit_code, 0);
  pruned = stack_->Berth("image prune -a -f");
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_THAT(pruned.out, HasSubstr("untagged: busybox:latest"));
  EXPECT_EQ(Images(), "");
  // Nothing unreferenced is left in the store.
  EXPECT_EQ(stack_->Shell("find " + stack_->root() + "/lib/imaged/layers " + stack_->root() +
                          "/lib/imaged/blobs/sha256 -mindepth 1 -maxdepth 1")
                .out,
            "");
}

TEST_F(ImagesTest, RepoDigestsAfterPushAndPullAndSearch) {
  StartRegistry();
  const std::string image = registry_->address() + "/team/busybox:1";
  ASSERT_EQ(stack_->Docker("tag busybox:latest " + image).exit_code, 0);
  CommandResult pushed = stack_->Docker("push " + image);
  ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err;
  std::string digest = pushed.out.substr(pushed.out.find("digest: ") + 8, 71);
  const std::string repo_digest = registry_->address() + "/team/busybox@" + digest;
  CommandResult digests = stack_->Docker("image inspect -f '{{json .RepoDigests}}' " + image);
  EXPECT_THAT(digests.out, HasSubstr(repo_digest));

  ASSERT_EQ(stack_->Docker("rmi " + image).exit_code, 0);
  ASSERT_EQ(stack_->Docker("pull " + image).exit_code, 0);
  digests = stack_->Docker("image inspect -f '{{json .RepoDigests}}' " + image);
  EXPECT_THAT(digests.out, HasSubstr(repo_digest));
  CommandResult listed = stack_->Docker("images --digests --format '{{.Digest}}' " +
                                        registry_->address() + "/team/busybox");
  EXPECT_THAT(listed.out, HasSubstr(digest));

  // By digest: pulled, inspected and run as name@digest, the same image.
  ASSERT_EQ(stack_->Docker("rmi " + image).exit_code, 0);
  CommandResult by_digest = stack_->Docker("pull " + repo_digest);
  ASSERT_EQ(by_digest.exit_code, 0) << by_digest.out << by_digest.err;
  EXPECT_THAT(by_digest.out, HasSubstr("Digest: " + digest));
  EXPECT_EQ(stack_->Docker("image inspect -f '{{.Id}}' " + repo_digest).out,
            stack_->Docker("image inspect -f '{{.Id}}' busybox:latest").out);
  CommandResult ran = stack_->Docker("run --rm " + repo_digest + " echo by-digest");
  EXPECT_EQ(ran.out, "by-digest\n") << ran.err;
  EXPECT_NE(stack_->Docker("pull " + registry_->address() + "/team/busybox@sha256:" +
                           std::string(64, '0')).exit_code, 0);

  CommandResult found = stack_->Docker("search " + registry_->address() + "/busy");
  ASSERT_EQ(found.exit_code, 0) << found.out << found.err;
  EXPECT_THAT(found.out, HasSubstr(registry_->address() + "/team/busybox"));
  found = stack_->Docker("search " + registry_->address() + "/nothing-like-it");
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_THAT(found.out, Not(HasSubstr("busybox")));
  CommandResult berth = stack_->Berth("search " + registry_->address() + "/team");
  ASSERT_EQ(berth.exit_code, 0) << berth.err;
  EXPECT_THAT(berth.out, HasSubstr(registry_->address() + "/team/busybox"));
  // Docker Hub is not searchable (and the stack allows only loopback anyway).
  EXPECT_NE(stack_->Docker("search busybox").exit_code, 0);
}

// The 3-layer image with a whiteout and an opaque directory through a
// registry: pushed, every local copy removed, pulled back (same id) and run
// with the right tree.
TEST_F(ImagesTest, LayeredImagePushedAndPulledBackUnpacksToTheRightTree) {
  StartRegistry();
  BuildLayered("layered:4");
  const std::string id = Id("layered:4");
  const std::string image = registry_->address() + "/team/layered:4";
  ASSERT_EQ(stack_->Docker("tag layered:4 " + image).exit_code, 0);
  CommandResult pushed = stack_->Docker("push " + image, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err;
  RemoveAll(image + " layered:4 busybox:latest");
  CommandResult pulled = stack_->Docker("pull " + image, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;
  EXPECT_EQ(Id(image), id);
  CheckLayeredImageRuns(image);
}

TEST_F(ImagesTest, BerthSaveLoadRoundTrip) {
  BuildLayered("layered:2");
  const std::string id = Id("layered:2");
  const std::string tar = work_ + "/berth.tar";
  CommandResult saved = stack_->Berth("save -o " + tar + " layered:2");
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  RemoveAll("layered:2 busybox:latest");
  CommandResult loaded = stack_->Berth("load -i " + tar);
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_THAT(loaded.out, HasSubstr("Loading layer"));
  EXPECT_THAT(loaded.out, HasSubstr("Loaded image: layered:2"));
  EXPECT_EQ(Id("layered:2"), id);
  CheckLayeredImageRuns("layered:2");
  // A missing image fails and leaves no file behind.
  CommandResult missing = stack_->Berth("save -o " + work_ + "/none.tar nothing:1");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("No such image"));
  EXPECT_NE(RunShell("test -e " + work_ + "/none.tar").exit_code, 0);
}

TEST_F(ImagesTest, DockerPySaveLoadList) {
  BuildLayered("layered:3");
  const std::string id = Id("layered:3");
  std::string script =
      "import sys, docker\n"
      "c = docker.DockerClient(base_url=sys.argv[1])\n"
      "data = b''.join(c.images.get('layered:3').save(named=True))\n"
      "c.images.remove('layered:3')\n"
      "assert not any('layered:3' in i.tags for i in c.images.list()), 'still listed'\n"
      "loaded = c.images.load(data)\n"
      "print(loaded[0].id, loaded[0].tags)\n"
      "assert 'layered:3' in [t for i in c.images.list() for t in i.tags]\n"
      "print('history', len(c.images.get('layered:3').history()))\n";
  CommandResult flow = stack_->Shell("/usr/bin/python3 -c " + ShellQuote(script) + " " +
                                     stack_->docker_host());
  ASSERT_EQ(flow.exit_code, 0) << flow.out << flow.err;
  EXPECT_THAT(flow.out, HasSubstr(id + " ['layered:3']"));
  EXPECT_THAT(flow.out, HasSubstr("history 3"));
}

// docker-registry behind htpasswd basic auth (bcrypt made with Python's crypt
// module, i.e. libxcrypt): good and bad credentials through both CLIs, and
// the logins shared through Docker's config.json in the stack's DOCKER_CONFIG.
TEST_F(ImagesTest, LoginWithBasicAuthSharedBetweenDockerAndBerth) {
  if (!LocalRegistry::Available()) GTEST_SKIP() << "docker-registry is not installed";
  const std::string htpasswd = work_ + "/htpasswd";
  ASSERT_EQ(RunShell("python3 -W ignore -c 'import crypt; print(\"tester:\" + crypt.crypt("
                     "\"s3cret\", crypt.mksalt(crypt.METHOD_BLOWFISH)))' > " + htpasswd)
                .exit_code,
            0);
  std::string error;
  registry_ = LocalRegistry::Start(stack_->root() + "/registry-auth", htpasswd, &error);
  ASSERT_NE(registry_, nullptr) << error;
  const std::string server = registry_->address();
  const std::string config = stack_->root() + "/docker-config/config.json";
  const std::string image = server + "/private/busybox:1";
  ASSERT_EQ(stack_->Docker("tag busybox:latest " + image).exit_code, 0);

  // Anonymous: refused.
  CommandResult anonymous = stack_->Docker("push " + image);
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_THAT(anonymous.out + anonymous.err, HasSubstr("the registry requires credentials"));

  // Bad credentials: refused by both CLIs, nothing stored.
  CommandResult bad = stack_->Docker("login -u tester --password-stdin " + server,
                                     {.stdin_data = "wrong\n"});
  EXPECT_NE(bad.exit_code, 0) << bad.out;
  bad = stack_->Berth("login -u tester -p wrong " + server);
  EXPECT_NE(bad.exit_code, 0) << bad.out;
  EXPECT_THAT(bad.err, HasSubstr("unauthorized"));
  EXPECT_THAT(ReadFileText(config), Not(HasSubstr(server)));

  // docker login → docker push and berth pull with the same stored login.
  CommandResult good = stack_->Docker("login -u tester --password-stdin " + server,
                                      {.stdin_data = "s3cret\n"});
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_THAT(good.out, HasSubstr("Login Succeeded"));
  CommandResult pushed = stack_->Docker("push " + image);
  ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err;
  ASSERT_EQ(stack_->Docker("rmi " + image).exit_code, 0);
  CommandResult pulled = stack_->Berth("pull " + image);
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;

  // Logged out, berth pulls anonymously and is refused; berth login stores
  // the entry the docker CLI then uses.
  ASSERT_EQ(stack_->Docker("logout " + server).exit_code, 0);
  ASSERT_EQ(stack_->Docker("rmi " + image).exit_code, 0);
  CommandResult refused = stack_->Berth("pull " + image);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("the registry requires credentials"));
  CommandResult berth_login = stack_->Berth("login -u tester --password-stdin " + server,
                                            {.stdin_data = "s3cret\n"});
  ASSERT_EQ(berth_login.exit_code, 0) << berth_login.err;
  EXPECT_THAT(berth_login.out, HasSubstr("Login Succeeded"));
  EXPECT_THAT(ReadFileText(config), HasSubstr(server));
  EXPECT_EQ(stack_->Shell("stat -c %a " + config).out, "600\n");
  CommandResult docker_pull = stack_->Docker("pull " + image);
  ASSERT_EQ(docker_pull.exit_code, 0) << docker_pull.out << docker_pull.err;
  CommandResult found = stack_->Berth("search " + server + "/priv");
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_THAT(found.out, HasSubstr(server + "/private/busybox"));
  ASSERT_EQ(stack_->Berth("logout " + server).exit_code, 0);
  EXPECT_THAT(ReadFileText(config), Not(HasSubstr(server)));
}

}  // namespace
}  // namespace berth::e2e
