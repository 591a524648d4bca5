import type { JobEvent } from '../../app/api/contract';
import { ApiCallError } from '../../app/api/transport';
import type { HostOp, HostOps, HostToParent, ParentToHost } from './protocol';

/** A started compute host process, however it was started (utility process, child process). */
export interface HostProcess {
  readonly pid: number | undefined;
  send(message: ParentToHost): void;
  onMessage(listener: (message: HostToParent) => void): void;
  /** Called once when the process is gone, with how it ended ("exit code 1", "signal SIGSEGV"). */
  onExit(listener: (how: string) => void): void;
  kill(): void;
}

export type HostLauncher = () => HostProcess;

export interface ComputeHostListener {
  onJobEvent(event: JobEvent): void;
  /** The host process is gone with the jobs and analyses it held; a new one is starting. */
  onHostLost(reason: string): void;
}

interface Instance {
  readonly process: HostProcess;
  readonly generation: number;
  readonly ready: Promise<void>;
  /** Rejects `ready` when the process dies before it said it was ready. */
  readonly failStart: (e: unknown) => void;
  /** Set when we stop it on purpose (to end a stuck job, or on dispose). */
  stopReason?: string;
  exited: boolean;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly instance: Instance;
}

/** Crashes within this window count as a loop; after three, restarts wait a little. */
const CRASH_WINDOW_MS = 30_000;
const CRASH_LOOP_DELAY_MS = 3_000;
const CRASH_LOOP_GIVE_UP = 5;

/**
 * The service's handle on the compute host: requests with answers, job events, cancel, and
 * recovery. When the process dies (a native fault, the OOM killer, a kill), every request and
 * job it had fails with a sentence saying so, and a fresh process is started; the caller (the
 * UI) stays up. Nothing is sent before the host says it is ready.
 */
export class ComputeHost {
  private current?: Instance;
  private generationCounter = 0;
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private crashTimes: number[] = [];
  private restartTimer?: ReturnType<typeof setTimeout>;
  private disposed = false;

  constructor(
    private readonly launch: HostLauncher,
    private readonly listener: ComputeHostListener,
  ) {}

  /** Generation of the running host; analyses made by an older one are gone. */
  get generation(): number {
    return this.instance().generation;
  }

  /** The host's process id (for diagnostics and the crash-recovery test). */
  get pid(): number | undefined {
    return this.current?.process.pid;
  }

  /** Resolves when a host is up and ready. */
  async started(): Promise<void> {
    await this.instance().ready;
  }

  async request<K extends HostOp>(op: K, args: HostOps[K]['args']): Promise<HostOps[K]['result']> {
    const instance = this.instance();
    await instance.ready;
    if (instance.exited) throw lostError(instance.stopReason ?? 'the compute process stopped', !this.disposed);
    const id = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, instance });
      try {
        instance.process.send({ kind: 'request', id, op, args });
      } catch (e) {
        this.pending.delete(id);
        reject(lostError(`the compute process cannot be reached (${(e as Error).message})`, !this.disposed));
      }
    });
  }

  cancel(jobId: string): void {
    const instance = this.current;
    if (!instance || instance.exited) return;
    try {
      instance.process.send({ kind: 'cancel', jobId });
    } catch {
      // The process is going away; its exit handler reports the job.
    }
  }

  /** Stop the running host on purpose (e.g. a job that ignores cancel); a new one starts. */
  restart(reason: string): void {
    const instance = this.current;
    if (!instance || instance.exited) return;
    instance.stopReason = reason;
    instance.process.kill();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    const instance = this.current;
    if (!instance || instance.exited) return;
    instance.stopReason = 'FP4 Lab is shutting down';
    const gone = new Promise<void>((resolve) => instance.process.onExit(() => resolve()));
    instance.process.kill();
    await gone;
  }

  private instance(): Instance {
    if (this.disposed) throw new ApiCallError({ code: 'INTERNAL', message: 'FP4 Lab is shutting down' });
    if (!this.current || this.current.exited) this.current = this.spawn();
    return this.current;
  }

  private spawn(): Instance {
    clearTimeout(this.restartTimer);
    const process = this.launch();
    let markReady!: () => void;
    let failStart!: (e: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    ready.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
    const instance: Instance = { process, generation: ++this.generationCounter, ready, failStart, exited: false };
    process.onMessage((message) => {
      if (message.kind === 'ready') markReady();
      else if (message.kind === 'job') this.listener.onJobEvent(message.event);
      else {
        const p = this.pending.get(message.id);
        if (!p) return;
        this.pending.delete(message.id);
        if (message.ok) p.resolve(message.value);
        else p.reject(new ApiCallError(message.error));
      }
    });
    process.onExit((how) => this.onExit(instance, how));
    return instance;
  }

  private onExit(instance: Instance, how: string): void {
    instance.exited = true;
    const reason = instance.stopReason ?? `the compute process stopped unexpectedly (${how})`;
    for (const [id, p] of this.pending) {
      if (p.instance !== instance) continue;
      this.pending.delete(id);
      p.reject(lostError(reason, !this.disposed));
    }
    // Before 'ready' this was a failed start: whoever waits for it hears why (no-op after 'ready').
    instance.failStart(lostError(reason, !this.disposed));
    if (this.current !== instance) return;
    this.current = undefined;
    this.listener.onHostLost(reason);
    if (this.disposed) return;
    if (!instance.stopReason) {
      const now = Date.now();
      this.crashTimes = [...this.crashTimes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    }
    // A host that keeps dying is restarted by the next request only, not in a loop.
    if (this.crashTimes.length >= CRASH_LOOP_GIVE_UP) return;
    const delay = this.crashTimes.length >= 3 ? CRASH_LOOP_DELAY_MS : 0;
    this.restartTimer = setTimeout(() => {
      if (!this.disposed && !this.current) this.current = this.spawn();
    }, delay);
  }
}

function lostError(reason: string, restarting: boolean): ApiCallError {
  return new ApiCallError({ code: 'INTERNAL', message: restarting ? `${reason}; it has been restarted, try again` : reason });
}
