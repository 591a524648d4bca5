// Large outputs are usually fresh memory (a new JS typed array): each 4 KiB page faults on its
// first write, and on virtualized machines a fault costs microseconds — a 64 MiB output took
// 30 ms of faults, 7 ms with transparent huge pages. This asks for huge pages on the range
// (Linux; advisory, a no-op elsewhere or when refused).
#pragma once

#include <cstddef>

namespace fp4lab {

void advise_output_pages(void* data, size_t bytes);

}  // namespace fp4lab
