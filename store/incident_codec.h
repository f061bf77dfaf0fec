// How the store encodes the values of its families: incidents, evidence lines, outbox
// entries and dead letters, each a JSON object with a version field "v" so that `ldb`
// shows something a person can read and a later schema can tell old values apart.
// This is the storage format, not what sinks receive (see connectors/alert_json.h).
//
// Strings are stored as JSON strings when they are valid UTF-8. Raw log lines need not
// be (kEventInvalidUtf8), and evidence must keep their bytes untouched, so a string
// that is not valid UTF-8 is stored as {"b64": "<base64 of the bytes>"} instead.
//
// Decoders never throw; a value that does not decode is Errc::kCorruption, one written
// by a newer format version is Errc::kIncompatible. Callers add the key as context.
// All functions are pure and safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/incident.h"
#include "core/result.h"
#include "store/lifecycle.h"
#include "store/outbox.h"

namespace wardsoc {

inline constexpr int kIncidentFormatVersion = 1;
inline constexpr int kEvidenceFormatVersion = 1;
inline constexpr int kOutboxFormatVersion = 1;
inline constexpr int kDeadLetterFormatVersion = 1;
inline constexpr int kHistoryFormatVersion = 1;
inline constexpr int kAuditFormatVersion = 1;

std::string encode_incident(const Incident& incident);
Result<Incident> decode_incident(std::string_view value);

std::string encode_evidence(const Evidence& evidence);
Result<Evidence> decode_evidence(std::string_view value);

// `encoded_incident` is the output of encode_incident(), embedded as is, so a change
// fanned out to several sinks is encoded once.
std::string encode_outbox_value(IncidentChange::Kind kind, std::string_view encoded_incident,
                                int64_t enqueued_us);
// Fills everything but entry.seq, which lives in the key.
Result<OutboxEntry> decode_outbox_value(std::string_view value);

// `outbox_value` is the entry's stored outbox value, embedded verbatim.
std::string encode_dead_letter(std::string_view outbox_value, std::string_view reason,
                               int64_t dead_lettered_us);
Result<DeadLetter> decode_dead_letter(std::string_view value);

// A dead letter for an outbox value that does not decode: its bytes are kept (base64)
// so nothing is lost, and the queue moves on.
std::string encode_raw_dead_letter(std::string_view raw_value, std::string_view reason,
                                   int64_t dead_lettered_us);

std::string encode_history(const HistoryEntry& entry);
Result<HistoryEntry> decode_history(std::string_view value);

std::string encode_audit(const AuditEntry& entry);
Result<AuditEntry> decode_audit(std::string_view value);

// Helpers shared with the tests.
bool is_valid_utf8(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
bool base64_decode(std::string_view text, std::string* out);

}  // namespace wardsoc
