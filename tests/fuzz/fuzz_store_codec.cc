// libFuzzer target: the values the store reads back from RocksDB (incidents, evidence,
// outbox entries, dead letters, history, audit). A damaged or hostile value is refused
// with an error, never a crash; a value that decodes encodes again to bytes that decode
// to the same encoding, so nothing read back changes on the next write.
// The first byte chooses the decoder, the rest is the stored value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/incident_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view value(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      if (auto incident = wardsoc::decode_incident(value)) {
        const std::string once = wardsoc::encode_incident(*incident);
        auto again = wardsoc::decode_incident(once);
        if (!again || wardsoc::encode_incident(*again) != once) std::abort();
      }
      break;
    case 1:
      if (auto evidence = wardsoc::decode_evidence(value)) {
        const std::string once = wardsoc::encode_evidence(*evidence);
        auto again = wardsoc::decode_evidence(once);
        if (!again || wardsoc::encode_evidence(*again) != once) std::abort();
      }
      break;
    case 2:
      (void)wardsoc::decode_outbox_value(value);
      break;
    case 3:
      (void)wardsoc::decode_dead_letter(value);
      break;
    case 4:
      (void)wardsoc::decode_history(value);
      break;
    default:
      (void)wardsoc::decode_audit(value);
      break;
  }
  return 0;
}
