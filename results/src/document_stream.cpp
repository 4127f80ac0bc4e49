// Reading a result document as a stream: the JSON text goes through
// nlohmann's SAX parser a buffer at a time, each row of "benchmarks" is
// built, read into a Sample and dropped before the next one starts, and only
// the small parts (context, strategies, matrix, insns) are built whole. So
// neither the text nor its parse tree is ever held whole; what a document
// may hold is bounded by ReadLimits, refused beyond that with what to change.
#include "document_json_internal.hpp"

#include <pokebench/results/document_io.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>

namespace pokebench::results {

namespace {

using detail::json;

// Google Benchmark writes non-finite doubles as bare NaN / inf (the cv of an
// all-zero counter, for one), which is not JSON. The source turns them into
// null, which the reader treats as "no value", as the text streams past;
// `shifts` maps positions back to the original for error messages.
struct Replacement {
  std::size_t at;  // position in the rewritten text
  long delta;      // rewritten length minus original length
};

class NonFiniteFilter {
 public:
  // fill(buf, n): up to n more bytes of the original text, 0 at its end.
  explicit NonFiniteFilter(std::function<std::size_t(char*, std::size_t)> fill) : fill_(std::move(fill)) {}

  // The next byte of the rewritten text, or EOF.
  int next() {
    if (!pending_.empty()) return take_pending();
    if (!ensure(1)) return EOF;
    const char c = buf_[pos_];
    if (in_string_) {
      ++pos_;
      if (escape_)
        escape_ = false;
      else if (c == '\\')
        escape_ = true;
      else if (c == '"')
        in_string_ = false;
      return emit(c);
    }
    if (c == '"') {
      in_string_ = true;
      ++pos_;
      return emit(c);
    }
    if (may_start_token(c)) {
      static const char* const tokens[] = {"-Infinity", "Infinity", "-NaN", "NaN",  "-nan",
                                           "nan",       "-inf",     "inf",  "-INF", "INF"};
      ensure(kLongestToken + 1);
      for (const char* token : tokens) {
        const std::size_t len = std::strlen(token);
        if (len_ - pos_ < len || std::memcmp(&buf_[pos_], token, len) != 0) continue;
        if (len_ - pos_ > len && std::isalnum(static_cast<unsigned char>(buf_[pos_ + len]))) continue;
        shifts_.push_back({out_, 4 - static_cast<long>(len)});
        pos_ += len;
        pending_ = "null";
        return take_pending();
      }
    }
    ++pos_;
    return emit(c);
  }

  const std::vector<Replacement>& shifts() const { return shifts_; }

 private:
  static constexpr std::size_t kLongestToken = 9;  // "-Infinity"
  static constexpr std::size_t kBuffer = 1 << 16;

  // Whether a token may start at the unread byte c, from it and the byte after:
  // the tokens are compared only then (a '-' starts every negative number or
  // exponent, an 'n' every null).
  bool may_start_token(char c) {
    if (c != '-' && c != 'N' && c != 'n' && c != 'I' && c != 'i') return false;
    if (!ensure(2)) return false;  // the shortest token has three bytes
    const char d = buf_[pos_ + 1];
    if (c == '-') return d == 'I' || d == 'N' || d == 'n' || d == 'i';
    if (c == 'N' || c == 'n') return d == 'a';
    return d == 'n' || d == 'N';
  }
  int emit(char c) {
    ++out_;
    return static_cast<unsigned char>(c);
  }
  int take_pending() {
    const char c = pending_.front();
    pending_.erase(0, 1);
    return emit(c);
  }
  // At least n unread bytes in the buffer, unless the text ends first.
  bool ensure(std::size_t n) {
    if (len_ - pos_ >= n) return true;
    if (!eof_) {
      std::memmove(buf_.get(), &buf_[pos_], len_ - pos_);
      len_ -= pos_;
      pos_ = 0;
      while (!eof_ && len_ < n) {
        const std::size_t got = fill_(&buf_[len_], kBuffer - len_);
        if (got == 0) eof_ = true;
        len_ += got;
      }
    }
    return len_ - pos_ >= n;
  }

  std::function<std::size_t(char*, std::size_t)> fill_;
  std::unique_ptr<char[]> buf_ = std::make_unique<char[]>(kBuffer);
  std::size_t pos_ = 0, len_ = 0, out_ = 0;
  bool eof_ = false, in_string_ = false, escape_ = false;
  std::string pending_;
  std::vector<Replacement> shifts_;
};

// The filter as the input iterator nlohmann's parser reads.
class FilterIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  FilterIterator() = default;  // the end
  explicit FilterIterator(NonFiniteFilter* f) : f_(f) { advance(); }
  const char& operator*() const { return c_; }
  FilterIterator& operator++() {
    advance();
    return *this;
  }
  bool operator==(const FilterIterator& o) const { return f_ == o.f_; }
  bool operator!=(const FilterIterator& o) const { return f_ != o.f_; }

