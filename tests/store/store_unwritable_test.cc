// A data directory the store cannot write to is refused with an I/O error naming it. As
// root, which ignores permission bits, the directory is a read-only tmpfs mount: that is
// why this test is apart from store_open_test and labelled integration, not unit.
#include <sys/mount.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>

#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

BOOST_AUTO_TEST_CASE(an_unwritable_directory_is_an_io_error_naming_it) {
  TempDir dir;
  const std::string path = dir.str("ro");
  std::filesystem::create_directories(path);
  // Root ignores permission bits, so as root the directory is a read-only mount.
  const bool as_root = ::geteuid() == 0;
  if (as_root) {
    BOOST_TEST_REQUIRE(::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, "size=1m") == 0,
                       "mounting a read-only tmpfs on " << path << ": " << std::strerror(errno));
  } else {
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  }
  StoreOptions o;
  o.path = path;
  auto r = Store::Open(o);
  if (as_root) {
    ::umount2(path.c_str(), MNT_DETACH);
  } else {
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == Errc::kIo));
  BOOST_TEST(r.error().message.find(path) != std::string::npos, r.error().message);
  BOOST_TEST(r.error().message.find("not writable") != std::string::npos, r.error().message);
}
