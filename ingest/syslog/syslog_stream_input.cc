#include "ingest/syslog/syslog_stream_input.h"

namespace wardsoc {

SyslogStreamInput::SyslogStreamInput(const InputCommon& common, const StreamServerOptions& options,
                                     BatchQueue& queue, const cctz::time_zone& zone,
                                     const IngestContext& context)
    : name_(common.name), server_(common, options, queue, zone, context, &counters_) {}

SyslogStreamInput::~SyslogStreamInput() { stop(); }

}  // namespace wardsoc
