// A write batch that reaches RocksDB in key order, family by family. commit() builds its
// batch here and not in a rocksdb::WriteBatch directly because of what a memtable insert
// costs: RocksDB's skiplist remembers where its last insert went, and an insert near it
// walks a few nodes instead of the whole height of the list. The store's writes arrive
// scattered (each incident has keys in seven indexes, each at another place), so handing
// them over sorted turns most inserts into short walks.
//
// Operations on the same key keep the order they were added in, so a delete followed by
// a put of one key means what it meant. Not thread-safe: one per commit.
#pragma once

#include <rocksdb/slice.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rocksdb {
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace wardsoc {

class OrderedBatch {
 public:
  void put(rocksdb::ColumnFamilyHandle* family, rocksdb::Slice key, rocksdb::Slice value);
  void erase(rocksdb::ColumnFamilyHandle* family, rocksdb::Slice key);
  void merge(rocksdb::ColumnFamilyHandle* family, rocksdb::Slice key, rocksdb::Slice value);

  size_t size() const { return ops_.size(); }

  // Appends every operation to `batch`, sorted by (family id, key), and clears this one.
  // Operations on one key stay in the order they were added.
  void append_to(rocksdb::WriteBatch* batch);

 private:
  enum class Kind : uint8_t { kPut, kDelete, kMerge };
  struct Op {
    rocksdb::ColumnFamilyHandle* family;
    uint32_t family_id;
    Kind kind;
    size_t key_at, key_size, value_at, value_size;  // in bytes_
  };
  void add(Kind kind, rocksdb::ColumnFamilyHandle* family, rocksdb::Slice key,
           rocksdb::Slice value);

  std::vector<Op> ops_;
  std::string bytes_;  // keys and values, one after the other
};

}  // namespace wardsoc
