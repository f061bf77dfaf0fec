#include "store/ordered_batch.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

namespace wardsoc {

void OrderedBatch::add(Kind kind, rocksdb::ColumnFamilyHandle* family, rocksdb::Slice key,
                       rocksdb::Slice value) {
  Op op{family, family->GetID(), kind, bytes_.size(), key.size(), 0, value.size()};
  bytes_.append(key.data(), key.size());
  op.value_at = bytes_.size();
  bytes_.append(value.data(), value.size());
  ops_.push_back(op);
}

void OrderedBatch::put(rocksdb::ColumnFamilyHandle* family, rocksdb::Slice key,
                       rocksdb::Slice value) {
  add(Kind::kPut, family, key, value);
}

void OrderedBatch::erase(rocksdb::ColumnFamilyHandle* family, rocksdb::Slice key) {
  add(Kind::kDelete, family, key, rocksdb::Slice());
}

void OrderedBatch::merge(rocksdb::ColumnFamilyHandle* family, rocksdb::Slice key,
                         rocksdb::Slice value) {
  add(Kind::kMerge, family, key, value);
}

void OrderedBatch::append_to(rocksdb::WriteBatch* batch) {
  const std::string_view all = bytes_;
  auto key = [&](const Op& op) { return all.substr(op.key_at, op.key_size); };
  // Operations on one key keep the order they were added in: their bytes were appended
  // in that order, so key_at breaks the tie (cheaper than a stable sort).
  std::sort(ops_.begin(), ops_.end(), [&](const Op& a, const Op& b) {
    if (a.family_id != b.family_id) return a.family_id < b.family_id;
    const int c = key(a).compare(key(b));
    return c != 0 ? c < 0 : a.key_at < b.key_at;
  });
  for (const Op& op : ops_) {
    const rocksdb::Slice k(all.data() + op.key_at, op.key_size);
    const rocksdb::Slice v(all.data() + op.value_at, op.value_size);
    switch (op.kind) {
      case Kind::kPut:
        batch->Put(op.family, k, v);
        break;
      case Kind::kDelete:
        batch->Delete(op.family, k);
        break;
      case Kind::kMerge:
        batch->Merge(op.family, k, v);
        break;
    }
  }
  ops_.clear();
  bytes_.clear();
}

}  // namespace wardsoc
