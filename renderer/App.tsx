import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { Api, ApiError, FileSummary } from '../app/api/contract';
import type { BackendStatus } from '../app/backends/backend';
import { plotTheme } from '../app/plots/theme';
import type { Viewport } from '../app/plots/viewport';
import { SAMPLE_ACTIVATION, SAMPLE_WEIGHT } from '../app/samples/sampleData';
import { toApiError } from './api/apiError';
import { ErrorBanner } from './components/ErrorBanner';
import { ExportMenu } from './components/ExportMenu';
import { FilesPanel } from './components/FilesPanel';
import { JobBar } from './components/JobBar';
import { KwargsPanel } from './components/KwargsPanel';
import { MetricsTable } from './components/MetricsTable';
import { SharedOptionsPanel } from './components/SharedOptionsPanel';
import { ShortcutsHelp } from './components/ShortcutsHelp';
import { Slots } from './components/Slots';
import { Splitter } from './components/Splitter';
import { TensorBrowser } from './components/TensorBrowser';
import type { Host } from './host/host';
import { isPaneWidths, isThemeName, systemTheme, usePreference } from './state/preferences';
import { checkRequest } from './state/requestValidation';
import { useAnalysisJob } from './state/useAnalysisJob';
import { useExports } from './state/useExports';
import { useShortcuts, type Shortcut } from './state/useShortcuts';
import { INITIAL_WORKBENCH, fileOf, workbenchReducer } from './state/workbench';
import { BackendDiffView } from './views/BackendDiffView';
import { HistogramsView } from './views/HistogramsView';
import { OutputView } from './views/OutputView';
import { RuleComparisonView } from './views/RuleComparisonView';
import { SideHeatmaps } from './views/SideHeatmaps';

/** A change re-runs by itself when the job is expected to take at most this long. */
const AUTO_RUN_MAX_SECONDS = 3;
/** Before any run has been timed: values (A + B) small enough to re-run by themselves. */
const AUTO_RUN_MAX_ELEMENTS = 1 << 21;
const AUTO_RUN_DEBOUNCE_MS = 350;

