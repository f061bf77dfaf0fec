#include "rules/named_list.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/text.h"

namespace wardsoc {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Looks like an address someone meant to write: digits and dots only with three dots, or
// hex digits and colons with at least two colons.
bool looks_like_address(std::string_view s) {
  const size_t slash = s.find('/');
  const std::string_view a = s.substr(0, slash);
  if (a.empty()) return false;
  const bool v4ish =
      std::all_of(a.begin(), a.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) &&
      std::count(a.begin(), a.end(), '.') == 3;
  const bool v6ish = std::all_of(a.begin(), a.end(),
                                 [](char c) {
                                   return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                                          (c >= 'A' && c <= 'F') || c == ':' || c == '.';
                                 }) &&
                     std::count(a.begin(), a.end(), ':') >= 2;
  return v4ish || v6ish;
}

}  // namespace

bool NamedList::contains(std::string_view value) const {
  if (!values.empty() && values.count(std::string(value)) != 0) return true;
  if (networks.empty()) return false;
  const auto addr = parse_ip(value);
  if (!addr) return false;
  return std::any_of(networks.begin(), networks.end(),
                     [&](const IpNetwork& n) { return n.contains(*addr); });
}

std::string list_name_of(std::string_view path) {
  return std::filesystem::path(std::string(path)).stem().string();
}

NamedList read_named_list(std::string_view text, std::string_view file, LoadReport* report) {
  NamedList list;
  list.name = list_name_of(file);
  list.file = std::string(file);
  std::vector<std::string> normalised;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (const size_t hash = line.find('#');
        hash != std::string_view::npos &&
        (hash == 0 || line[hash - 1] == ' ' || line[hash - 1] == '\t')) {
      line = line.substr(0, hash);
    }
    const std::string_view entry = trim(line);
    if (entry.empty()) continue;
    ++list.entries;
    if (entry.find('/') != std::string_view::npos || looks_like_address(entry)) {
      std::string why;
      if (auto net = parse_network(entry, &why)) {
        normalised.push_back("net:" + std::string(entry));
        list.networks.push_back(std::move(*net));
        continue;
      }
      if (looks_like_address(entry)) {
        report->error(std::string(file), line_no, 1, "",
                      "list '" + list.name + "': invalid address or network '" +
                          std::string(entry) + "': " + why);
        continue;
      }
    }
    normalised.push_back("val:" + std::string(entry));
    list.values.emplace(entry);
  }
  // A file of comments only is a list left empty on purpose; a blank file is a mistake.
  const bool blank = text.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (list.entries == 0 && blank)
    report->warning(std::string(file), 0, 0, "", "list '" + list.name + "' is empty");
  std::sort(normalised.begin(), normalised.end());
  std::string all;
  for (const auto& n : normalised) {
    all += n;
    all += '\n';
  }
  list.hash = xxh3_hex(all);
  return list;
}

}  // namespace wardsoc
