#include "connectors/alert_renderer.h"

namespace wardsoc {

namespace {
// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
void cut_utf8(std::string* s, size_t max) {
  if (s->size() <= max) return;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>((*s)[n]) & 0xC0) == 0x80) --n;
  s->resize(n);
}
}  // namespace

std::string AlertRenderer::render(const OutboxEntry& entry) const {
  std::optional<std::string> original;
  if (alert_format_uses_original(format_) && context_.first_evidence) {
    original = context_.first_evidence(entry.incident.id);
    if (original) cut_utf8(&*original, kMaxOriginalBytes);
  }
  return render_alert(format_, AlertInput{entry, original ? *original : std::string_view()},
                      context_.format);
}

}  // namespace wardsoc
