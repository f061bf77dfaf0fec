// A full disk, for real: the store on a 4 MiB tmpfs (mounting needs root, which the test
// suite has; without it the test fails rather than pass unchecked).
#include <sys/mount.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "store/maintenance.h"
#include "store/outbox_queue.h"
#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

struct SmallDisk {
  TempDir dir{"diskfull"};
  std::filesystem::path mnt = dir / "mnt";
  bool mounted = false;

  SmallDisk() {
    std::filesystem::create_directories(mnt);
    mounted = ::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m") == 0;
  }
  ~SmallDisk() {
    if (mounted) ::umount2(mnt.c_str(), MNT_DETACH);
  }
};

std::string big_incident_id(int i);

std::unique_ptr<Store> open_with_reserve(const std::string& path, uint64_t min_free_bytes) {
  StoreOptions o;
  o.path = path;
  o.min_free_bytes = min_free_bytes;
  auto r = Store::Open(o);
  if (!r) throw std::runtime_error("opening the test store: " + r.error().message);
  return std::move(r).value();
}

void check_all_there(const std::string& path, int acknowledged) {
  auto store = open_with_reserve(path, 0);
  for (int i = 0; i < acknowledged; ++i) {
    auto got = store->get_incident(big_incident_id(i));
    BOOST_TEST_REQUIRE(got.ok());
    BOOST_TEST(got->has_value(), "acknowledged incident " << i << " is missing");
  }
  BOOST_TEST(store->outbox().size("soc") == static_cast<uint64_t>(acknowledged));
  auto v = store->maintenance().verify(false);
  BOOST_TEST_REQUIRE(v.ok());
  BOOST_TEST(v->problems == 0u, (v->listed.empty() ? "" : v->listed.front()));
}

Incident big_incident(int i) {
  Incident in = make_incident("disk.full", "g" + std::to_string(i), 1000 + i);
  in.fields["blob"] = std::string(16 * 1024, static_cast<char>('a' + i % 26));
  return in;
}

std::string big_incident_id(int i) { return big_incident(i).id; }

// Commits one large incident at a time until the store refuses one; returns how many it
// acknowledged (1000 if it never refused) and the refusal in *failure.
int fill(Store& store, Error* failure) {
  for (int i = 0; i < 1000; ++i) {
    auto s = commit_changes(store, {make_change(big_incident(i))}, {"soc"});
    if (!s.ok()) {
      *failure = s.error();
      return i;
    }
  }
  return 1000;
}

}  // namespace

BOOST_AUTO_TEST_CASE(
    the_reserve_refuses_batches_on_a_full_disk_and_writing_resumes_when_space_returns) {
  SmallDisk disk;
  BOOST_TEST_REQUIRE(disk.mounted, "cannot mount a 4 MiB tmpfs under " << disk.mnt.string() << ": "
                                                                       << std::strerror(errno)
                                                                       << " (the test needs root)");
  const std::string path = (disk.mnt / "db").string();
  const auto filler = disk.mnt / "filler";
  std::ofstream(filler, std::ios::binary) << std::string(2 << 20, 'x');

  auto store = open_with_reserve(path, uint64_t{512} << 10);
  Error failure;
  int acknowledged = fill(*store, &failure);
  BOOST_TEST_REQUIRE(acknowledged < 1000, "the disk never filled up");
  BOOST_TEST(acknowledged > 0);
  BOOST_TEST((failure.code == Errc::kIo));
  BOOST_TEST(failure.message.find("the disk is full") != std::string::npos, failure.message);
  BOOST_TEST(failure.message.find(path) != std::string::npos, failure.message);
  BOOST_TEST(failure.message.find("resumes by itself") != std::string::npos, failure.message);
  auto again = commit_changes(*store, {make_change(big_incident(5000))}, {"soc"});
  BOOST_TEST(!again.ok());
  BOOST_TEST(store->outbox().size("soc") == static_cast<uint64_t>(acknowledged));

  // Space comes back: the same store takes the next batch, no restart.
  std::filesystem::remove(filler);
  auto healed = commit_changes(*store, {make_change(big_incident(acknowledged))}, {"soc"});
  BOOST_TEST_REQUIRE(healed.ok(), (healed.ok() ? std::string() : healed.error().message));
  ++acknowledged;
  store.reset();
  check_all_there(path, acknowledged);
}

BOOST_AUTO_TEST_CASE(
    a_write_failing_inside_rocksdb_is_a_clear_error_and_loses_no_acknowledged_batch) {
  SmallDisk disk;
  BOOST_TEST_REQUIRE(disk.mounted, "cannot mount a 4 MiB tmpfs under " << disk.mnt.string() << ": "
                                                                       << std::strerror(errno)
                                                                       << " (the test needs root)");
  const std::string path = (disk.mnt / "db").string();
  // Room to give back later, so the store can go on once space is freed.
  const auto filler = disk.mnt / "filler";
  std::ofstream(filler, std::ios::binary) << std::string(2 << 20, 'x');

  int acknowledged = 0;
  Error failure;
  {
    // No reserve: the write-ahead log itself meets ENOSPC.
    auto store = open_with_reserve(path, 0);
    acknowledged = fill(*store, &failure);
    BOOST_TEST_REQUIRE(acknowledged < 1000, "the disk never filled up");
    BOOST_TEST((failure.code == Errc::kIo));
    BOOST_TEST(failure.message.find("disk is full") != std::string::npos, failure.message);
    BOOST_TEST(failure.message.find(path) != std::string::npos, failure.message);
    // Refused again, naming the first failure, without touching the broken log.
    auto again = commit_changes(*store, {make_change(big_incident(5000))}, {"soc"});
    BOOST_TEST(!again.ok());
    BOOST_TEST(again.error().message.find("restart wardsoc") != std::string::npos,
               again.error().message);
    BOOST_TEST(store->outbox().size("soc") == static_cast<uint64_t>(acknowledged));
  }
  // Space comes back; the store heals when it is opened again (wardsoc restarted).
  std::filesystem::remove(filler);
  {
    auto store = open_with_reserve(path, 0);
    auto healed = commit_changes(*store, {make_change(big_incident(acknowledged))}, {"soc"});
    BOOST_TEST_REQUIRE(healed.ok(), (healed.ok() ? std::string() : healed.error().message));
    ++acknowledged;
  }
  check_all_there(path, acknowledged);
}
