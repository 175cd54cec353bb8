#pragma once
/// One call tree for a transaction, whatever tracer or node produced it.
///
/// Nodes describe what a transaction did in several shapes: go-ethereum's `callTracer` (nested frames,
/// optionally with logs; also served by erigon, reth and anvil), parity-style `trace_transaction` (a flat
/// list addressed by `traceAddress`), and the default struct-log tracer (one entry per opcode). Each parser
/// here turns its shape into the same Trace: frames in pre-order (a frame comes before its children,
/// children in execution order), so the subtree of frame i is the index range [i, frames[i].end).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bulwark/core/address.hpp"
#include "bulwark/core/error.hpp"
#include "bulwark/core/u256.hpp"

namespace bulwark::chain {

/// The EVM operation that opened a frame.
enum class CallKind : std::uint8_t {
  kCall,
  kStaticCall,
  kDelegateCall,
  kCallCode,
  kCreate,
  kCreate2,
  kSelfDestruct,
};

/// "CALL", "STATICCALL", ... (go-ethereum's spelling).
std::string_view to_string(CallKind kind);

/// An event log emitted inside a frame.
struct TraceLog {
  Address address;
  std::vector<Hash32> topics;
  std::uint32_t data_offset = 0;  ///< A Trace hex offset (see Trace::at).
  std::uint32_t data_size = 0;    ///< In bytes.
};

/// One call frame. Byte fields are kept as hex, where the trace's text has them, and decoded on demand
/// (Trace::input, Trace::word, ...): most of a trace's bytes are calldata no rule reads.
struct Frame {
  CallKind kind = CallKind::kCall;
  Address from;  ///< The account whose code made the call (the storage context, also under DELEGATECALL).
  Address to;    ///< The callee; for CREATE/CREATE2 the new contract; for SELFDESTRUCT the beneficiary.
  U256 value;    ///< Wei sent with the call (for DELEGATECALL: the inherited call value, not a transfer).
  std::uint32_t input_offset = 0, input_size = 0;    ///< A Trace hex offset (see Trace::at); size in bytes.
  std::uint32_t output_offset = 0, output_size = 0;  ///< Likewise.
  bool has_output = false;   ///< False when the tracer gave no output (null or missing).
  bool reverted = false;     ///< This frame ended in an error or revert.
  bool failed = false;       ///< This frame or one of its ancestors reverted: none of its effects persist.
  std::int32_t parent = -1;  ///< Index of the parent frame; -1 for the root.
  std::uint32_t depth = 0;   ///< 0 for the root.
  std::uint32_t end = 0;     ///< One past the last frame of this frame's subtree.
  std::uint32_t log_begin = 0, log_count = 0;  ///< Into Trace::logs.
  std::uint64_t gas_used = 0;
  std::uint32_t selector = 0;  ///< The input's first four bytes (0 when shorter), decoded once.
};

/// Trace JSON held for parsing in place: the text followed by the padding the JSON parser may read past
/// its end. The traces parsed from it share it and point into it for their hex (inputs, outputs, log
/// data) instead of copying it, so parsing the same held text again copies nothing. Immutable; cheap to
/// copy (shared); thread-safe to share between threads.
class TraceText {
 public:
  /// Bytes of padding kept after the text (simdjson's SIMDJSON_PADDING).
  static constexpr std::size_t kPadding = 64;

  TraceText() : TraceText(std::string()) {}
  /// Takes `text` and pads it: no copy when its capacity already has room for the padding, one otherwise.
  explicit TraceText(std::string text);
  /// Copies `text` into a padded buffer.
  static TraceText copy_of(std::string_view text);

  /// The JSON text, without the padding.
  std::string_view view() const { return {buf_->data(), size_}; }
  std::size_t size() const { return size_; }
  /// The shared buffer: the text, then kPadding bytes.
  const std::shared_ptr<const std::string>& buffer() const { return buf_; }

 private:
  std::shared_ptr<const std::string> buf_;
  std::size_t size_ = 0;
};

/// A transaction's call tree. Owns (or shares) its frames, logs and bytes; movable and copyable, not
/// thread-safe to mutate.
struct Trace {
  std::vector<Frame> frames;   ///< Pre-order; frames[0] is the transaction's own call.
  std::vector<TraceLog> logs;  ///< Every frame's logs, grouped by frame.
  /// The JSON text the trace was parsed from, shared with the TraceText it came from (null for parsers
  /// that copy every byte field into `hex`).
  std::shared_ptr<const std::string> source;
  /// Arena of byte fields that could not be read in place: validated hex digits (either case).
  std::string hex;
  bool has_logs = false;  ///< The tracer recorded logs (callTracer withLog, struct logs).

  /// Hex offsets (Frame::input_offset, ...) with this bit set index `hex`; others index `source`.
  static constexpr std::uint32_t kArenaBit = 0x80000000u;
  /// The characters at hex offset `offset`.
  const char* at(std::uint32_t offset) const {
    return offset & kArenaBit ? hex.data() + (offset & ~kArenaBit) : source->data() + offset;
  }

