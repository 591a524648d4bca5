import { DEFAULT_QUANTIZE_KWARGS, ROUND_STYLES, SCALE_RULES, isAdaptiveRule, type Fp4Format, type RoundStyle, type ScaleRule } from '../../app/quantize/kwargs';
import type { SideName } from '../state/kwargsValidation';
import type { SideKwargs } from '../state/workbench';
import { Field, KwargName, invalidProps } from './Field';

const HADAMARD_SIZES = [2, 4, 8, 16, 32, 64, 128, 256];

const RULE_HINTS: Record<ScaleRule, string> = {
  abs_max: 'pick 4 or 6 per block by the smaller max |error| (Four Over Six)',
  always_4: 'scale every block so its amax maps to 4',
  always_6: 'scale every block so its amax maps to 6 (plain NVFP4/MXFP4)',
  l1_norm: 'pick 4 or 6 per block by the smaller L1 error (Four Over Six)',
  mse: 'pick 4 or 6 per block by the smaller squared error (Four Over Six)',
};

export interface KwargsPanelProps {
  readonly side: SideName;
  readonly kwargs: SideKwargs;
  readonly fp4_format: Fp4Format;
  readonly problems: Readonly<Record<string, string>>;
  readonly disabled?: boolean;
  readonly onChange: <K extends keyof SideKwargs>(key: K, value: SideKwargs[K] | undefined) => void;
  readonly onReset: () => void;
}

/** One side's quantize kwargs, with the library's names, values and defaults. */
export function KwargsPanel(props: KwargsPanelProps) {
  const { side, kwargs, fp4_format, problems } = props;
  const S = side.toUpperCase();
  const d = DEFAULT_QUANTIZE_KWARGS;
  const id = (key: string) => `${side}-${key}`;
  const err = (key: string) => problems[`${side}.${key}`];
  const rule = kwargs.scale_rule ?? d.scale_rule;
  const roundStyle = kwargs.round_style ?? d.round_style;
  const had = kwargs.had ?? d.had;
  const changed = Object.keys(kwargs).length > 0;
  return (
    <fieldset className="kwargs-panel" data-testid={`kwargs-${side}`} disabled={props.disabled} aria-label={`Quantize kwargs of ${S}`}>
      <legend>
        <span className={`side-badge side-${side}`}>{S}</span> quantize kwargs
        <button type="button" className="link-button" onClick={props.onReset} disabled={!changed} aria-label={`Reset ${S} kwargs to the library defaults`}>
          defaults
        </button>
      </legend>
      <Field id={id('scale_rule')} label={<KwargName name="scale_rule" />} hint={RULE_HINTS[rule]} error={err('scale_rule')}>
        <select
          id={id('scale_rule')}
          aria-label={`${S} scale_rule`}
          value={rule}
          onChange={(e) => props.onChange('scale_rule', e.target.value === d.scale_rule ? undefined : (e.target.value as ScaleRule))}
          {...invalidProps(id('scale_rule'), err('scale_rule'))}
        >
          {SCALE_RULES.map((r) => (
            <option key={r} value={r} disabled={fp4_format === 'mxfp4' && isAdaptiveRule(r) && r !== rule} title={RULE_HINTS[r]}>
              {r}
              {r === d.scale_rule ? ' (default)' : ''}
              {fp4_format === 'mxfp4' && isAdaptiveRule(r) ? ' — nvfp4 only' : ''}
            </option>
          ))}
        </select>
      </Field>
      <Field id={id('block_scale_2d')} inline label={<KwargName name="block_scale_2d" />} hint={`one scale per ${fp4_format === 'mxfp4' ? '32×32' : '16×16'} tile instead of per 1×${fp4_format === 'mxfp4' ? 32 : 16} block`} error={err('block_scale_2d')}>
        <input
          id={id('block_scale_2d')}
          type="checkbox"
          aria-label={`${S} block_scale_2d`}
          checked={kwargs.block_scale_2d ?? d.block_scale_2d}
          onChange={(e) => props.onChange('block_scale_2d', e.target.checked === d.block_scale_2d ? undefined : e.target.checked)}
        />
      </Field>
      <Field id={id('had')} label={<KwargName name="had" />} hint="random Hadamard rotation of each row in groups of n before quantizing (spreads outliers)" error={err('had')}>
        <select
          id={id('had')}
          aria-label={`${S} had`}
          value={had === null ? 'off' : typeof had === 'number' ? String(had) : 'matrix'}
          onChange={(e) => props.onChange('had', e.target.value === 'off' ? undefined : Number(e.target.value))}
          {...invalidProps(id('had'), err('had'))}
        >
          <option value="off">None (default)</option>
          {HADAMARD_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}×{n}
            </option>
          ))}
          {Array.isArray(had) && <option value="matrix">custom matrix</option>}
        </select>
      </Field>
      <Field id={id('round_style')} label={<KwargName name="round_style" />} hint="nearest: round half to even on the FP4 grid; stochastic: unbiased random rounding" error={err('round_style')}>
        <select
          id={id('round_style')}
          aria-label={`${S} round_style`}
          value={roundStyle}
          onChange={(e) => props.onChange('round_style', e.target.value === d.round_style ? undefined : (e.target.value as RoundStyle))}
        >
          {ROUND_STYLES.map((r) => (
            <option key={r} value={r}>
              {r}
              {r === d.round_style ? ' (default)' : ''}
            </option>
          ))}
        </select>
      </Field>
      <Field id={id('seed')} label={<KwargName name="seed" />} hint="seed of the stochastic rounding (uint32)" error={err('seed')}>
        <input
          id={id('seed')}
          type="number"
          inputMode="numeric"
          min={0}
          max={4294967295}
          step={1}
          aria-label={`${S} seed`}
          disabled={roundStyle !== 'stochastic'}
          value={kwargs.seed ?? d.seed}
          onChange={(e) => props.onChange('seed', e.target.value === '' ? undefined : Number(e.target.value))}
          {...invalidProps(id('seed'), err('seed'))}
        />
      </Field>
      <Field id={id('transpose')} inline label={<KwargName name="transpose" />} hint="quantize the transpose (blocks run down the columns of the file's matrix)" error={err('transpose')}>
        <input
          id={id('transpose')}
          type="checkbox"
          aria-label={`${S} transpose`}
          checked={kwargs.transpose ?? d.transpose}
          onChange={(e) => props.onChange('transpose', e.target.checked === d.transpose ? undefined : e.target.checked)}
        />
      </Field>
    </fieldset>
  );
}
