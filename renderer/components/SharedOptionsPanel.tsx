import { AUTO_ORDER, type BackendStatus } from '../../app/backends/backend';
import { referenceFallbackNotice } from '../../app/backends/selection';
import { OUT_DTYPES, type OutDType } from '../../app/matmul/outDtype';
import { FP4_FORMATS, type Fp4Format } from '../../app/quantize/kwargs';
import type { SharedOptions } from '../state/workbench';
import { Field, KwargName, invalidProps } from './Field';

export interface SharedOptionsPanelProps {
  readonly options: SharedOptions;
  readonly backends: readonly BackendStatus[] | null;
  readonly problems: Readonly<Record<string, string>>;
  readonly hasB: boolean;
  readonly onChange: <K extends keyof SharedOptions>(key: K, value: SharedOptions[K]) => void;
}

const BACKEND_WORDS = ['auto', 'reference', 'cpu', 'cuda'] as const;

/** Options of the whole job: the format both sides use, the matmul's output, and the backend. */
export function SharedOptionsPanel(props: SharedOptionsPanelProps) {
  const { options, backends, problems } = props;
  const statusOf = (name: string) => backends?.find((b) => b.name === name);
  const fallbackNotice = backends ? referenceFallbackNotice(options.backend, backends) : null;
  const ordered = backends ? [...backends].sort((x, y) => AUTO_ORDER.indexOf(x.name) - AUTO_ORDER.indexOf(y.name)) : [];
  const autoName = ordered.find((b) => b.available)?.name;
  return (
    <fieldset className="kwargs-panel" data-testid="kwargs-shared" aria-label="Shared options">
      <legend>shared</legend>
      <Field id="fp4_format" label={<KwargName name="fp4_format" />} hint="nvfp4: E4M3 scales per 16 values + a tensor scale; mxfp4: power-of-two scales per 32 values" error={problems.fp4_format}>
        <select id="fp4_format" aria-label="fp4_format" value={options.fp4_format} onChange={(e) => props.onChange('fp4_format', e.target.value as Fp4Format)}>
          {FP4_FORMATS.map((f) => (
            <option key={f} value={f}>
              {f}
              {f === 'nvfp4' ? ' (default)' : ''}
            </option>
          ))}
        </select>
      </Field>
      <Field id="out_dtype" label={<KwargName name="out_dtype" />} hint="precision the matmul output is rounded to" error={problems.out_dtype}>
        <select id="out_dtype" aria-label="out_dtype" value={options.out_dtype} disabled={!props.hasB} onChange={(e) => props.onChange('out_dtype', e.target.value as OutDType)}>
          {OUT_DTYPES.map((d) => (
            <option key={d} value={d}>
              {d}
              {d === 'bfloat16' ? ' (default)' : ''}
            </option>
          ))}
        </select>
      </Field>
      <Field id="out_shape" label={<KwargName name="out_shape" />} hint="optional: the output shape (A rows, B rows); empty = natural" error={problems.out_shape}>
        <input
          id="out_shape"
          type="text"
          aria-label="out_shape"
          placeholder="natural (M, N)"
          disabled={!props.hasB}
          value={options.out_shape}
          onChange={(e) => props.onChange('out_shape', e.target.value)}
          {...invalidProps('out_shape', problems.out_shape)}
        />
      </Field>
      <Field id="backend" label={<KwargName name="backend" />} hint="where the numbers are computed" error={problems.backend}>
        <select id="backend" aria-label="backend" value={options.backend} onChange={(e) => props.onChange('backend', e.target.value)} {...invalidProps('backend', problems.backend)}>
          {BACKEND_WORDS.map((w) => {
            const s = w === 'auto' ? undefined : statusOf(w);
            const unavailable = w !== 'auto' && backends !== null && !s?.available;
            return (
              <option key={w} value={w} disabled={unavailable && w !== options.backend}>
                {w}
                {w === 'auto' && autoName ? ` → ${autoName}` : ''}
                {unavailable ? ' (unavailable)' : ''}
              </option>
            );
          })}
        </select>
      </Field>
      <ul className="backend-list" aria-label="Backends">
        {ordered.map((b) => (
          <li key={b.name} className={b.available ? 'available' : 'unavailable'} title={b.reason ?? b.detail}>
            <span className="dot" aria-hidden="true" />
            <strong>{b.name}</strong> {b.available ? (b.detail ?? 'available') : (b.reason ?? 'unavailable')}
          </li>
        ))}
        {backends === null && <li>checking backends…</li>}
      </ul>
      {fallbackNotice && (
        <p className="backend-notice" role="status" data-testid="backend-notice">
          {fallbackNotice}
        </p>
      )}
      <Field id="compare-rules" inline label="compare all scale rules" hint="also run every scale rule and both formats for the comparison view (7 more quantizations per side)">
        <input id="compare-rules" type="checkbox" aria-label="compare all scale rules" checked={options.compareRules} onChange={(e) => props.onChange('compareRules', e.target.checked)} />
      </Field>
    </fieldset>
  );
}
