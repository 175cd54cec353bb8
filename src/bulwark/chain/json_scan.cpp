#include "bulwark/chain/json_scan.hpp"

#include <cstdint>
#include <cstring>
#include <string>

#include "bulwark/core/hex.hpp"
#include "bulwark/core/strings.hpp"

namespace bulwark::chain {
namespace {

constexpr bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// A cursor over JSON text. Every scan_* function leaves pos_ just past what it consumed.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skip_ws() {
    while (pos_ < text_.size() && is_ws(text_[pos_])) ++pos_;
  }

  /// An error for input that ends where `what` was expected.
  Error truncated(std::string_view what) const {
    return Error{ErrorCode::kCorrupt, "truncated JSON: the text ends at byte " +
                                          std::to_string(text_.size()) + " where " + std::string(what) +
                                          " was expected"};
  }

  /// An error for a wrong character at the cursor.
  Error malformed(std::string_view expected) const {
    if (at_end()) return truncated(expected);
    return Error{ErrorCode::kCorrupt, "malformed JSON at byte " + std::to_string(pos_) + ": expected " +
                                          std::string(expected) + ", got '" +
                                          printable_excerpt(text_.substr(pos_, 1)) + "'"};
  }

  /// Consumes `c` (after whitespace) or fails naming what was expected.
  Status expect(char c, std::string_view what) {
    skip_ws();
    if (at_end()) return std::unexpected(truncated(what));
    if (text_[pos_] != c) return std::unexpected(malformed(what));
    ++pos_;
    return {};
  }

