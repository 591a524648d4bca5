// Filling fp4lab_error: a status plus one sentence that names the argument and what was expected.
#pragma once

#include <cstdarg>
#include <cstdio>

#include "fp4lab.h"

namespace fp4lab {

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
inline fp4lab_status set_error(fp4lab_error* err, fp4lab_status status, const char* format, ...) {
  if (err != nullptr) {
    va_list args;
    va_start(args, format);
    std::vsnprintf(err->message, sizeof err->message, format, args);
    va_end(args);
  }
  return status;
}

}  // namespace fp4lab