const TABS = [
  { id: 'heatmaps', label: 'Heatmaps' },
  { id: 'output', label: 'Output' },
  { id: 'histograms', label: 'Histograms' },
  { id: 'rules', label: 'Scale rules' },
  { id: 'backends', label: 'Backend diff' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/** The first float tensor of a file, for a file the app was started with. */
function firstQuantizable(file: FileSummary): string | null {
  return file.tensors.find((t) => t.matrix !== null)?.name ?? null;
}

export function App({ api, host, apiLabel }: { api: Api; host: Host; apiLabel: string }) {
  const [state, dispatch] = useReducer(workbenchReducer, INITIAL_WORKBENCH);
  const [backends, setBackends] = useState<BackendStatus[] | null>(null);
  const [openError, setOpenError] = useState<ApiError | null>(null);
  const [opening, setOpening] = useState<string | null>(null);
  const [startupError, setStartupError] = useState<ApiError | null>(null);
  const [themeName, setThemeName] = usePreference('theme', systemTheme, isThemeName);
  const [panes, setPanes] = usePreference('panes', () => ({ left: 270, right: 310 }), isPaneWidths);
  const [tab, setTab] = useState<TabId>('heatmaps');
  const [side, setSide] = useState<'a' | 'b'>('a');
  const [viewports, setViewports] = useState<Record<string, Viewport | null>>({});
  const [exportOpen, setExportOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const job = useAnalysisJob(api);
  const theme = plotTheme(themeName);

  // Before paint, so a theme switch never shows a frame of the old colours.
  useLayoutEffect(() => {
    document.documentElement.dataset.theme = themeName;
  }, [themeName]);

  // First run: whatever the service already has open (a path given on the command line), else
  // the built-in sample, analysed at once so the app is never empty.
  useEffect(() => {
    let live = true;
    (async () => {
      const [statuses, files] = await Promise.all([api.listBackends(), api.listFiles()]);
      if (!live) return;
      setBackends(statuses);
      if (files.length > 0) {
        dispatch({ type: 'files', files });
        const first = files.find((f) => firstQuantizable(f));
        if (first) dispatch({ type: 'slot', side: 'a', ref: { fileId: first.fileId, tensor: firstQuantizable(first)! } });
        return;
      }
      const sample = await api.openSample();
      if (!live) return;
      dispatch({ type: 'opened', file: sample });
      dispatch({ type: 'slot', side: 'a', ref: { fileId: sample.fileId, tensor: SAMPLE_WEIGHT } });
      dispatch({ type: 'slot', side: 'b', ref: { fileId: sample.fileId, tensor: SAMPLE_ACTIVATION } });
    })().catch((e) => live && setStartupError(toApiError(e)));
    return () => {
      live = false;
    };
  }, [api]);

  const check = useMemo(() => checkRequest(state), [state]);
  const requestKey = check.request ? JSON.stringify(check.request) : null;
  const lastRunKey = useRef<string | null>(null);
  const estimate = job.last?.kind === 'done' && job.last.elements > 0 ? (job.last.seconds * check.elements) / job.last.elements : null;
  const autoRun = estimate !== null ? estimate <= AUTO_RUN_MAX_SECONDS : check.elements <= AUTO_RUN_MAX_ELEMENTS;

  const run = useCallback(() => {
    if (!check.request) return;
    lastRunKey.current = requestKey;
    job.run(check.request, check.elements);
  }, [check, requestKey, job]);

  useEffect(() => {
    if (!requestKey || requestKey === lastRunKey.current || !autoRun) return;
    const timer = setTimeout(run, lastRunKey.current === null ? 0 : AUTO_RUN_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [requestKey, autoRun, run]);

  const stale = Boolean(requestKey && requestKey !== lastRunKey.current && !job.running && !autoRun);
  // Errors from the service that name an input are shown next to it, like the page's own checks.
  const problems = useMemo(() => {
    const p: Record<string, string> = { ...check.problems };
    if (job.error?.cause && !(job.error.cause in p)) p[job.error.cause] = job.error.message;
    return p;
  }, [check.problems, job.error]);
  const placed = job.error?.cause && /^(a|b)\.|^(out_shape|out_dtype|backend|fp4_format)$/.test(job.error.cause);

  const openFiles = useCallback(
    async (files: File[]) => {
      setOpenError(null);
      for (const f of files) {
        setOpening(f.name);
        try {
          // The Api's host part: a path on the desktop (read lazily), an upload on the web.
          dispatch({ type: 'opened', file: await api.openLocalFile(f) });
        } catch (e) {
          const err = toApiError(e);
          setOpenError({ ...err, message: err.message.includes(f.name) ? err.message : `${f.name}: ${err.message}` });
        }
      }
      setOpening(null);
    },
    [api],
  );

  const result = job.result;
  const exports = useExports(api, host, result?.id ?? null);
  const runExport = exports.run;
  // The desktop shell's menus: files opened outside the page, and export commands.
  useEffect(
    () =>
      api.onAppEvent((event) => {
        if (event.type === 'fileOpened') dispatch({ type: 'opened', file: event.file });
        else void runExport(event.command === 'exportReport' ? 'html' : 'safetensors');
      }),
    [api, runExport],
  );

  const shortcuts: Shortcut[] = [
    { keys: 'Mod+O', description: 'open tensor files', run: () => fileInput.current?.click(), inInputs: true },
    { keys: 'Mod+Enter', description: 'run the analysis', run, inInputs: true },
    { keys: 'Escape', description: 'cancel the running job', run: () => job.cancel(), inInputs: true },
    { keys: 'Mod+E', description: 'export menu', run: () => setExportOpen((o) => !o), inInputs: true },
    { keys: 'Mod+Shift+L', description: 'light / dark theme', run: () => setThemeName((t) => (t === 'dark' ? 'light' : 'dark')), inInputs: true },
    { keys: '?', description: 'this list', run: () => setHelpOpen(true) },
  ];
  useShortcuts(shortcuts);

  const viewportKey = (target: string) => {
    if (!result) return target;
    const shape = target === 'out' ? result.matmul?.shape : result[target as 'a' | 'b']?.shape;
    return `${target}:${shape?.join('x')}`;
  };
  const viewportOf = (target: string) => viewports[viewportKey(target)] ?? null;
  const setViewportOf = (target: string) => (v: Viewport | null) => setViewports((all) => ({ ...all, [viewportKey(target)]: v }));
  const browsing = fileOf(state, state.browsing);
  const hasB = state.slots.b !== null;

  return (
    <div
      className="app"
      data-testid="drop-zone"
      onDragEnter={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }
      }}
      onDragLeave={(e) => {
        if (e.relatedTarget === null || !(e.currentTarget as Node).contains(e.relatedTarget as Node)) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const files = [...e.dataTransfer.files];
        if (files.length) void openFiles(files);
      }}
    >
      <header className="toolbar">
        <h1>
          FP4 Lab <span className="muted subtitle">where FP4 error comes from</span>
        </h1>
        <div className="toolbar-actions">
          <ExportMenu exports={exports} disabled={!result} open={exportOpen} onOpenChange={setExportOpen} />
          <button
            type="button"
            data-testid="theme-toggle"
            aria-label={`Switch to ${themeName === 'dark' ? 'light' : 'dark'} theme`}
            aria-keyshortcuts="Control+Shift+L"
            onClick={() => setThemeName(themeName === 'dark' ? 'light' : 'dark')}
            title="Light / dark (Ctrl+Shift+L)"
          >
            {themeName === 'dark' ? '☀ light' : '☾ dark'}
          </button>
          <button type="button" aria-label="Keyboard shortcuts" onClick={() => setHelpOpen(true)} title="Keyboard shortcuts (?)">
            ?
          </button>
        </div>
      </header>
      <div className="panes" style={{ gridTemplateColumns: `${panes.left}px 6px minmax(320px, 1fr) 6px ${panes.right}px` }}>
        <aside className="pane pane-left" aria-label="Files and tensors">
          <FilesPanel
            files={state.files}
            browsing={state.browsing}
            opening={opening}
            error={openError}
            onFiles={(f) => void openFiles(f)}
            onBrowse={(fileId) => dispatch({ type: 'browse', fileId })}
            onClose={(fileId) => {
              dispatch({ type: 'closed', fileId });
              void api.closeFile(fileId).catch(() => undefined);
            }}
            onDismissError={() => setOpenError(null)}
            inputRef={fileInput}
          />
          <Slots files={state.files} slots={state.slots} problems={problems} onClear={(s) => dispatch({ type: 'slot', side: s, ref: null })} onSwap={() => dispatch({ type: 'swap' })} />
          <TensorBrowser file={browsing} slots={state.slots} onAssign={(s, t) => browsing && dispatch({ type: 'slot', side: s, ref: { fileId: browsing.fileId, tensor: t.name } })} />
        </aside>
        <Splitter label="Resize the files pane" value={panes.left} min={220} max={560} direction={1} onChange={(left) => setPanes((p) => ({ ...p, left }))} />
        <main className="pane pane-center">
          <ErrorBanner error={startupError} testId="startup-error" />
          <JobBar
            running={job.running}
            canRun={Boolean(check.request)}
            blockedBy={Object.values(check.problems)[0]}
            stale={stale}
            autoRun={autoRun}
            last={job.last}
            error={job.error && !placed ? job.error : null}
            onRun={run}
            onCancel={job.cancel}
          />
          <MetricsTable result={result} />
          <div className="tabs" role="tablist" aria-label="Views">
            {TABS.map((t) => (
              <button key={t.id} type="button" role="tab" id={`tab-${t.id}`} aria-selected={tab === t.id} aria-controls={`panel-${t.id}`} onClick={() => setTab(t.id)}>
                {t.label}
              </button>
            ))}
            {tab === 'heatmaps' && result?.b && (
              <div className="side-toggle" role="radiogroup" aria-label="Side">
                {(['a', 'b'] as const).map((s) => (
                  <button key={s} type="button" role="radio" aria-checked={side === s} className={`side-${s}`} onClick={() => setSide(s)}>
                    {s.toUpperCase()}
                  </button>
                ))}
              </div>
            )}
          </div>
          <div className="tab-panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
            {!result ? (
              <p className="muted placeholder">{job.running ? 'Analysing…' : 'Pick a tensor for A and run.'}</p>
            ) : tab === 'heatmaps' ? (
              <SideHeatmaps
                api={api}
                result={result}
                side={side === 'b' && result.b ? 'b' : 'a'}
                theme={theme}
                viewport={viewportOf(side === 'b' && result.b ? 'b' : 'a')}
                onViewport={setViewportOf(side === 'b' && result.b ? 'b' : 'a')}
                onPainted={(id) => performance.mark('fp4lab:painted', { detail: id })}
              />
            ) : tab === 'output' ? (
              <OutputView api={api} result={result} theme={theme} viewport={viewportOf('out')} onViewport={setViewportOf('out')} />
            ) : tab === 'histograms' ? (
              <HistogramsView result={result} theme={theme} />
            ) : tab === 'rules' ? (
              <RuleComparisonView result={result} theme={theme} />
            ) : (
              <BackendDiffView api={api} request={check.request} backends={backends} theme={theme} />
            )}
          </div>
        </main>
        <Splitter label="Resize the kwargs pane" value={panes.right} min={240} max={520} direction={-1} onChange={(right) => setPanes((p) => ({ ...p, right }))} />
        <aside className="pane pane-right" aria-label="Kwargs">
          <SharedOptionsPanel options={state.options} backends={backends} problems={problems} hasB={hasB} onChange={(key, value) => dispatch({ type: 'option', key, value })} />
          {(['a', 'b'] as const).map((s) => (
            <KwargsPanel
              key={s}
              side={s}
              kwargs={state.kwargs[s]}
              fp4_format={state.options.fp4_format}
              problems={problems}
              disabled={s === 'b' && !hasB}
              onChange={(key, value) => dispatch({ type: 'kwarg', side: s, key, value })}
              onReset={() => {
                for (const key of Object.keys(state.kwargs[s]) as (keyof typeof state.kwargs.a)[]) dispatch({ type: 'kwarg', side: s, key, value: undefined });
              }}
            />
          ))}
        </aside>
      </div>
      <footer className="statusbar" role="contentinfo">
        <span>{apiLabel}</span>
        {result && (
          <span>
            analysis {result.id} · {result.backend} · {result.seconds.toFixed(2)} s
          </span>
        )}
      </footer>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop tensor files to open them</div>
        </div>
      )}
      {helpOpen && <ShortcutsHelp shortcuts={shortcuts} onClose={() => setHelpOpen(false)} />}
    </div>
  );
}