 private:
  void advance() {
    const int c = f_->next();
    if (c == EOF)
      f_ = nullptr;
    else
      c_ = static_cast<char>(c);
  }
  NonFiniteFilter* f_ = nullptr;
  char c_ = 0;
};

std::size_t original_position(std::size_t pos, const std::vector<Replacement>& shifts) {
  long delta = 0;
  for (const Replacement& r : shifts)
    if (r.at < pos) delta += r.delta;
  return static_cast<std::size_t>(static_cast<long>(pos) - delta);
}

// The document's events: rows of the root's "benchmarks" array go to the
// SampleReader one by one, every other root value is built into `root`.
class DocumentSax {
 public:
  DocumentSax(detail::SampleReader& rows, const ReadLimits& limits, const std::string& origin)
      : rows_(rows), limits_(limits), origin_(origin) {}

  bool null() {
    return value([](auto& b) { return b.null(); });
  }
  bool boolean(bool v) {
    return value([v](auto& b) { return b.boolean(v); });
  }
  bool number_integer(json::number_integer_t v) {
    return value([v](auto& b) { return b.number_integer(v); });
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return value([v](auto& b) { return b.number_unsigned(v); });
  }
  bool number_float(json::number_float_t v, const json::string_t& s) {
    return value([&](auto& b) { return b.number_float(v, s); });
  }
  bool string(json::string_t& v) {
    if (v.size() > limits_.max_string_bytes)
      throw InputError(origin_, "a string",
                       fmt::format("a string of {} bytes is longer than the limit of {} bytes per string; raise "
                                   "it with POKEBENCH_MAX_STRING_BYTES=N, or fix the file that produced it",
                                   v.size(), limits_.max_string_bytes));
    return value([&](auto& b) { return b.string(v); });
  }
  bool binary(json::binary_t&) { return false; }  // JSON text has none
  bool start_object(std::size_t n) {
    if (depth_++ == 0) return true;  // the root
    return container([n](auto& b) { return b.start_object(n); });
  }
  bool key(json::string_t& k) {
    if (builder_) return builder_->key(k);
    if (depth_ == 1) key_ = k;
    return true;
  }
  bool end_object() {
    return end([](auto& b) { return b.end_object(); });
  }
  bool start_array(std::size_t n) {
    if (depth_ == 0) {  // a root that is not an object: said after the parse
      root_type_ = "an array";
      return false;
    }
    ++depth_;
    if (depth_ == 2 && key_ == "benchmarks" && !builder_) {
      has_benchmarks_ = true;
      in_rows_ = true;
      return true;
    }
    return container([n](auto& b) { return b.start_array(n); });
  }
  bool end_array() {
    if (in_rows_ && depth_ == 2 && !builder_) {
      in_rows_ = false;
      --depth_;
      return true;
    }
    return end([](auto& b) { return b.end_array(); });
  }
  bool parse_error(std::size_t byte, const std::string&, const nlohmann::detail::exception& e) {
    error_byte_ = byte;
    error_id_ = e.id;
    error_what_ = e.what();
    return false;
  }

  json root = json::object();
  bool has_benchmarks_ = false;
  std::optional<std::size_t> error_byte_;
  int error_id_ = 0;
  std::string error_what_;
  const char* root_type_ = nullptr;

 private:
  using Builder = nlohmann::detail::json_sax_dom_parser<json>;

  // A scalar: into the value being built, or a value of its own.
  template <class Event>
  bool value(Event event) {
    if (depth_ == 0) {
      root_type_ = "a scalar";
      return false;
    }
    if (builder_) return event(*builder_);
    start_value();
    event(*builder_);
    finish_value();
    return true;
  }
  template <class Event>
  bool container(Event event) {
    if (!builder_) start_value();
    ++nested_;
    return event(*builder_);
  }
  template <class Event>
  bool end(Event event) {
    --depth_;
    if (!builder_) return true;  // the root's end
    const bool ok = event(*builder_);
    if (--nested_ == 0) finish_value();
    return ok;
  }
  void start_value() {
    built_ = json();
    builder_.emplace(built_, true);
  }
  void finish_value() {
    builder_.reset();
    if (in_rows_) {
      if (row_index_ >= limits_.max_rows)
        throw InputError(origin_, fmt::format("/benchmarks/{}", row_index_),
                         fmt::format("the document holds more than {} benchmark rows, the limit of one document; "
                                     "raise it with POKEBENCH_MAX_DOCUMENT_ROWS=N, or split the run",
                                     limits_.max_rows));
      rows_.add(built_, row_index_++);
    } else if (key_ == "benchmarks") {  // not an array: said after the parse
      has_benchmarks_ = true;
      root["benchmarks"] = std::move(built_);
    } else {
      root[key_] = std::move(built_);
    }
    built_ = json();
  }

