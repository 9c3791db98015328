// Compile-time decoding of the compact table text in unicode_tables.cpp
// (written by tools/dev/gen_unicode_tables.py; its docstring has the format)
// into the constant arrays unicode.cpp searches. Each decoder is constexpr
// and is only called to initialize constexpr tables, so text that does not
// hold exactly N entries is a compile error, and at run time the tables are
// plain constant data (no decoding, no initialization order).
//
// Thread safety: constant data.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "jit/template/unicode.h"

namespace kjit::jit::detail::unicode_data {

// Reads the numbers of one table's text.
class TableText {
 public:
  constexpr explicit TableText(const char* text) : m_p(text) {}

  // A base64 varint: 5 data bits a character, lowest group first; 32 set
  // means another character follows.
  constexpr std::uint32_t next() {
    std::uint32_t value = 0;
    for (int shift = 0;; shift += 5) {
      std::uint32_t c = digit(*m_p++);
      value |= (c & 31u) << shift;
      if (!(c & 32u)) return value;
    }
  }
  constexpr std::int32_t next_signed() {
    std::uint32_t z = next();
    return static_cast<std::int32_t>(z >> 1) ^ -static_cast<std::int32_t>(z & 1u);
  }
  // Called once the table is decoded: the text must be used up.
  constexpr void finish() const {
    if (*m_p != '\0') throw "unicode table text holds more entries than its count";
  }

 private:
  static constexpr std::uint32_t digit(char c) {
    if (c >= 'A' && c <= 'Z') return static_cast<std::uint32_t>(c - 'A');
    if (c >= 'a' && c <= 'z') return static_cast<std::uint32_t>(c - 'a' + 26);
    if (c >= '0' && c <= '9') return static_cast<std::uint32_t>(c - '0' + 52);
    if (c == '+') return 62;
    if (c == '/') return 63;
    throw "unicode table text: not a base64 character (or fewer entries than its count)";
  }

  const char* m_p;
};

// N entries of type T, each read from `in` by read(in, entry); the text
// must hold exactly N.
template <class T, std::size_t N, class Read>
constexpr std::array<T, N> decode(const char* text, Read read) {
  TableText in(text);
  std::array<T, N> out{};
  for (auto& e : out) read(in, e);
  in.finish();
  return out;
}

// Range runs (CpRange) or mapping runs (CpMapRun, which add a delta): each is
// (gap after the previous run's last code point, (count - 1) * 2 + stride - 1).
template <class Run, std::size_t N>
constexpr std::array<Run, N> decode_runs(const char* text) {
  std::int64_t prev_last = -1;
  return decode<Run, N>(text, [&prev_last](TableText& in, Run& r) {
    r.first = static_cast<std::uint32_t>(prev_last + 1) + in.next();
    std::uint32_t shape = in.next();
    r.stride = (shape & 1u) + 1;
    r.last = r.first + (shape >> 1) * r.stride;
    if constexpr (requires { r.delta; }) r.delta = in.next_signed();
    prev_last = r.last;
  });
}

// Multi-character mappings: (gap after the previous entry's code point,
// kind * 4 + length, each output's offset from the code point).
template <std::size_t N>
constexpr std::array<CpMulti, N> decode_multi(const char* text) {
  std::uint32_t cp = 0;
  return decode<CpMulti, N>(text, [&cp](TableText& in, CpMulti& m) {
    m.cp = cp += in.next();
    std::uint32_t kind_and_length = in.next();
    m.kind = static_cast<std::uint8_t>(kind_and_length >> 2);
    m.n = static_cast<std::uint8_t>(kind_and_length & 3u);
    for (std::uint8_t i = 0; i < m.n; ++i) m.out[i] = static_cast<std::uint32_t>(std::int64_t{cp} + in.next_signed());
  });
}

// Ascending code points as gaps from the previous one (from 0).
template <std::size_t N>
constexpr std::array<std::uint32_t, N> decode_gaps(const char* text) {
  std::uint32_t value = 0;
  return decode<std::uint32_t, N>(text, [&value](TableText& in, std::uint32_t& v) { v = value += in.next(); });
}

}  // namespace kjit::jit::detail::unicode_data
