#pragma once
/// Errors as values: every fallible call in the library returns Result<T>.

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace bulwark {

/// What went wrong, coarse enough to map onto an exit code or an HTTP status.
enum class ErrorCode {
  kInvalidArgument,     ///< The caller's input is malformed or out of range.
  kNotFound,            ///< A named entity does not exist.
  kAlreadyExists,       ///< An entity with that key already exists.
  kFailedPrecondition,  ///< The request is well formed but the state forbids it (not on sale, locked stake).
  kInsufficientCapacity,  ///< Not enough capacity to sell the cover asked for.
  kOverflow,              ///< Arithmetic would leave the 256-bit range or go below zero.
  kConflict,              ///< A concurrent writer got there first; retrying may succeed.
  kCorrupt,               ///< Stored data fails an integrity check (journal hash, balances).
  kUnavailable,           ///< A backend (database, node) cannot be reached.
  kIo,                    ///< A file or socket operation failed.
  kInternal,              ///< A bug: an invariant the code relies on does not hold.
};

/// A short stable name for the code ("invalid_argument", ...), used in JSON output.
std::string_view to_string(ErrorCode code);

/// The process exit status a command-line front end uses for the code (never 0).
int exit_code(ErrorCode code);

/// An error: a code and a message saying what was wrong, in words a user can act on.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

/// Builds the unexpected value of a Result: `return fail(ErrorCode::kNotFound, "no product 7");`
inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

/// Adds context in front of an error's message, keeping its code.
inline Error with_context(Error e, std::string_view context) {
  e.message = std::string(context) + ": " + e.message;
  return e;
}

/// Unwraps a Result inside a function returning Result/Status, propagating the error.
#define BULWARK_TRY(var, expr)                                                  \
  auto var##_result_ = (expr);                                                  \
  if (!var##_result_) return std::unexpected(std::move(var##_result_.error())); \
  auto var = std::move(*var##_result_)

#define BULWARK_CONCAT_INNER_(a, b) a##b
#define BULWARK_CONCAT_(a, b) BULWARK_CONCAT_INNER_(a, b)

/// Propagates the error of a Status- or Result-returning expression.
#define BULWARK_CHECK(expr) BULWARK_CHECK_IMPL_(BULWARK_CONCAT_(bulwark_status_, __COUNTER__), expr)
#define BULWARK_CHECK_IMPL_(name, expr)                         \
  do {                                                          \
    auto name = (expr);                                         \
    if (!name) return std::unexpected(std::move(name.error())); \
  } while (false)

}  // namespace bulwark
