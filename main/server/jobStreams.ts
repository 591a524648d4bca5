import type { JobEvent } from '../../app/api/contract';

/** How long a finished job's events stay for a client that connects (or reconnects) late. */
const KEEP_FINISHED_MS = 120_000;

interface JobLog {
  readonly events: JobEvent[];
  finished: boolean;
  readonly subscribers: Set<(event: JobEvent, seq: number) => void>;
}

/**
 * Each job's events, kept so that an SSE client gets all of them whenever it connects: the
 * first ones can arrive before the client knows the job id, and a dropped connection resumes
 * from the last event it saw (?after=seq). Events are numbered from 1.
 */
export class JobStreams {
  private readonly logs = new Map<string, JobLog>();

  /** The service's onEvent for jobs started over HTTP. */
  readonly push = (event: JobEvent): void => {
    const log = this.log(event.jobId);
    if (log.finished) return;
    log.events.push(event);
    const seq = log.events.length;
    if (event.type !== 'progress') {
      log.finished = true;
      setTimeout(() => this.logs.delete(event.jobId), KEEP_FINISHED_MS).unref();
    }
    for (const s of log.subscribers) s(event, seq);
  };

  has(jobId: string): boolean {
    return this.logs.has(jobId);
  }

  /** Register a job before its first event, so an early client finds it. */
  expect(jobId: string): void {
    this.log(jobId);
  }

  /**
   * Replay the events after `after` and follow new ones; returns the unsubscribe. `onEvent`
   * learns from the event's type when the stream is complete.
   */
  subscribe(jobId: string, after: number, onEvent: (event: JobEvent, seq: number) => void): () => void {
    const log = this.log(jobId);
    log.events.forEach((e, i) => {
      if (i + 1 > after) onEvent(e, i + 1);
    });
    if (log.finished) return () => undefined;
    log.subscribers.add(onEvent);
    return () => log.subscribers.delete(onEvent);
  }

  private log(jobId: string): JobLog {
    let log = this.logs.get(jobId);
    if (!log) {
      log = { events: [], finished: false, subscribers: new Set() };
      this.logs.set(jobId, log);
    }
    return log;
  }
}
