import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../app/api/contract';
import { ComputeHost, type HostLauncher, type HostProcess } from '../../main/compute/computeHost';
import { OpenedFiles } from '../../main/compute/openedFiles';
import type { HostToParent, ParentToHost } from '../../main/compute/protocol';
import { Fp4Service } from '../../main/service/service';
import { randomMatrix, safetensorsBytes } from './apiTestKit';

/**
 * Recovery paths of the compute host that a real process cannot be made to show on demand: a
 * job that ignores cancel, a host that dies before it is ready. The host here is an in-process
 * fake that answers like hostMain.ts and does what each test needs.
 */

type Behaviour = (message: ParentToHost, reply: (m: HostToParent) => void, process: FakeProcess) => void;

class FakeProcess implements HostProcess {
  private static nextPid = 1000;
  readonly pid = FakeProcess.nextPid++;
  readonly received: ParentToHost[] = [];
  killed = false;
  private messageListeners: ((m: HostToParent) => void)[] = [];
  private exitListeners: ((how: string) => void)[] = [];

  constructor(private readonly behaviour: Behaviour, ready: boolean) {
    if (ready) setImmediate(() => this.emit({ kind: 'ready', pid: this.pid }));
  }

  emit(m: HostToParent): void {
    if (!this.killed) this.messageListeners.forEach((l) => l(structuredClone(m)));
  }

  send(message: ParentToHost): void {
    if (this.killed) throw new Error('channel closed');
    this.received.push(message);
    setImmediate(() => this.behaviour(structuredClone(message), (m) => this.emit(m), this));
  }

  onMessage(listener: (m: HostToParent) => void): void {
    this.messageListeners.push(listener);
  }

  onExit(listener: (how: string) => void): void {
    this.exitListeners.push(listener);
  }

  exit(how: string): void {
    if (this.killed) return;
    this.killed = true;
    setImmediate(() => this.exitListeners.forEach((l) => l(how)));
  }

  kill(): void {
    this.exit('signal SIGKILL');
  }
}

function fakeLauncher(behaviour: Behaviour, options: { ready?: (n: number) => boolean } = {}): { launch: HostLauncher; processes: FakeProcess[] } {
  const processes: FakeProcess[] = [];
  return {
    processes,
    launch: () => {
      const p = new FakeProcess(behaviour, options.ready?.(processes.length) ?? true);
      processes.push(p);
      return p;
    },
  };
}

/** Answers like the real host, except that analyses never finish and cancel is ignored. */
const stubbornHost: Behaviour = (message, reply) => {
  if (message.kind !== 'request') return; // ignores cancel
  if (message.op === 'describeFile') reply({ kind: 'response', id: message.id, ok: true, value: { format: 'safetensors', size: 1, tensors: [] } });
  else if (message.op === 'startAnalysis') {
    reply({ kind: 'response', id: message.id, ok: true, value: null });
    reply({ kind: 'job', event: { type: 'progress', jobId: (message.args as { jobId: string }).jobId, progress: { stage: 'stuck in native code', fraction: 0 } } });
  } else reply({ kind: 'response', id: message.id, ok: true, value: [] });
};

let service: Fp4Service | undefined;
afterEach(async () => {
  await service?.dispose();
  service = undefined;
});

describe('compute host recovery', () => {
  it('stops a job that ignores cancel by restarting its host, and reports it cancelled', async () => {
    const { launch, processes } = fakeLauncher(stubbornHost);
    service = new Fp4Service({ launcher: launch, cancelGraceMs: 50 });
    const file = await service.openSample();
    const events: JobEvent[] = [];
    const final = new Promise<JobEvent>((resolve) => {
      void service!.startAnalysis({ a: { fileId: file.fileId, tensor: 't', kwargs: {} }, options: {} }, (e) => {
        events.push(e);
        if (e.type !== 'progress') resolve(e);
      }).then(({ jobId }) => service!.cancelJob(jobId));
    });
    expect(await final).toMatchObject({ type: 'cancelled' });
    expect(processes[0].received.some((m) => m.kind === 'cancel')).toBe(true);
    expect(processes[0].killed).toBe(true);
    // The next request runs on a fresh host.
    await service.listBackends();
    expect(processes.length).toBe(2);
    expect(processes[1].killed).toBe(false);
  });

  it('fails the requests a dying host had, with a sentence, and serves the next from a new host', async () => {
    const hang: Behaviour = (m, reply, p) => {
      if (m.kind === 'request' && m.op === 'listBackends' && p.pid === processesRef[0].pid) p.exit('signal SIGSEGV');
      else if (m.kind === 'request') reply({ kind: 'response', id: m.id, ok: true, value: ['ok'] });
    };
    const { launch, processes } = fakeLauncher(hang);
    const processesRef = processes;
    const lost: string[] = [];
    const host = new ComputeHost(launch, { onJobEvent: () => undefined, onHostLost: (r) => lost.push(r) });
    await expect(host.request('listBackends', {})).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/stopped unexpectedly \(signal SIGSEGV\).*restarted/) });
    expect(lost).toHaveLength(1);
    await expect(host.request('listBackends', {})).resolves.toEqual(['ok']);
    expect(processes.length).toBe(2);
    await host.dispose();
  });

  it('fails a request whose host dies before it is ready', async () => {
    const { launch } = fakeLauncher(() => undefined, { ready: () => false });
    const host = new ComputeHost(launch, { onJobEvent: () => undefined, onHostLost: () => undefined });
    const pending = host.request('listBackends', {});
    setTimeout(() => (host as unknown as { current: { process: FakeProcess } }).current.process.exit('exit code 1'), 20);
    await expect(pending).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('exit code 1') });
    await host.dispose();
  });
});

describe('opened files', () => {
  it('parse only the header to list, keep decoded tensors for reuse, and free them on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp4lab-opened-'));
    try {
      const path = join(dir, 't.safetensors');
      writeFileSync(path, safetensorsBytes([{ name: 'w', matrix: randomMatrix(16, 32, 1) }]));
      const files = new OpenedFiles();
      const ref = { fileId: 'file-1', name: 't.safetensors', source: { kind: 'path' as const, path } };
      expect((await files.describe(ref)).tensors.map((t) => t.name)).toEqual(['w']);
      expect(files.cachedBytes).toBe(0);
      const first = await files.tensor(ref, 'w');
      expect(files.cachedBytes).toBe(16 * 32 * 4);
      expect(await files.tensor(ref, 'w')).toBe(first);
      await files.close('file-1');
      expect(files.cachedBytes).toBe(0);
      // Reopened on demand (as after a host restart).
      expect((await files.tensor(ref, 'w')).sha256).toBe(first.sha256);
      await files.closeAll();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
