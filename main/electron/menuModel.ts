import { basename } from 'node:path';

/**
 * The application menu as data: main.ts turns it into Electron's Menu and wires the commands.
 * Kept free of Electron so its shape is tested as a plain module.
 */
export type MenuCommand = 'open' | 'openRecent' | 'clearRecent' | 'exportReport' | 'exportQuantized' | 'about';

/** Electron's built-in roles the menu uses. */
export type MenuRole = 'reload' | 'toggleDevTools' | 'quit' | 'close' | 'undo' | 'redo' | 'cut' | 'copy' | 'paste' | 'selectAll' | 'resetZoom' | 'zoomIn' | 'zoomOut' | 'togglefullscreen' | 'hide' | 'hideOthers' | 'unhide' | 'minimize' | 'front';

export type MenuItemSpec =
  | { readonly type: 'separator' }
  | { readonly type: 'command'; readonly label: string; readonly command: MenuCommand; readonly arg?: string; readonly accelerator?: string; readonly enabled?: boolean }
  | { readonly type: 'role'; readonly role: MenuRole; readonly label?: string; readonly accelerator?: string }
  | { readonly type: 'submenu'; readonly label: string; readonly items: readonly MenuItemSpec[]; readonly role?: 'fileMenu' | 'editMenu' | 'viewMenu' | 'windowMenu' | 'help' | 'appMenu' };

export interface MenuState {
  readonly platform: string;
  readonly appName: string;
  /** Recently opened paths, newest first. */
  readonly recent: readonly string[];
}

const separator: MenuItemSpec = { type: 'separator' };

export function buildMenuModel(state: MenuState): MenuItemSpec[] {
  const mac = state.platform === 'darwin';
  const about: MenuItemSpec = { type: 'command', label: `About ${state.appName}`, command: 'about' };
  const recentItems: MenuItemSpec[] =
    state.recent.length === 0
      ? [{ type: 'command', label: 'No recent files', command: 'openRecent', enabled: false }]
      : state.recent.map((path) => ({ type: 'command' as const, label: `${basename(path)}  —  ${path}`, command: 'openRecent' as const, arg: path }));
  const file: MenuItemSpec = {
    type: 'submenu',
    label: 'File',
    role: 'fileMenu',
    items: [
      { type: 'command', label: 'Open…', command: 'open', accelerator: 'CmdOrCtrl+O' },
      { type: 'submenu', label: 'Open Recent', items: [...recentItems, separator, { type: 'command', label: 'Clear Recent', command: 'clearRecent', enabled: state.recent.length > 0 }] },
      separator,
      { type: 'command', label: 'Export Report…', command: 'exportReport', accelerator: 'CmdOrCtrl+E' },
      { type: 'command', label: 'Export Quantized Tensors…', command: 'exportQuantized', accelerator: 'CmdOrCtrl+Shift+E' },
      separator,
      mac ? { type: 'role', role: 'close' } : { type: 'role', role: 'quit' },
    ],
  };
  const edit: MenuItemSpec = {
    type: 'submenu',
    label: 'Edit',
    role: 'editMenu',
    items: [{ type: 'role', role: 'undo' }, { type: 'role', role: 'redo' }, separator, { type: 'role', role: 'cut' }, { type: 'role', role: 'copy' }, { type: 'role', role: 'paste' }, { type: 'role', role: 'selectAll' }],
  };
  const view: MenuItemSpec = {
    type: 'submenu',
    label: 'View',
    role: 'viewMenu',
    items: [
      { type: 'role', role: 'reload', label: 'Reload' },
      { type: 'role', role: 'toggleDevTools', label: 'Toggle Developer Tools' },
      separator,
      { type: 'role', role: 'resetZoom' },
      { type: 'role', role: 'zoomIn' },
      { type: 'role', role: 'zoomOut' },
      separator,
      { type: 'role', role: 'togglefullscreen' },
    ],
  };
  const window: MenuItemSpec = { type: 'submenu', label: 'Window', role: 'windowMenu', items: [{ type: 'role', role: 'minimize' }, ...(mac ? [{ type: 'role' as const, role: 'front' as const }] : [])] };
  if (mac) {
    const appMenu: MenuItemSpec = {
      type: 'submenu',
      label: state.appName,
      role: 'appMenu',
      items: [about, separator, { type: 'role', role: 'hide' }, { type: 'role', role: 'hideOthers' }, { type: 'role', role: 'unhide' }, separator, { type: 'role', role: 'quit' }],
    };
    return [appMenu, file, edit, view, window];
  }
  return [file, edit, view, window, { type: 'submenu', label: 'Help', role: 'help', items: [about] }];
}

/** Every command item, flattened (for tests and for looking up accelerators). */
export function commandItems(items: readonly MenuItemSpec[]): Extract<MenuItemSpec, { type: 'command' }>[] {
  return items.flatMap((i) => (i.type === 'command' ? [i] : i.type === 'submenu' ? commandItems(i.items) : []));
}
