// The packed FP4 operand both bindings take from JS: { fp4_format, paddedRows, paddedCols, e2m1,
// sf, normconst } (and rows, cols where the library wants the logical shape), checked once here;
// cpu_binding and cuda_binding copy it into their own C structs.
#pragma once

#include <napi.h>

#include <cstdint>

#include "args.h"

namespace fp4lab_binding {

struct PackedOperand {
  bool nvfp4 = true;
  int64_t padded_rows = 0;
  int64_t padded_cols = 0;
  int64_t rows = 0;  // logical shape: only with with_logical_shape (else 0)
  int64_t cols = 0;
  const uint8_t* e2m1 = nullptr;
  const uint8_t* sf = nullptr;
  float normconst = 0.0f;
  // The arrays the job keeps alive while the kernel reads them.
  Napi::Object e2m1_array;
  Napi::Object sf_array;
};

// Argument `index`, named `name` in messages: the padded shape must be whole 128-row x 4-block
// tiles, e2m1 and sf Uint8Arrays of exactly the sizes it implies.
PackedOperand parse_packed_operand(const Args& args, size_t index, const char* name, bool with_logical_shape);

}  // namespace fp4lab_binding
