import type { FileSummary } from '../../app/api/contract';
import { formatShape } from '../../app/plots/numberFormat';
import type { SideName } from '../state/kwargsValidation';
import type { TensorRef } from '../state/workbench';

export interface SlotsProps {
  readonly files: readonly FileSummary[];
  readonly slots: Readonly<Record<SideName, TensorRef | null>>;
  readonly problems: Readonly<Record<string, string>>;
  readonly onClear: (side: SideName) => void;
  readonly onSwap: () => void;
}

/** What will be quantized: A (required) and B (optional; with B the matmul a @ b.T is analysed too). */
export function Slots({ files, slots, problems, onClear, onSwap }: SlotsProps) {
  const slot = (side: SideName) => {
    const ref = slots[side];
    const file = files.find((f) => f.fileId === ref?.fileId);
    const tensor = file?.tensors.find((t) => t.name === ref?.tensor);
    const error = problems[`${side}.tensor`];
    return (
      <div className={`slot side-${side}${error ? ' slot-invalid' : ''}`} data-testid={`slot-${side}`} aria-label={`Slot ${side.toUpperCase()}`} role="group">
        <span className={`side-badge side-${side}`}>{side.toUpperCase()}</span>
        {ref ? (
          <div className="slot-body">
            <div className="slot-tensor" title={ref.tensor}>
              {ref.tensor}
            </div>
            <div className="slot-meta muted">
              {file?.name ?? 'closed file'}
              {tensor && ` · ${tensor.dtype} · ${formatShape(tensor.shape)}`}
              {tensor?.matrix && tensor.shape.length !== 2 && ` → ${formatShape(tensor.matrix)}`}
            </div>
          </div>
        ) : (
          <div className="slot-body muted">{side === 'a' ? 'pick a tensor (weight)' : 'optional: a second operand (activation) for a @ b.T'}</div>
        )}
        {ref && side === 'b' && (
          <button type="button" className="icon-button" aria-label="Clear slot B" onClick={() => onClear(side)}>
            ×
          </button>
        )}
        {error && (
          <p className="field-error" role="alert" data-testid={`error-${side}-tensor`}>
            {error}
          </p>
        )}
      </div>
    );
  };
  return (
    <div className="slots">
      {slot('a')}
      <button type="button" className="link-button swap" onClick={onSwap} disabled={!slots.a || !slots.b} aria-label="Swap A and B">
        ⇅ swap
      </button>
      {slot('b')}
    </div>
  );
}
