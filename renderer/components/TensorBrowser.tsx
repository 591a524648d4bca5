import { useMemo, useState } from 'react';
import type { FileSummary, TensorSummary } from '../../app/api/contract';
import { formatBytes, formatShape } from '../../app/plots/numberFormat';
import type { SideName } from '../state/kwargsValidation';
import type { TensorRef } from '../state/workbench';

export interface TensorBrowserProps {
  readonly file: FileSummary | undefined;
  readonly slots: Readonly<Record<SideName, TensorRef | null>>;
  readonly onAssign: (side: SideName, tensor: TensorSummary) => void;
}

/** The tensors of one file: search, dtype filter, and buttons that put a tensor into slot A or B. */
export function TensorBrowser({ file, slots, onAssign }: TensorBrowserProps) {
  const [query, setQuery] = useState('');
  const [dtype, setDtype] = useState('all');
  const [quantizableOnly, setQuantizableOnly] = useState(false);
  const dtypes = useMemo(() => [...new Set(file?.tensors.map((t) => t.dtype) ?? [])].sort(), [file]);
  const shown = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return (file?.tensors ?? []).filter(
      (t) => words.every((w) => t.name.toLowerCase().includes(w)) && (dtype === 'all' || t.dtype === dtype) && (!quantizableOnly || t.matrix !== null),
    );
  }, [file, query, dtype, quantizableOnly]);
  if (!file) return <p className="muted">Open a file to list its tensors.</p>;
  const inSlot = (t: TensorSummary, side: SideName) => slots[side]?.fileId === file.fileId && slots[side]?.tensor === t.name;
  return (
    <div className="tensor-browser">
      <div className="tensor-filters">
        <input type="search" aria-label="Search tensors" placeholder={`Search ${file.tensors.length} tensors`} value={query} onChange={(e) => setQuery(e.target.value)} />
        <select aria-label="Filter by dtype" value={dtype} onChange={(e) => setDtype(e.target.value)}>
          <option value="all">all dtypes</option>
          {dtypes.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
        <label className="checkbox-label">
          <input type="checkbox" checked={quantizableOnly} onChange={(e) => setQuantizableOnly(e.target.checked)} /> float only
        </label>
      </div>
      <ul className="tensor-list" data-testid="tensor-list" aria-label={`Tensors in ${file.name}`}>
        {shown.map((t) => (
          <li key={t.name} className={`tensor-row${t.matrix ? '' : ' not-quantizable'}`} data-tensor={t.name} title={t.note}>
            <div className="tensor-name">{t.name}</div>
            <div className="tensor-meta">
              <span className="dtype">{t.dtype}</span>
              <span className="shape">
                {formatShape(t.shape)}
                {t.matrix && t.shape.length !== 2 && <span className="flattened"> → {formatShape(t.matrix)}</span>}
              </span>
              <span className="size">{formatBytes(t.bytes)}</span>
            </div>
            <div className="tensor-actions">
              {(['a', 'b'] as const).map((side) => (
                <button
                  key={side}
                  type="button"
                  className={`slot-button side-${side}${inSlot(t, side) ? ' active' : ''}`}
                  disabled={!t.matrix}
                  aria-pressed={inSlot(t, side)}
                  aria-label={`Use ${t.name} as ${side.toUpperCase()}`}
                  title={t.matrix ? `Use as ${side.toUpperCase()}` : t.note}
                  onClick={() => onAssign(side, t)}
                >
                  {side.toUpperCase()}
                </button>
              ))}
            </div>
          </li>
        ))}
        {shown.length === 0 && <li className="muted">No tensor matches.</li>}
      </ul>
    </div>
  );
}
