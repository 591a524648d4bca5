#include "parallel.h"

#include <exception>
#include <thread>
#include <vector>

namespace fp4lab {

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

Job::Job(const fp4lab_exec* exec)
    : threads_(exec != nullptr && exec->threads > 0 ? exec->threads : hardware_threads()),
      cancel_(exec != nullptr ? exec->cancel : nullptr),
      progress_(exec != nullptr ? exec->progress : nullptr),
      progress_user_(exec != nullptr ? exec->progress_user : nullptr) {}

void Job::add_work(int64_t units) {
  const int64_t done = done_work_.fetch_add(units, std::memory_order_relaxed) + units;
  if (progress_ == nullptr) return;
  const int64_t clamped = done < total_work_ ? done : total_work_;
  const int32_t permille = static_cast<int32_t>(clamped * 1000 / total_work_);
  // Report each new tenth of a percent at most once; the lock keeps calls serial and increasing.
  if (permille <= reported_permille_) return;
  std::lock_guard<std::mutex> lock(progress_mutex_);
  if (permille <= reported_permille_) return;
  reported_permille_ = permille;
  progress_(progress_user_, permille / 1000.0);
}

bool Job::parallel_for(int64_t ntasks, const std::function<void(int64_t, int)>& fn) {
  if (ntasks <= 0) return !cancelled();
  std::atomic<int64_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::atomic<bool> failed{false};

  auto work = [&](int worker) {
    try {
      for (;;) {
        if (failed.load(std::memory_order_relaxed) || cancelled()) return;
        const int64_t task = next.fetch_add(1, std::memory_order_relaxed);
        if (task >= ntasks) return;
        fn(task, worker);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      failed.store(true);
    }
  };

  const int64_t wanted = ntasks < threads_ ? ntasks : threads_;
  std::vector<std::thread> helpers;
  helpers.reserve(static_cast<size_t>(wanted - 1));
  try {
    for (int w = 1; w < wanted; w++) helpers.emplace_back(work, w);
  } catch (...) {
    // Could not start a thread (resource limits): the threads already started and this one
    // finish the work.
  }
  work(0);
  for (auto& t : helpers) t.join();
  if (failure) std::rethrow_exception(failure);
  return !cancelled();
}

}  // namespace fp4lab
