// Which instruction sets this CPU and OS support, and the level a call runs at.
#pragma once

#include "fp4lab.h"

namespace fp4lab {

// The best level this machine supports (cpuid + the OS saving the vector state).
fp4lab_isa detected_isa();

// AUTO -> detected_isa(); a forced level must be supported. Returns FP4LAB_OK or
// FP4LAB_UNSUPPORTED / FP4LAB_INVALID_ARGUMENT with a sentence in err.
fp4lab_status resolve_isa(fp4lab_isa requested, fp4lab_isa* resolved, fp4lab_error* err);

}  // namespace fp4lab
