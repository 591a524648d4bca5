import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';

/**
 * A stand-in for the `electron` module, enough to run the bundled main process (dist/electron/
 * main.cjs) in plain Node where Electron's binary cannot be installed: it records what main.ts
 * asks for (window options, protocol handler, IPC handlers, menu) and runs utility processes as
 * Node child processes, which is what they are.
 */

type Listener = (...args: unknown[]) => unknown;

export interface FakeWebContents extends EventEmitter {
  readonly sent: { channel: string; args: unknown[] }[];
  windowOpenHandler?: (details: { url: string }) => { action: string };
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  getURL(): string;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void;
}

export interface FakeElectron {
  readonly module: Record<string, unknown>;
  readonly app: EventEmitter & { quitCalls: number };
  readonly windows: { options: Record<string, unknown>; url?: string; webContents: FakeWebContents }[];
  readonly ipcHandlers: Map<string, Listener>;
  readonly schemes: unknown[];
  protocolHandler?: (request: { url: string }) => Promise<Response>;
  menuLabels: string[];
  readonly utilityProcesses: { pid: number | undefined; exited: Promise<number> }[];
}

function webContents(app: EventEmitter, url: () => string | undefined): FakeWebContents {
  const wc = new EventEmitter() as FakeWebContents;
  Object.assign(wc, {
    sent: [],
    send(channel: string, ...args: unknown[]) {
      wc.sent.push({ channel, args: structuredClone(args) });
    },
    isDestroyed: () => false,
    getURL: () => url() ?? '',
    setWindowOpenHandler(handler: FakeWebContents['windowOpenHandler']) {
      wc.windowOpenHandler = handler;
    },
  });
  app.emit('web-contents-created', {}, wc);
  return wc;
}

export function createFakeElectron(appPath: string): FakeElectron {
  const app = Object.assign(new EventEmitter(), { quitCalls: 0 });
  const fake: FakeElectron = { module: {}, app, windows: [], ipcHandlers: new Map(), schemes: [], menuLabels: [], utilityProcesses: [] };
  Object.assign(app, {
    isPackaged: false,
    getAppPath: () => appPath,
    getPath: () => appPath,
    getVersion: () => '0.0.0-test',
    setName: () => undefined,
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    addRecentDocument: () => undefined,
    clearRecentDocuments: () => undefined,
    quit: () => {
      app.quitCalls++;
      app.emit('will-quit', { preventDefault: () => undefined });
    },
  });

  class BrowserWindow extends EventEmitter {
    readonly webContents: FakeWebContents;
    constructor(options: Record<string, unknown>) {
      super();
      const record: FakeElectron['windows'][number] = { options, webContents: undefined as unknown as FakeWebContents };
      this.webContents = webContents(app, () => record.url);
      record.webContents = this.webContents;
      fake.windows.push(record);
    }
    loadURL(url: string): Promise<void> {
      fake.windows.find((w) => w.webContents === this.webContents)!.url = url;
      setImmediate(() => {
        this.emit('ready-to-show');
        this.webContents.emit('did-finish-load');
      });
      return Promise.resolve();
    }
    show(): void {}
    static getAllWindows(): unknown[] {
      return fake.windows;
    }
    static getFocusedWindow(): undefined {
      return undefined;
    }
    static fromWebContents(): undefined {
      return undefined;
    }
  }

  Object.assign(fake.module, {
    app,
    BrowserWindow,
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => fake.schemes.push(...schemes),
      handle: (_scheme: string, handler: FakeElectron['protocolHandler']) => (fake.protocolHandler = handler),
    },
    ipcMain: { handle: (channel: string, listener: Listener) => fake.ipcHandlers.set(channel, listener), removeHandler: (channel: string) => fake.ipcHandlers.delete(channel) },
    Menu: {
      buildFromTemplate: (template: { label?: string }[]) => {
        fake.menuLabels = template.map((m) => m.label ?? '');
        return template;
      },
      setApplicationMenu: () => undefined,
    },
    session: {
      defaultSession: { setPermissionRequestHandler: () => undefined, setPermissionCheckHandler: () => undefined },
      fromPartition: () => ({ webRequest: { onBeforeRequest: () => undefined } }),
    },
    dialog: {},
    utilityProcess: {
      fork: (entry: string, args: string[]) => {
        const child = fork(entry, args, { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const proc = new EventEmitter() as EventEmitter & { postMessage(m: unknown): void; kill(): boolean; pid: number | undefined };
        child.on('message', (m) => proc.emit('message', m));
        const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
        void exited.then((code) => proc.emit('exit', code));
        proc.postMessage = (m) => child.send(m as never);
        proc.kill = () => child.kill();
        proc.pid = child.pid;
        fake.utilityProcesses.push({ pid: child.pid, exited });
        return proc;
      },
    },
  });
  return fake;
}
