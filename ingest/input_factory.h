// make_input: the one place that turns an InputConfig into a ready-to-start Input, by an
// explicit table over the config alternatives (no registration: the list of inputs is
// this one table). Each input checks its own settings in its Open() (in its folder).
//
// Thread safety: a pure function of its arguments.
#pragma once

#include <memory>

#include "core/batch_queue.h"
#include "core/result.h"
#include "ingest/ingest_context.h"
#include "ingest/input.h"
#include "ingest/input_config.h"

namespace wardsoc {

// Validates the config (errors name the key: "zone: unknown time zone 'Asia/Hanoi2'",
// "tls.cert_file: ...") and builds the input; nothing is bound, opened or connected until
// Input::start(). Port 0 is valid and means any free port. `queue` must outlive the
// input; `context` gives the asset table and monitor shared by all inputs.
Result<std::unique_ptr<Input>> make_input(const InputConfig& cfg, BatchQueue& queue,
                                          const IngestContext& context = {});

}  // namespace wardsoc
