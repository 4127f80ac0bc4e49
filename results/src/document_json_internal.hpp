// Shared by the document readers (document_json.cpp: the fields of each
// part; document_stream.cpp: the streaming parse that hands them over).
#pragma once

#include <pokebench/results/document.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <set>
#include <string>

namespace pokebench::results::detail {

using nlohmann::json;

inline const char* type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    default:
      return "something else";
  }
}

// Field access that names the JSON pointer of whatever is wrong.
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& place, const std::string& problem) const {
    throw InputError(origin_, place.empty() ? "/" : place, problem);
  }

  const json* find(const json& obj, const char* key) const {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  const json& require(const json& obj, const std::string& ptr, const char* key) const {
    const json* v = find(obj, key);
    if (!v) fail(ptr + "/" + key, "missing required field");
    return *v;
  }
  void expect(const json& v, bool ok, const std::string& ptr, const char* wanted) const {
    if (!ok) fail(ptr, fmt::format("expected {}, found {}", wanted, type_name(v)));
  }
  // Every string a document gives (names, context) ends up in tables, HTML and
  // gnuplot scripts, where a newline or escape ends a quoted string: control
  // characters are refused here, with the value shown escaped.
  std::string string_at(const json& v, const std::string& ptr) const {
    expect(v, v.is_string(), ptr, "a string");
    std::string s = v.get<std::string>();
    for (const char c : s)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        fail(ptr, fmt::format("the string {} contains a control character (U+{:04X}); names and context values must "
                              "be printable: fix the file that produced it",
                              json(s).dump(), static_cast<unsigned>(static_cast<unsigned char>(c))));
    return s;
  }
  double number_at(const json& v, const std::string& ptr) const {
    expect(v, v.is_number(), ptr, "a number");
    return v.get<double>();
  }
  std::int64_t integer_at(const json& v, const std::string& ptr) const {
    expect(v, v.is_number_integer() || v.is_number_unsigned(), ptr, "an integer");
    return v.get<std::int64_t>();
  }
  // Required fields: present, of the type.
  std::string req_string(const json& obj, const std::string& ptr, const char* key) const {
    return string_at(require(obj, ptr, key), ptr + "/" + key);
  }
  double req_number(const json& obj, const std::string& ptr, const char* key) const {
    return number_at(require(obj, ptr, key), ptr + "/" + key);
  }
  std::int64_t req_integer(const json& obj, const std::string& ptr, const char* key) const {
    return integer_at(require(obj, ptr, key), ptr + "/" + key);
  }
  // An array of objects: each(object, its pointer) for every element, in order.
  template <class Each>
  void for_each_object(const json& array, const std::string& ptr, Each each) const {
    expect(array, array.is_array(), ptr, "an array");
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string at = fmt::format("{}/{}", ptr, i);
      expect(array[i], array[i].is_object(), at, "an object");
      each(array[i], at);
    }
  }
  // Optional fields: absent or null is fine, a wrong type is a mistake worth stopping for.
  void opt_string(const json& obj, const std::string& ptr, const char* key, std::string& out) const {
    if (const json* v = find(obj, key); v && !v->is_null()) out = string_at(*v, ptr + "/" + key);
  }
  void opt_int(const json& obj, const std::string& ptr, const char* key, std::int64_t& out) const {
    if (const json* v = find(obj, key); v && !v->is_null()) out = integer_at(*v, ptr + "/" + key);
  }
  void opt_bool(const json& obj, const std::string& ptr, const char* key, std::optional<bool>& out) const {
    if (const json* v = find(obj, key); v && !v->is_null()) {
      expect(*v, v->is_boolean(), ptr + "/" + key, "a boolean");
      out = v->get<bool>();
    }
  }

 private:
  std::string origin_;
};

// The rows of "benchmarks", one at a time as the parse reaches them (so no
// document is ever held whole): each becomes a Sample of `doc`, or a
// warning; finish() adds what only the whole array tells.
class SampleReader {
 public:
  SampleReader(const Reader& reader, ResultDocument& doc) : reader_(reader), doc_(doc) {}
  void add(const json& row, std::size_t index);
  void finish();

 private:
  const Reader& reader_;
  ResultDocument& doc_;
  std::map<std::string, int> seen_;  // repetitions counted when the producer omits the index
  std::set<std::string> aggregated_;
};

// Every part of the document but its rows, from `root` (the document with
// "benchmarks" left out; `has_benchmarks`: the document had that key).
void read_document_parts(const Reader& r, const json& root, bool has_benchmarks, ResultDocument& doc);

}  // namespace pokebench::results::detail
