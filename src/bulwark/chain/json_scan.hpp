#pragma once
/// A validating JSON scanner that locates values without building a document: it returns views of
/// the raw JSON text of object members and array elements, so a caller can hand a multi-megabyte
/// value to a fast parser (simdjson) without a second copy or a DOM of the whole body.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bulwark/core/error.hpp"

namespace bulwark::chain {

/// The deepest nesting of arrays and objects accepted. An EVM call tree is at most 1024 frames deep
/// and a call-tracer frame adds two levels (an object and its "calls" array), so real traces stay
/// far below this; deeper input is rejected with an error instead of being walked.
inline constexpr std::size_t kMaxJsonDepth = 4096;

/// One member of a JSON object: its key, unescaped, and a view of the raw JSON text of its value.
struct JsonMember {
  std::string key;         ///< The key with escapes decoded (UTF-8).
  std::string_view value;  ///< The value's JSON text, without surrounding whitespace; a view into the input.
};

/// Checks that `json` is exactly one well-formed JSON value (RFC 8259 grammar; surrounding whitespace
/// allowed; UTF-8 inside strings is not checked) nested at most kMaxJsonDepth deep. Iterative: no
/// recursion, memory bounded by the depth. Errors: kCorrupt, with a message that says whether the text
/// is truncated (ends inside a value) or malformed, and at which byte offset.
Status json_validate(std::string_view json);

/// The members of the JSON object that `json` holds, in document order (duplicate keys are kept).
/// Every value is validated as by json_validate. The views point into `json`, which must outlive them.
/// Errors: kCorrupt when `json` is not one well-formed object (truncated, malformed, too deep).
Result<std::vector<JsonMember>> json_object_members(std::string_view json);

/// The elements of the JSON array that `json` holds, as views of their raw JSON text, in order.
/// Validated as by json_validate; the views point into `json`. Errors: kCorrupt when `json` is not one
/// well-formed array.
Result<std::vector<std::string_view>> json_array_elements(std::string_view json);

/// The text of a JSON string literal (with its quotes) decoded: escapes resolved, \uXXXX and surrogate
/// pairs written as UTF-8. Errors: kCorrupt when `literal` is not exactly one valid string literal.
Result<std::string> json_unescape_string(std::string_view literal);

/// `s` as a JSON string literal: quoted, with '"', '\\' and control characters escaped.
std::string json_quote(std::string_view s);

/// The first non-whitespace character of `json`, or '\0' when it has none. Cheap; validates nothing.
char json_first_char(std::string_view json);

}  // namespace bulwark::chain
