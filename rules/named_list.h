// Named lists (rules/lists/*.txt): allow-lists and watch-lists of IP addresses, networks
// and plain values (user names, hosts) that `where` conditions refer to by name, so a list
// is kept in one place and edited without touching the rules. Read once at load time into
// an immutable lookup; shared read-only by all threads through the RuleSet.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/ip_network.h"

namespace wardsoc {

struct NamedList {
  std::string name;  // the file name without ".txt": lists/trusted_admins.txt -> trusted_admins
  std::string file;
  std::unordered_set<std::string> values;  // entries that are not addresses, compared exactly
  std::vector<IpNetwork> networks;         // addresses (as /32, /128) and CIDR networks
  size_t entries = 0;
  std::string hash;  // 16 hex digits over the normalised entries: a rule's version covers it

  // True if `value` is one of the entries, or is an address inside one of the networks.
  bool contains(std::string_view value) const;
};

// One entry per line; '#' starts a comment (at the start of a line or after a space);
// blank lines are ignored; entries are trimmed. An entry with a '/' must be a valid CIDR
// network and one that looks like an address must be valid: a typo in an allow-list must
// not silently allow nothing (errors name file:line).
NamedList read_named_list(std::string_view text, std::string_view file, LoadReport* report);

// lists/trusted_admins.txt -> "trusted_admins".
std::string list_name_of(std::string_view path);

}  // namespace wardsoc