  /// Scans a string literal starting at the cursor (which must be at '"').
  Status scan_string() {
    const std::size_t start = pos_;
    ++pos_;  // the opening quote
    const char* data = text_.data();
    const std::size_t n = text_.size();
    while (true) {
      // Fast path: run over ordinary characters.
      while (pos_ < n) {
        const auto c = static_cast<unsigned char>(data[pos_]);
        if (c == '"' || c == '\\' || c < 0x20) break;
        ++pos_;
      }
      if (pos_ >= n) return fail(ErrorCode::kCorrupt, truncated_string(start));
      const char c = data[pos_];
      if (c == '"') {
        ++pos_;
        return {};
      }
      if (c != '\\') {
        return fail(ErrorCode::kCorrupt, "malformed JSON at byte " + std::to_string(pos_) +
                                             ": unescaped control character in a string");
      }
      if (pos_ + 1 >= n) return fail(ErrorCode::kCorrupt, truncated_string(start));
      const char e = data[pos_ + 1];
      if (e == 'u') {
        if (pos_ + 6 > n) return fail(ErrorCode::kCorrupt, truncated_string(start));
        for (std::size_t i = 2; i < 6; ++i) {
          if (hex_digit_value(data[pos_ + i]) < 0) {
            return fail(ErrorCode::kCorrupt, "malformed JSON at byte " + std::to_string(pos_) +
                                                 ": \\u must be followed by four hex digits");
          }
        }
        pos_ += 6;
      } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                 e == 't') {
        pos_ += 2;
      } else {
        return fail(ErrorCode::kCorrupt, "malformed JSON at byte " + std::to_string(pos_) +
                                             ": invalid escape '\\" +
                                             printable_excerpt(std::string_view(&e, 1)) + "'");
      }
    }
  }

  /// Scans a number (RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?).
  Status scan_number() {
    const std::size_t n = text_.size();
    if (pos_ < n && text_[pos_] == '-') ++pos_;
    if (pos_ >= n) return std::unexpected(truncated("a digit"));
    if (text_[pos_] == '0') {
      ++pos_;
    } else if (is_digit(text_[pos_])) {
      while (pos_ < n && is_digit(text_[pos_])) ++pos_;
    } else {
      return std::unexpected(malformed("a digit"));
    }
    if (pos_ < n && text_[pos_] == '.') {
      ++pos_;
      if (pos_ >= n) return std::unexpected(truncated("a digit after '.'"));
      if (!is_digit(text_[pos_])) return std::unexpected(malformed("a digit after '.'"));
      while (pos_ < n && is_digit(text_[pos_])) ++pos_;
    }
    if (pos_ < n && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < n && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (pos_ >= n) return std::unexpected(truncated("an exponent digit"));
      if (!is_digit(text_[pos_])) return std::unexpected(malformed("an exponent digit"));
      while (pos_ < n && is_digit(text_[pos_])) ++pos_;
    }
    return {};
  }

  /// Scans `word` (true, false, null) at the cursor.
  Status scan_literal(std::string_view word) {
    const std::string_view rest = text_.substr(pos_);
    if (rest.size() < word.size()) {
      if (word.starts_with(rest)) return std::unexpected(truncated(concat("'", word, "'")));
      return std::unexpected(malformed("a JSON value"));
    }
    if (rest.substr(0, word.size()) != word) return std::unexpected(malformed("a JSON value"));
    pos_ += word.size();
    return {};
  }

  /// Scans one scalar value at the cursor (string, number, true, false, null).
  Status scan_scalar() {
    switch (text_[pos_]) {
      case '"': return scan_string();
      case 't': return scan_literal("true");
      case 'f': return scan_literal("false");
      case 'n': return scan_literal("null");
      default:
        if (text_[pos_] == '-' || is_digit(text_[pos_])) return scan_number();
        return std::unexpected(malformed("a JSON value"));
    }
  }

  /// Scans one complete value of any kind at the cursor (leading whitespace skipped), iteratively.
  Status scan_value() {
    // One entry per open container: true for an object, false for an array.
    std::vector<bool> open;
    while (true) {
      // Here a value is expected.
      skip_ws();
      if (at_end()) return std::unexpected(truncated("a JSON value"));
      const char c = text_[pos_];
      bool value_done = false;
      if (c == '{' || c == '[') {
        if (open.size() >= kMaxJsonDepth) {
          return fail(ErrorCode::kCorrupt, "JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                               " levels at byte " + std::to_string(pos_));
        }
        ++pos_;
        skip_ws();
        if (at_end()) return std::unexpected(truncated(c == '{' ? "a key or '}'" : "a value or ']'"));
        if (text_[pos_] == (c == '{' ? '}' : ']')) {
          ++pos_;
          value_done = true;
        } else {
          open.push_back(c == '{');
          if (c == '{') {
            BULWARK_CHECK(scan_key());
            continue;
          }
          continue;
        }
      } else {
        BULWARK_CHECK(scan_scalar());
        value_done = true;
      }
      // After a value: close containers or move to the next member/element.
      while (value_done) {
        if (open.empty()) return {};
        skip_ws();
        const bool in_object = open.back();
        if (at_end()) return std::unexpected(truncated(in_object ? "',' or '}'" : "',' or ']'"));
        const char d = text_[pos_];
        if (d == ',') {
          ++pos_;
          if (in_object) BULWARK_CHECK(scan_key());
          value_done = false;
        } else if (d == (in_object ? '}' : ']')) {
          ++pos_;
          open.pop_back();
        } else {
          return std::unexpected(malformed(in_object ? "',' or '}'" : "',' or ']'"));
        }
      }
    }
  }

  /// Scans `"key" :` at the cursor (leading whitespace skipped).
  Status scan_key() {
    skip_ws();
    if (at_end()) return std::unexpected(truncated("an object key"));
    if (text_[pos_] != '"') return std::unexpected(malformed("an object key (a string)"));
    BULWARK_CHECK(scan_string());
    return expect(':', "':'");
  }

  /// Fails unless only whitespace is left.
  Status expect_end() {
    skip_ws();
    if (!at_end()) {
      return fail(ErrorCode::kCorrupt, "malformed JSON at byte " + std::to_string(pos_) +
                                           ": unexpected text after the value: '" +
                                           printable_excerpt(text_.substr(pos_), 20) + "'");
    }
    return {};
  }

  std::string_view slice(std::size_t from, std::size_t to) const { return text_.substr(from, to - from); }

 private:
  std::string truncated_string(std::size_t start) const {
    return "truncated JSON: the text ends at byte " + std::to_string(text_.size()) +
           " inside the string that starts at byte " + std::to_string(start);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::uint32_t hex4(std::string_view s) {
  std::uint32_t v = 0;
  for (const char c : s.substr(0, 4)) v = v * 16 + static_cast<std::uint32_t>(hex_digit_value(c));
  return v;
}

}  // namespace

Status json_validate(std::string_view json) {
  Scanner s(json);
  BULWARK_CHECK(s.scan_value());
  return s.expect_end();
}

Result<std::vector<JsonMember>> json_object_members(std::string_view json) {
  Scanner s(json);
  BULWARK_CHECK(s.expect('{', "a JSON object ('{')"));
  std::vector<JsonMember> members;
  s.skip_ws();
  if (!s.at_end() && s.peek() == '}') {
    s.expect('}', "'}'").value();
    BULWARK_CHECK(s.expect_end());
    return members;
  }
  while (true) {
    s.skip_ws();
    if (s.at_end()) return std::unexpected(s.truncated("an object key"));
    if (s.peek() != '"') return std::unexpected(s.malformed("an object key (a string)"));
    const std::size_t key_start = s.pos();
    BULWARK_CHECK(s.scan_string());
    BULWARK_TRY(key, json_unescape_string(s.slice(key_start, s.pos())));
    BULWARK_CHECK(s.expect(':', "':'"));
    s.skip_ws();
    const std::size_t value_start = s.pos();
    BULWARK_CHECK(s.scan_value());
    members.push_back(JsonMember{std::move(key), s.slice(value_start, s.pos())});
    s.skip_ws();
    if (s.at_end()) return std::unexpected(s.truncated("',' or '}'"));
    if (s.peek() == ',') {
      BULWARK_CHECK(s.expect(',', "','"));
      continue;
    }
    BULWARK_CHECK(s.expect('}', "',' or '}'"));
    break;
  }
  BULWARK_CHECK(s.expect_end());
  return members;
}

Result<std::vector<std::string_view>> json_array_elements(std::string_view json) {
  Scanner s(json);
  BULWARK_CHECK(s.expect('[', "a JSON array ('[')"));
  std::vector<std::string_view> elements;
  s.skip_ws();
  if (!s.at_end() && s.peek() == ']') {
    s.expect(']', "']'").value();
    BULWARK_CHECK(s.expect_end());
    return elements;
  }
  while (true) {
    s.skip_ws();
    const std::size_t start = s.pos();
    BULWARK_CHECK(s.scan_value());
    elements.push_back(s.slice(start, s.pos()));
    s.skip_ws();
    if (s.at_end()) return std::unexpected(s.truncated("',' or ']'"));
    if (s.peek() == ',') {
      BULWARK_CHECK(s.expect(',', "','"));
      continue;
    }
    BULWARK_CHECK(s.expect(']', "',' or ']'"));
    break;
  }
  BULWARK_CHECK(s.expect_end());
  return elements;
}

Result<std::string> json_unescape_string(std::string_view literal) {
  Scanner s(literal);
  if (literal.empty() || literal.front() != '"') {
    return fail(ErrorCode::kCorrupt,
                "malformed JSON: expected a string, got '" + printable_excerpt(literal, 20) + "'");
  }
  BULWARK_CHECK(s.scan_string());
  if (s.pos() != literal.size()) {
    return fail(ErrorCode::kCorrupt,
                "malformed JSON: text after the string at byte " + std::to_string(s.pos()));
  }
  // The literal is valid: decode it.
  const std::string_view body = literal.substr(1, literal.size() - 2);
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    const char e = body[++i];
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        std::uint32_t cp = hex4(body.substr(i + 1));
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < body.size() && body[i + 1] == '\\' &&
            body[i + 2] == 'u') {
          const std::uint32_t lo = hex4(body.substr(i + 3));
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        // A lone surrogate cannot be written as UTF-8: substitute U+FFFD.
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        append_utf8(out, cp);
        break;
      }
      default: out.push_back(e); break;  // '"', '\\', '/'
    }
  }
  return out;
}

std::string json_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

char json_first_char(std::string_view json) {
  for (const char c : json) {
    if (!is_ws(c)) return c;
  }
  return '\0';
}

}  // namespace bulwark::chain
