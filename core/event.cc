#include "core/event.h"

#include <array>

namespace wardsoc {

namespace {
constexpr std::array<std::string_view, kAssetClassCount> kClassNames = {"lan", "wifi",   "camera",
                                                                        "iot", "server", "other"};
}

std::string_view asset_class_name(AssetClass c) { return kClassNames[static_cast<size_t>(c)]; }

bool parse_asset_class(std::string_view name, AssetClass* out) {
  for (size_t i = 0; i < kClassNames.size(); ++i) {
    if (kClassNames[i] == name) {
      *out = static_cast<AssetClass>(i);
      return true;
    }
  }
  return false;
}

Span EventBatch::append(std::string_view bytes) {
  Span s{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(bytes.size())};
  arena_.append(bytes);
  return s;
}

}  // namespace wardsoc
