// key=value bodies, as firewalls, NVRs and cameras write them:
//   date=2024-05-01 time=10:00:00 devname="FGT-Phuong" type="traffic" action="deny" ...
// for_each_kv() (core/kv_pairs.h) splits the pairs; kv_fields() finds the header fields wardsoc
// knows among them (host, time). The message itself stays the whole body, so rules match
// "action=deny" as written.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/kv_pairs.h"
#include "ingest/body_fields.h"
#include "ingest/syslog_parser.h"

namespace wardsoc {

// Header fields among the pairs: host from devname/device_name/hostname/host/dvchost,
// time from date+time (with Fortinet's tz="+0700"), eventtime (epoch s/ms/us/ns),
// timestamp/ts/time when they hold a whole date. Returns the number of pairs; fewer than
// two means the body is not key=value and *out is left empty.
size_t kv_fields(std::string_view body, const SyslogParseOptions& opts, BodyFields* out);

}  // namespace wardsoc
