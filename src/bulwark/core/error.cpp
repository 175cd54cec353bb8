#include "bulwark/core/error.hpp"

namespace bulwark {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kFailedPrecondition: return "failed_precondition";
    case ErrorCode::kInsufficientCapacity: return "insufficient_capacity";
    case ErrorCode::kOverflow: return "overflow";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

int exit_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 2;
    case ErrorCode::kNotFound: return 3;
    case ErrorCode::kAlreadyExists: return 4;
    case ErrorCode::kFailedPrecondition: return 5;
    case ErrorCode::kInsufficientCapacity: return 6;
    case ErrorCode::kOverflow: return 7;
    case ErrorCode::kConflict: return 8;
    case ErrorCode::kCorrupt: return 9;
    case ErrorCode::kUnavailable: return 10;
    case ErrorCode::kIo: return 11;
    case ErrorCode::kInternal: return 70;
  }
  return 70;
}

}  // namespace bulwark
