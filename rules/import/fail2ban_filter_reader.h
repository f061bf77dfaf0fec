// Reads a fail2ban filter the way fail2ban does: the INI file with its [INCLUDES]
// before/after files (and the .local beside each), [DEFAULT]/[Definition]/[Init], %(name)s
// and <name> interpolation across all of them, and the multi-line failregex/ignoreregex
// lists, each regex with the file:line it was written at. Pure; safe from any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsoc {

// One regex of a fail2ban list, with its options substituted, and where it was written.
struct Fail2banRegex {
  std::string text;
  std::string file;
  int line = 0;
};

struct Fail2banFilter {
  std::string path;                            // the filter file as given
  std::string name;                            // its base name without .conf ("sshd")
  std::map<std::string, std::string> options;  // [Init] options in effect (mode, logtype, ...)
  std::vector<Fail2banRegex> failregex;
  std::vector<Fail2banRegex> ignoreregex;
  Fail2banRegex prefregex;  // empty text when the filter has none
  std::string datepattern;
  std::string journalmatch;
  int maxlines = 1;
  std::vector<std::string> files;  // every file read, in reading order
};

// Reads FILTER.conf with `overrides` as [Init] options given by a jail
// (filter = sshd[mode=aggressive]). Errors name file:line: a syntax error, a missing
// include, a circular include, an option that is referred to but not defined.
Result<Fail2banFilter> read_fail2ban_filter(const std::string& path,
                                            const std::map<std::string, std::string>& overrides);

// True for files that only hold shared definitions for other filters (no failregex in
// [Definition], like common.conf, or apache-common.conf).
bool is_fail2ban_include_only(const std::string& path);

}  // namespace wardsoc
