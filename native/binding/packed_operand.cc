#include "packed_operand.h"

#include <string>

namespace fp4lab_binding {

PackedOperand parse_packed_operand(const Args& args, size_t index, const char* name, bool with_logical_shape) {
  const Napi::Object o = args.object(index, name);
  PackedOperand p;
  p.nvfp4 = args.choice(o, name, "fp4_format", {"nvfp4", "mxfp4"}) == 0;
  const int64_t block = p.nvfp4 ? 16 : 32;
  p.padded_rows = args.integer(o, name, "paddedRows", 128, int64_t{1} << 31);
  p.padded_cols = args.integer(o, name, "paddedCols", 4 * block, int64_t{1} << 31);
  if (p.padded_rows % 128 != 0 || p.padded_cols % (4 * block) != 0) {
    args.fail(std::string(name) + ": padded shape [" + std::to_string(p.padded_rows) + ", " + std::to_string(p.padded_cols) +
                  "] must be multiples of [128, " + std::to_string(4 * block) + "]",
              true);
  }
  if (with_logical_shape) {
    p.rows = args.integer(o, name, "rows", 1, p.padded_rows);
    p.cols = args.integer(o, name, "cols", 1, p.padded_cols);
  }
  const int64_t values = p.padded_rows * p.padded_cols;
  const Napi::TypedArray e2m1 = args.typed_array(o, name, "e2m1", napi_uint8_array, values / 2);
  const Napi::TypedArray sf = args.typed_array(o, name, "sf", napi_uint8_array, values / block);
  p.e2m1 = data_of<const uint8_t>(e2m1);
  p.sf = data_of<const uint8_t>(sf);
  p.normconst = static_cast<float>(args.number(o, name, "normconst"));
  p.e2m1_array = e2m1;
  p.sf_array = sf;
  return p;
}

}  // namespace fp4lab_binding
