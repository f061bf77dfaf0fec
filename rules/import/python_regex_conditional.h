// Expands Python's conditionals `(?(name)yes|no)` into patterns without them: one pattern for
// each way the named groups can take part, in the order Python's matcher tries them, so the
// first that matches gives the fields. Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wardsoc {

// The patterns that together match what `py` matches (just `py` without conditionals). A
// group a conditional asks about must be optional (`(?P<g>...)?`) or a whole alternative
// (`(?P<g>...)|...`); in the pattern where it takes part, `(?(g)A|B)` becomes `(?:A)`, where
// it does not, `(?:B)`. An Error names what stands in the way.
Result<std::vector<std::string>> expand_python_conditionals(std::string_view py);

}  // namespace wardsoc
