import type { Api } from '../../app/api/contract';
import { httpApiForPage } from './httpApi';
import { createIpcApi, desktopBridge } from './ipcApi';

/** The Api for wherever this page runs: the desktop app's bridge if present, else the web server. */
export function createApi(): Api {
  const bridge = desktopBridge();
  return bridge ? createIpcApi(bridge) : httpApiForPage();
}
