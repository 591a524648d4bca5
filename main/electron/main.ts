import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, session, type MenuItemConstructorOptions, type WebContents } from 'electron';
import { Fp4Service } from '../service/service';
import { APP_HOST, APP_SCHEME, registerAppSchemePrivileges, serveRendererOverAppProtocol } from './appProtocol';
import { ElectronDesktopShell, send } from './desktopShell';
import { registerIpcHandlers, type IpcMainLike } from './ipcHandlers';
import { buildMenuModel, type MenuCommand, type MenuItemSpec } from './menuModel';
import { printHtmlToPdf } from './pdfPrinter';
import { RecentFiles } from './recentFiles';
import { utilityHostLauncher } from './utilityHostLauncher';

/**
 * The desktop app's main process: one window on the built renderer (app://fp4lab/), the
 * service with its compute host in a utility process, IPC, menus and dialogs. Bundled to
 * dist/electron/main.cjs, beside preload.cjs and computeHost.cjs (hence __dirname below).
 */
const APP_NAME = 'FP4 Lab';
const here = __dirname;
const rendererDir = join(app.getAppPath(), 'dist', 'renderer');

registerAppSchemePrivileges();
app.setName(APP_NAME);

let mainWindow: BrowserWindow | undefined;
let service: Fp4Service | undefined;
let shell: ElectronDesktopShell | undefined;
let recent: RecentFiles | undefined;
/** Files the OS asked us to open before the window existed. */
const pendingOpens: string[] = [];

/** Tensor files named on a command line (dev: `electron . FILE`; packaged: `fp4lab FILE`). */
function filesFromArgv(argv: readonly string[], cwd = process.cwd()): string[] {
  const args = argv.slice(app.isPackaged ? 1 : 2);
  return args
    .filter((a) => !a.startsWith('-'))
    .map((a) => resolve(cwd, a))
    .filter((p) => existsSync(p) && statSync(p).isFile());
}

function openFromOs(path: string): void {
  if (shell && mainWindow) void shell.openFromShell(path, mainWindow.webContents);
  else pendingOpens.push(path);
}

function focusedContents(): WebContents | undefined {
  return (BrowserWindow.getFocusedWindow() ?? mainWindow)?.webContents;
}

async function showAbout(): Promise<void> {
  const backends = service ? await service.listBackends().catch(() => []) : [];
  const lines = backends.map((b) => `${b.name}: ${b.available ? `available${b.detail ? ` (${b.detail})` : ''}` : `unavailable — ${b.reason ?? 'unknown reason'}`}`);
  await dialog.showMessageBox({
    type: 'info',
    title: `About ${APP_NAME}`,
    message: `${APP_NAME} ${app.getVersion()}`,
    detail: [
      'FP4 quantization analysis: NVFP4 and MXFP4, including Four Over Six.',
      '',
      `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
      '',
      'Backends:',
      ...lines,
    ].join('\n'),
  });
}

function runCommand(command: MenuCommand, arg: string | undefined): void {
  const target = focusedContents();
  switch (command) {
    case 'open':
      void shell?.showOpenDialog(target);
      break;
    case 'openRecent':
      if (arg) void shell?.openFromShell(arg, target);
      break;
    case 'clearRecent':
      app.clearRecentDocuments();
      void recent?.clear().then(buildMenu);
      break;
    case 'exportReport':
    case 'exportQuantized':
      // The page knows which analysis is on screen; it answers with saveExport.
      send(target, { type: 'command', command });
      break;
    case 'about':
      void showAbout();
      break;
  }
}

function toElectronMenu(items: readonly MenuItemSpec[]): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'role':
        return { role: item.role, label: item.label, accelerator: item.accelerator };
      case 'command':
        return { label: item.label, accelerator: item.accelerator, enabled: item.enabled ?? true, click: () => runCommand(item.command, item.arg) };
      case 'submenu':
        return { label: item.label, submenu: toElectronMenu(item.items) };
    }
  });
}

function buildMenu(): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(toElectronMenu(buildMenuModel({ platform: process.platform, appName: APP_NAME, recent: recent?.paths ?? [] }))));
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 900,
    minHeight: 600,
    title: APP_NAME,
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_SCHEME}://${APP_HOST}/index.html`);
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = undefined;
  });
  return win;
}

/** No page of ours navigates, opens windows, embeds webviews or asks for permissions. */
function lockDownContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (url !== contents.getURL()) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, cwd) => {
    for (const p of filesFromArgv(argv, cwd)) openFromOs(p);
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  // macOS "Open With" and file drops on the dock icon; may come before 'ready'.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    openFromOs(path);
  });
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents));

  void app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    serveRendererOverAppProtocol(rendererDir);
    recent = new RecentFiles(join(app.getPath('userData'), 'recent-files.json'));
    await recent.load();
    service = new Fp4Service({ launcher: utilityHostLauncher(join(here, 'computeHost.cjs')), pdfPrinter: printHtmlToPdf });
    shell = new ElectronDesktopShell(service, recent, buildMenu);
    registerIpcHandlers(ipcMain as unknown as IpcMainLike, service, shell);
    buildMenu();
    mainWindow = createWindow();
    const initial = [...filesFromArgv(process.argv), ...pendingOpens.splice(0)];
    mainWindow.webContents.once('did-finish-load', () => {
      for (const p of initial) openFromOs(p);
    });
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed || !service) return;
    // Stop the compute host and delete uploads before leaving.
    event.preventDefault();
    disposed = true;
    void service.dispose().finally(() => app.quit());
  });
}
