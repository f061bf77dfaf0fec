#include "store/ordered_batch.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <boost/test/unit_test.hpp>

#include "tests/store/store_test_util.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {

// A real RocksDB with two families, for their handles and to apply the batch.
struct TwoFamilies {
  TempDir dir;
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, a, b
  TwoFamilies() {
    rocksdb::DBOptions o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> descs = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"a", {}}, {"b", {}}};
    if (!rocksdb::DB::Open(o, dir.str("db"), descs, &handles, &db).ok()) {
      throw std::runtime_error("cannot open the test database");
    }
  }
  ~TwoFamilies() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  std::string get(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    std::string v;
    return db->Get(rocksdb::ReadOptions(), cf, key, &v).ok() ? v : "<none>";
  }
};

// Records the order a WriteBatch holds its operations in.
struct Recorder : rocksdb::WriteBatch::Handler {
  std::vector<std::string> seen;
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
    seen.push_back(std::to_string(cf) + " put " + k.ToString() + "=" + v.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& k) override {
    seen.push_back(std::to_string(cf) + " delete " + k.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
    seen.push_back(std::to_string(cf) + " merge " + k.ToString() + "=" + v.ToString());
    return rocksdb::Status::OK();
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(operations_reach_the_batch_sorted_by_family_and_key) {
  TwoFamilies t;
  auto* a = t.handles[1];
  auto* b = t.handles[2];
  OrderedBatch ordered;
  ordered.put(b, "k2", "1");
  ordered.put(a, "z", "2");
  ordered.erase(b, "k1");
  ordered.put(a, "m", "3");
  ordered.merge(b, "k0", "4");
  rocksdb::WriteBatch batch;
  ordered.append_to(&batch);
  BOOST_TEST(ordered.size() == 0u);
  Recorder r;
  BOOST_TEST_REQUIRE(batch.Iterate(&r).ok());
  const std::string ida = std::to_string(a->GetID());
  const std::string idb = std::to_string(b->GetID());
  const std::vector<std::string> expected = {ida + " put m=3", ida + " put z=2",
                                             idb + " merge k0=4", idb + " delete k1",
                                             idb + " put k2=1"};
  BOOST_TEST(r.seen == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(operations_on_one_key_keep_their_order) {
  TwoFamilies t;
  auto* a = t.handles[1];
  OrderedBatch ordered;
  // Interleaved with other keys so that a sort that is not stable would reorder them.
  for (int i = 0; i < 50; ++i) ordered.put(a, "other" + std::to_string(i), "x");
  ordered.put(a, "key", "first");
  for (int i = 50; i < 100; ++i) ordered.put(a, "other" + std::to_string(i), "x");
  ordered.erase(a, "key");
  ordered.put(a, "gone", "soon");
  ordered.put(a, "key", "last");
  ordered.erase(a, "gone");
  rocksdb::WriteBatch batch;
  ordered.append_to(&batch);
  BOOST_TEST_REQUIRE(t.db->Write(rocksdb::WriteOptions(), &batch).ok());
  BOOST_TEST(t.get(a, "key") == "last");
  BOOST_TEST(t.get(a, "gone") == "<none>");
  BOOST_TEST(t.get(a, "other7") == "x");
}
