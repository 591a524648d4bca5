#include "safetensors.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace {

// Just enough JSON for a safetensors header: objects, arrays, strings, integers.
struct Json {
  enum Kind { Null, Number, String, Array, Object } kind = Null;
  double number = 0;
  std::string str;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;
};

struct Parser {
  const std::string& s;
  size_t i = 0;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) i++;
  }
  [[noreturn]] void bad(const char* what) { throw std::runtime_error(std::string("bad JSON header: ") + what); }
  std::string string() {
    if (s[i] != '"') bad("expected a string");
    i++;
    std::string out;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\') {
        i++;
        if (i >= s.size()) bad("escape");
        const char c = s[i];
        out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
      } else {
        out += s[i];
      }
      i++;
    }
    if (i >= s.size()) bad("unterminated string");
    i++;
    return out;
  }
  Json value() {
    ws();
    Json v;
    if (i >= s.size()) bad("end of input");
    if (s[i] == '{') {
      v.kind = Json::Object;
      i++;
      ws();
      if (s[i] == '}') {
        i++;
        return v;
      }
      for (;;) {
        ws();
        std::string k = string();
        ws();
        if (s[i] != ':') bad("expected ':'");
        i++;
        v.fields.emplace_back(k, value());
        ws();
        if (s[i] == ',') {
          i++;
          continue;
        }
        if (s[i] == '}') {
          i++;
          return v;
        }
        bad("expected ',' or '}'");
      }
    }
    if (s[i] == '[') {
      v.kind = Json::Array;
      i++;
      ws();
      if (s[i] == ']') {
        i++;
        return v;
      }
      for (;;) {
        v.items.push_back(value());
        ws();
        if (s[i] == ',') {
          i++;
          continue;
        }
        if (s[i] == ']') {
          i++;
          return v;
        }
        bad("expected ',' or ']'");
      }
    }
    if (s[i] == '"') {
      v.kind = Json::String;
      v.str = string();
      return v;
    }
    v.kind = Json::Number;
    char* end = nullptr;
    v.number = strtod(s.c_str() + i, &end);
    if (end == s.c_str() + i) bad("expected a value");
    i = end - s.c_str();
    return v;
  }
};

}  // namespace

const Tensor& Safetensors::at(const std::string& name) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) throw std::runtime_error("no tensor '" + name + "'");
  return it->second;
}

bool Safetensors::load(const std::string& path, std::string* error) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) {
    *error = "cannot open " + path;
    return false;
  }
  fseek(f, 0, SEEK_END);
  const long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  std::vector<uint8_t> all((size_t)size);
  const size_t got = fread(all.data(), 1, all.size(), f);
  fclose(f);
  if (got != all.size() || size < 8) {
    *error = "cannot read " + path;
    return false;
  }
  uint64_t n = 0;
  for (int k = 7; k >= 0; k--) n = (n << 8) | all[k];
  if (8 + n > all.size()) {
    *error = path + ": header runs past the end";
    return false;
  }
  try {
    std::string header(reinterpret_cast<const char*>(all.data() + 8), n);
    Parser p{header};
    Json root = p.value();
    const size_t data = 8 + n;
    for (auto& [name, v] : root.fields) {
      if (name == "__metadata__") {
        for (auto& [k, m] : v.fields) metadata[k] = m.str;
        continue;
      }
      Tensor t;
      int64_t begin = 0, end = 0;
      for (auto& [k, m] : v.fields) {
        if (k == "dtype") t.dtype = m.str;
        else if (k == "shape") for (auto& d : m.items) t.shape.push_back((int64_t)d.number);
        else if (k == "data_offsets") {
          begin = (int64_t)m.items.at(0).number;
          end = (int64_t)m.items.at(1).number;
        }
      }
      if (data + end > all.size() || end < begin) throw std::runtime_error("offsets of '" + name + "' out of range");
      t.bytes.assign(all.begin() + data + begin, all.begin() + data + end);
      tensors[name] = std::move(t);
    }
  } catch (const std::exception& e) {
    *error = path + ": " + e.what();
    return false;
  }
  return true;
}
