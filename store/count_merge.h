// The merge operator of the counts family (u64 little-endian counts, added on merge).
// Whoever opens a wardsoc data directory with plain RocksDB (tools, tests) must give it
// to the counts family: without it RocksDB cannot replay a log that holds counts.
#pragma once

#include <memory>

namespace rocksdb {
class MergeOperator;
}

namespace wardsoc {

std::shared_ptr<rocksdb::MergeOperator> make_count_merge_operator();

}  // namespace wardsoc
