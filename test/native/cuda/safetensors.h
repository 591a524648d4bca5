// A small safetensors reader and writer for the CUDA harness (test-only; the app's reader is
// app/tensors/safetensors.ts). Reads the whole file; tensors by name with dtype and shape.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

struct Tensor {
  std::string dtype;  // "F32", "BF16", "F16", "U8", "I16", ...
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

struct Safetensors {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
  bool load(const std::string& path, std::string* error);
  bool has(const std::string& name) const { return tensors.count(name) != 0; }
  const Tensor& at(const std::string& name) const;
};
