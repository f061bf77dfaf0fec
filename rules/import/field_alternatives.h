// Splits an RE2 pattern whose alternatives fill the same field under different group names
// (src_ip in one branch, src_ip_2 in the other: RE2 names must be unique) into one pattern
// per alternative, each naming the field once as itself. Pure; safe from any thread.
#pragma once

#include <string>
#include <vector>

namespace wardsoc {

// `re` names repeated fields `name`, `name_2`, `name_3`, ... (as the fail2ban importer does).
// Returns the patterns that together match what `re` matches: `re` alone when no alternation
// separates two groups of one field, or when splitting would give more than `max_patterns`.
// A group that still follows another of its field in sequence keeps its numbered name.
std::vector<std::string> split_field_alternatives(const std::string& re, size_t max_patterns = 16);

}  // namespace wardsoc
