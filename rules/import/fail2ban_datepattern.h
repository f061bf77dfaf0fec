// fail2ban's `datepattern` (strftime directives such as %Y, %b, %ExY inside a Python regex,
// with {^LN-BEG}, {UNB} and {DATE}) as an RE2 pattern for the timestamp fail2ban cuts out
// of a line before its failregex sees it, so an imported pattern can allow for it.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace wardsoc {

struct Fail2banDatePattern {
  // RE2 alternatives for the timestamps fail2ban cuts out at the start of the line or
  // where the failregex writes \[\], joined with '|'; empty when there are none.
  std::string leading;
  // The same alternatives one by one, each once (`leading` is them joined).
  std::vector<std::string> alternatives;
  // fail2ban's EPOCH template (without {^LN-BEG} or ^) also cuts the epoch out right after
  // "audit(" (auditd's "msg=audit(1373330717.000:4070)"): the RE2 form of that epoch, to
  // allow for after "audit\(" in a failregex; empty otherwise.
  std::string after_audit;
  // Alternatives that cut the timestamp out after other text the failregex still sees, or
  // that do not translate: what stands in the way, one each.
  std::vector<std::string> not_allowed_for;
};

// `default_date` is the RE2 pattern {DATE} stands for (fail2ban's default templates).
Fail2banDatePattern translate_fail2ban_datepattern(const std::string& datepattern,
                                                   const std::string& default_date);

}  // namespace wardsoc
