import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { BRIDGE_GLOBAL } from '../../app/api/transport';
import { createPreloadBridge, installDropFallback, type DropTargetLike } from './preloadBridge';

/**
 * The sandboxed preload: it exposes the Api bridge as window.fp4lab and nothing else. Built into
 * one CommonJS file (scripts/build.mjs), as a sandboxed preload cannot load modules.
 */
const { bridge, emitAppEvent } = createPreloadBridge(ipcRenderer, (file) => webUtils.getPathForFile(file as never));
contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
installDropFallback(globalThis as unknown as DropTargetLike, bridge, emitAppEvent);