  detail::SampleReader& rows_;
  const ReadLimits& limits_;
  const std::string& origin_;
  int depth_ = 0;         // containers open, the root's included
  int nested_ = 0;        // containers open inside the value being built
  bool in_rows_ = false;  // inside the root's "benchmarks" array
  std::size_t row_index_ = 0;
  std::string key_;
  json built_;
  std::optional<Builder> builder_;
};

// The line and column of byte `byte` of the original text, read again.
std::string line_and_column(const std::function<std::size_t(char*, std::size_t)>& refill, std::size_t byte) {
  std::size_t line = 1, column = 1, at = 0;
  char buf[1 << 14];
  for (std::size_t got; at + 1 < byte && (got = refill(buf, sizeof buf)) > 0;)
    for (std::size_t i = 0; i < got && at + 1 < byte; ++i, ++at) {
      if (buf[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
  return fmt::format("line {}, column {}", line, column);
}

// `open()` gives a fresh reader of the text from its start each time it is
// called (the parse, then the error position).
ResultDocument parse_stream(const std::function<std::function<std::size_t(char*, std::size_t)>()>& open,
                            const std::string& origin, const ReadLimits& limits) {
  ResultDocument doc;
  doc.origin = origin;
  detail::Reader r(origin);
  detail::SampleReader rows(r, doc);
  DocumentSax sax(rows, limits, origin);
  NonFiniteFilter filter(open());
  json::sax_parse(FilterIterator(&filter), FilterIterator(), &sax);
  if (sax.root_type_) r.fail("/", fmt::format("expected an object, found {}", sax.root_type_));
  if (sax.error_byte_) {
    std::string what = sax.error_what_;
    if (sax.error_id_ == 406) {  // a number too large for a double (1e999): nlohmann names no position
      if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
      throw InputError(origin, "a number", what + "; numbers must fit a double");
    }
    // nlohmann's message repeats the position we already give; keep what went wrong.
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    throw InputError(origin, line_and_column(open(), original_position(*sax.error_byte_, filter.shifts())),
                     "malformed JSON: " + what);
  }
  if (const json* b = r.find(sax.root, "benchmarks")) r.expect(*b, false, "/benchmarks", "an array");
  rows.finish();
  detail::read_document_parts(r, sax.root, sax.has_benchmarks_, doc);
  return doc;
}

std::size_t limit_from_environment(const char* name, std::size_t fallback) {
  const char* text = std::getenv(name);
  if (!text) return fallback;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (*text == '\0' || *end != '\0' || errno != 0 || v == 0 || *text == '-')
    throw InputError(name, "environment",
                     fmt::format("'{}' is not a positive whole number; unset it for the "
                                 "default ({}) or give one",
                                 text, fallback));
  return static_cast<std::size_t>(v);
}

}  // namespace

ReadLimits ReadLimits::from_environment() {
  ReadLimits l;
  l.max_rows = limit_from_environment("POKEBENCH_MAX_DOCUMENT_ROWS", l.max_rows);
  l.max_string_bytes = limit_from_environment("POKEBENCH_MAX_STRING_BYTES", l.max_string_bytes);
  return l;
}

ResultDocument parse_result_json(const std::string& text, const std::string& origin, const ReadLimits& limits) {
  return parse_stream(
      [&text] {
        return [&text, at = std::size_t{0}](char* buf, std::size_t n) mutable {
          const std::size_t k = std::min(n, text.size() - at);
          std::memcpy(buf, text.data() + at, k);
          at += k;
          return k;
        };
      },
      origin, limits);
}

ResultDocument read_result_file(const std::string& path, const ReadLimits& limits) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path, "file", "is a directory; give the result document (a .json file) inside it");
  std::vector<std::shared_ptr<std::FILE>> opened;
  const auto open = [&]() -> std::function<std::size_t(char*, std::size_t)> {
    std::shared_ptr<std::FILE> f(std::fopen(path.c_str(), "rb"), [](std::FILE* p) {
      if (p) std::fclose(p);
    });
    if (!f) throw InputError(path, "file", "cannot open for reading");
    opened.push_back(f);
    return [f, &path](char* buf, std::size_t n) {
      const std::size_t got = std::fread(buf, 1, n, f.get());
      if (got == 0 && std::ferror(f.get())) throw InputError(path, "file", "read error");
      return got;
    };
  };
  return parse_stream(open, path, limits);
}

}  // namespace pokebench::results
