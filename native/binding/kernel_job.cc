#include "kernel_job.h"

#include <exception>
#include <new>

namespace fp4lab_binding {

JobOptions parse_job_options(const Args& args, size_t index, std::initializer_list<const char*> isa_names) {
  JobOptions options;
  if (!args.has(index)) return options;
  const Napi::Object job = args.object(index, "job");
  options.threads = static_cast<int32_t>(args.integer(job, "job", "threads", 0, 1024, 0));
  options.isa = args.choice(job, "job", "isa", isa_names, 0);
  if (args.has(job, "cancel")) options.cancel = args.typed_array(job, "job", "cancel", napi_int32_array, 1);
  options.on_progress = args.function(job, "job", "onProgress");
  return options;
}

namespace {

void send_progress(void* user, double fraction) {
  const auto* progress = static_cast<const Napi::AsyncProgressWorker<double>::ExecutionProgress*>(user);
  progress->Send(&fraction, 1);
}

}  // namespace

KernelJob::KernelJob(Napi::Env env, const std::string& name, const JobOptions& options, std::vector<Napi::Object> keep_alive, Run run,
                     MakeResult make_result)
    : Napi::AsyncProgressWorker<double>(env, name.c_str()),
      deferred_(Napi::Promise::Deferred::New(env)),
      name_(name),
      run_(std::move(run)),
      make_result_(std::move(make_result)) {
  for (const Napi::Object& o : keep_alive) keep_alive_.push_back(Napi::Persistent(o));
  if (!options.cancel.IsEmpty()) keep_alive_.push_back(Napi::Persistent(static_cast<Napi::Object>(options.cancel)));
  if (!options.on_progress.IsEmpty()) on_progress_ = Napi::Persistent(options.on_progress);
  control_.threads = options.threads;
  control_.isa = options.isa;
  control_.cancel = options.cancel.IsEmpty() ? nullptr : data_of<volatile int32_t>(options.cancel);
  control_.progress = nullptr;
  control_.progress_user = nullptr;
}

Napi::Promise KernelJob::Start(const Args& args, const JobOptions& options, std::vector<Napi::Object> keep_alive, Run run, MakeResult make_result) {
  auto* job = new KernelJob(args.env(), args.fn(), options, std::move(keep_alive), std::move(run), std::move(make_result));
  Napi::Promise promise = job->deferred_.Promise();
  job->Queue();  // the worker deletes itself after OnOK / OnError
  return promise;
}

void KernelJob::Execute(const ExecutionProgress& progress) {
  JobControl control = control_;
  if (!on_progress_.IsEmpty()) {
    control.progress = send_progress;
    control.progress_user = const_cast<ExecutionProgress*>(&progress);
  }
  try {
    outcome_ = run_(control);
  } catch (const std::bad_alloc&) {
    outcome_ = {false, "OUT_OF_MEMORY", name_ + ": out of memory"};
  } catch (const std::exception& e) {
    outcome_ = {false, "INTERNAL", name_ + ": " + e.what()};
  }
}

void KernelJob::OnProgress(const double* data, size_t count) {
  if (on_progress_.IsEmpty() || data == nullptr || count == 0) return;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  try {
    on_progress_.Call({Napi::Number::New(env, data[count - 1])});
  } catch (const Napi::Error&) {
    // A throwing progress callback must not break the job; the error is the caller's to see
    // where it is thrown, so it is dropped here.
  }
}

void KernelJob::OnOK() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  if (!outcome_.ok) {
    Napi::Error error = Napi::Error::New(env, outcome_.message);
    error.Set("code", Napi::String::New(env, outcome_.code));
    deferred_.Reject(error.Value());
    return;
  }
  try {
    deferred_.Resolve(make_result_ ? make_result_(env) : env.Undefined());
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void KernelJob::OnError(const Napi::Error& e) {
  Napi::HandleScope scope(Env());
  deferred_.Reject(e.Value());
}

}  // namespace fp4lab_binding
