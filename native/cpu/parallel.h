// One kernel call's execution: its threads, cancellation and progress (fp4lab_exec). Threads are
// started per call and joined before it returns: calls share nothing, so two jobs from two
// JavaScript workers never wait on one another, and the cost (tens of microseconds) is small
// next to any matrix worth threading.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "fp4lab.h"

namespace fp4lab {

class Job {
 public:
  explicit Job(const fp4lab_exec* exec);

  // Threads this call may use (>= 1).
  int threads() const { return threads_; }

  bool cancelled() const { return cancel_ != nullptr && *cancel_ != 0; }

  // Progress is reported as done / total over the whole call, in units the kernel chooses.
  void set_total_work(int64_t units) { total_work_ = units > 0 ? units : 1; }
  void add_work(int64_t units);

  // Runs fn(task, worker) for every task in [0, ntasks), tasks handed out in order to at most
  // threads() workers (worker 0 is the calling thread; worker < threads()). Stops handing out
  // tasks once cancelled and returns false then. An exception thrown by fn (std::bad_alloc) is
  // rethrown here after every worker has stopped.
  bool parallel_for(int64_t ntasks, const std::function<void(int64_t task, int worker)>& fn);

 private:
  int threads_;
  const volatile int32_t* cancel_;
  void (*progress_)(void*, double);
  void* progress_user_;
  int64_t total_work_ = 1;
  std::atomic<int64_t> done_work_{0};
  std::mutex progress_mutex_;
  int32_t reported_permille_ = -1;
};

// Threads used when exec->threads is 0.
int hardware_threads();

}  // namespace fp4lab
