// One kernel call as a Promise: the kernel runs on a libuv worker thread (the JS thread never
// blocks), reports progress to an optional JS callback, stops when the JS side sets its cancel
// flag (an Int32Array the AbortSignal writes), and settles with a value or an Error carrying a
// `code`. Backend-neutral: the cpu part uses it now and a cuda part can use it unchanged.
#pragma once

#include <napi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "args.h"

namespace fp4lab_binding {

// The `job` argument every kernel call takes: { threads?, isa?, cancel?: Int32Array, onProgress? }.
struct JobOptions {
  int32_t threads = 0;  // 0 = every core
  int isa = 0;          // index into the ISA names the backend accepts; 0 = auto
  Napi::TypedArray cancel;
  Napi::Function on_progress;
};

// `isa_names` lists the accepted `isa` strings, "auto" first.
JobOptions parse_job_options(const Args& args, size_t index, std::initializer_list<const char*> isa_names);

// What a kernel sees of its job while it runs (on a worker thread).
struct JobControl {
  int32_t threads;
  int isa;
  const volatile int32_t* cancel;         // may be NULL
  void (*progress)(void* user, double);   // may be NULL
  void* progress_user;
};

struct JobOutcome {
  bool ok = true;
  std::string code;     // e.g. INVALID_ARGUMENT, NON_FINITE, CANCELLED, OUT_OF_MEMORY
  std::string message;
};

class KernelJob : public Napi::AsyncProgressWorker<double> {
 public:
  using Run = std::function<JobOutcome(const JobControl&)>;
  using MakeResult = std::function<Napi::Value(Napi::Env)>;

  // Queues the job and returns its promise. `keep_alive` are the JS objects (typed arrays) the
  // kernel reads or writes: referenced until the job settles so the GC cannot free them.
  static Napi::Promise Start(const Args& args, const JobOptions& options, std::vector<Napi::Object> keep_alive, Run run,
                             MakeResult make_result);

 protected:
  void Execute(const ExecutionProgress& progress) override;
  void OnProgress(const double* data, size_t count) override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  KernelJob(Napi::Env env, const std::string& name, const JobOptions& options, std::vector<Napi::Object> keep_alive, Run run,
            MakeResult make_result);

  Napi::Promise::Deferred deferred_;
  std::string name_;
  std::vector<Napi::ObjectReference> keep_alive_;
  Napi::FunctionReference on_progress_;
  JobControl control_;
  Run run_;
  MakeResult make_result_;
  JobOutcome outcome_;
};

}  // namespace fp4lab_binding