  /// The input's hex digits (no 0x), 2 per byte.
  std::string_view input_hex(const Frame& f) const {
    return {f.input_size ? at(f.input_offset) : "", 2 * std::size_t{f.input_size}};
  }
  /// The output's hex digits (no 0x).
  std::string_view output_hex(const Frame& f) const {
    return {f.output_size ? at(f.output_offset) : "", 2 * std::size_t{f.output_size}};
  }
  /// Decoded copies of a frame's input and output and of a log's data.
  std::vector<std::uint8_t> input(const Frame& f) const { return decode(f.input_offset, f.input_size); }
  std::vector<std::uint8_t> output(const Frame& f) const { return decode(f.output_offset, f.output_size); }
  std::vector<std::uint8_t> data(const TraceLog& l) const { return decode(l.data_offset, l.data_size); }
  /// The first four bytes of the input as a number (0 when the input is shorter).
  std::uint32_t selector(const Frame& f) const { return f.selector; }
  /// The 32-byte ABI word `i` after the selector into `out`; false past the end of the input.
  bool word(const Frame& f, std::size_t i, U256& out) const;
  /// The 32-byte word `i` of the output (no selector); false past its end.
  bool output_word(const Frame& f, std::size_t i, U256& out) const;
  /// The 32-byte word `i` of a log's data; false past its end.
  bool data_word(const TraceLog& l, std::size_t i, U256& out) const;
  /// True when frame `d` lies in the subtree of frame `a` (a frame is in its own subtree).
  bool within(std::size_t d, std::size_t a) const { return d >= a && d < frames[a].end; }

 private:
  std::vector<std::uint8_t> decode(std::uint32_t offset, std::uint32_t size) const;
  bool hex_word(std::uint32_t offset, std::uint32_t size, std::size_t skip, std::size_t i, U256& out) const;
};

/// Limits on what a parser accepts; input beyond them is an error, never a crash or unbounded memory.
struct ParseLimits {
  std::size_t max_frames = 2'000'000;
  std::size_t max_depth = 1'100;  ///< The EVM's own limit is 1024 nested calls.
};

/// Parses a go-ethereum `callTracer` result: one root frame object, or a JSON-RPC response whose
/// `result` is one (a JSON-RPC `error` is returned as kUnavailable with its message). Logs are read when
/// present (`withLog`). `value` and `gasUsed` may be hex strings or numbers.
/// Errors: kInvalidArgument for malformed or truncated JSON, a missing or malformed field, or input
/// beyond `limits`, with what was wrong and where (the frame's path).
Result<Trace> parse_call_trace(std::string_view json, const ParseLimits& limits = {});
/// The same, in place: the trace shares `json` instead of copying it.
Result<Trace> parse_call_trace(const TraceText& json, const ParseLimits& limits = {});

/// The widest vector kernels the parsers may use (for the hex checks of calldata, outputs and addresses):
/// the x86-64 baseline's SSE2, AVX2, or AVX-512BW.
enum class Kernels { kPortable, kAvx2, kAvx512 };
/// Lets the parsers use kernels up to `widest` (by default: the widest the CPU and the OS support), with
/// the same results whichever is used; for tests and comparisons. Returns the widest now in use, which is
/// never wider than the CPU has. Safe to call from any thread; a parse already running may see either.
Kernels use_kernels(Kernels widest);
/// Whether a callTracer trace is read first in one pass straight from its text (on by default), with
/// simdjson's On-Demand parse taking over on anything unusual (escapes, non-ASCII strings, numbers for
/// quantities, malformed input), or always through On-Demand; the tree or the error is the same either
/// way. For tests and comparisons. Returns the setting before. Safe to call from any thread; a parse
/// already running may see either.
bool use_direct_walk(bool on);
/// How many traces this thread has had read by the direct walk (the others went through On-Demand).
std::uint64_t direct_walk_reads();

/// Parses a parity-style `trace_transaction` result (a flat array of `{action, result, traceAddress,
/// type, subtraces, error}`), or a JSON-RPC response whose result is one, into the same tree.
Result<Trace> parse_parity_trace(std::string_view json, const ParseLimits& limits = {});

/// What the default struct-log tracer does not say about the transaction itself (from
/// eth_getTransactionByHash): the root frame's caller, callee (zero with `create`), value and input.
struct TxCall {
  Address from;
  Address to;
  bool create = false;
  U256 value;
  std::string input_hex;  ///< With or without 0x.
};

/// Rebuilds the call tree from the default struct-log tracer's result (`{failed, gas, returnValue,
/// structLogs: [{pc, op, gas, depth, stack, memory?}]}`, bare or in a JSON-RPC envelope), as geth,
/// erigon, hardhat, ganache and anvil (with --steps-tracing) give it: gas as a number or hex, stack words
/// with or without 0x, memory as 32-byte words or absent. Calls, creates and self-destructs open frames
/// (callee, value and calldata read from the stack and memory); a callee that runs no code is a leaf; a
/// call whose success flag comes back 0 is reverted; logs are read from LOG0..LOG4 when memory is
/// present. Without memory, inputs and log data are empty (flows from token calls cannot be seen).
/// Errors: as parse_call_trace.
Result<Trace> parse_struct_logs(std::string_view json, const TxCall& tx, const ParseLimits& limits = {});

/// Parses whichever of the shapes above `json` holds (an array or a `{"result": [...]}` is parity-style).
Result<Trace> parse_any_trace(std::string_view json, const ParseLimits& limits = {});
/// The same, in place for callTracer results: the trace shares `json` instead of copying it.
Result<Trace> parse_any_trace(const TraceText& json, const ParseLimits& limits = {});
/// The same, into `out`, whose buffers (frames, logs, hex) are reused: a caller parsing many traces in
/// turn allocates only for one larger than any before it. On an error `out` is left empty.
Status parse_any_trace_into(const TraceText& json, Trace& out, const ParseLimits& limits = {});

}  // namespace bulwark::chain
