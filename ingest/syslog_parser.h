// Syslog header parser: turns one received line into SyslogHeader fields (PRI, device
// time, host, app, procid, msgid, structured data, message) without copying or
// allocating; the fields are Spans into the batch arena the line was copied to.
//
// Thread safety: a pure function. Any number of threads may call it at once; the zone
// in SyslogParseOptions is only read.
#pragma once

#include <cctz/time_zone.h>

#include <cstdint>
#include <string_view>

#include "core/event.h"

namespace wardsoc {

struct SyslogParseOptions {
  const cctz::time_zone* zone = nullptr;  // for timestamps without a zone (RFC 3164); nullptr = UTC
  int64_t receive_time_us = 0;  // infers the year RFC 3164 timestamps lack; 0 = the clock now
};

// Parses one line (without its newline). `base` is the line's absolute offset in the
// batch arena: every Span written to *out is absolute (base + offset in line).
//
// Never fails: returns EventFlag bits (kEventHeaderMalformed when the line looked like
// syslog but the header did not parse) and always sets out->message. Accepted forms:
//  - RFC 5424: "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [BOM]MSG", NILVALUE "-";
//  - RFC 3164 with or without PRI: "<PRI>Mmm dd hh:mm:ss host app[pid]: msg", also
//    "Mmm  d", an optional year ("Mmm dd yyyy hh:mm:ss"), fractional seconds, a missing
//    host ("Mmm dd hh:mm:ss [app]: msg" or "... app: msg");
//  - an RFC 3339 timestamp instead of the BSD one, with or without PRI (rsyslog's
//    forward and file formats): "<PRI>2024-01-02T03:04:05.123+07:00 host app: msg".
// Anything else is format kNone with the whole line as message. When a header breaks
// off half way, the fields parsed so far are kept and the message is the rest of the
// line from where parsing stopped, so no byte of the line is ever hidden from rules.
uint32_t parse_syslog(std::string_view line, uint32_t base, const SyslogParseOptions& opts,
                      SyslogHeader* out);

// A timestamp standing alone, as JSON and key=value fields carry them: RFC 3339,
// "yyyy-mm-dd hh:mm:ss[.frac]" (with 'T' or a space; without a zone it is read in
// opts.zone) or BSD "Mmm dd [yyyy] hh:mm:ss". The whole text must be the timestamp.
bool parse_timestamp_text(std::string_view text, const SyslogParseOptions& opts, int64_t* us,
                          bool* has_zone);

}  // namespace wardsoc
