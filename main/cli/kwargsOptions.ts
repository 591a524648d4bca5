import { Option, type Command } from 'commander';
import { invalidArgument } from '../../app/errors';
import { FP4_FORMATS, ROUND_STYLES, SCALE_RULES, type QuantizeKwargs } from '../../app/quantize/kwargs';

/**
 * The library's quantize kwargs as CLI flags. `side` prefixes them for matmul ("a" -> --a-scale-rule).
 * Values are validated by the engine (resolveQuantizeKwargs), so messages are the same everywhere.
 */
export function addQuantizeKwargOptions(cmd: Command, side = '', withFormat = true): Command {
  const p = side ? `${side}-` : '';
  const who = side ? ` for ${side}` : '';
  if (withFormat) cmd.addOption(new Option('--fp4-format <format>', 'fp4_format').choices(FP4_FORMATS as unknown as string[]).default('nvfp4'));
  cmd.addOption(new Option(`--${p}scale-rule <rule>`, `scale_rule${who} (Four Over Six: mse, l1_norm, abs_max)`).choices(SCALE_RULES as unknown as string[]).default('mse'));
  cmd.option(`--${p}block-scale-2d`, `block_scale_2d${who}: one scale per 16x16 tile (32x32 for mxfp4)`, false);
  cmd.option(`--${p}had <n>`, `had${who}: rotate by the n x n Sylvester Hadamard matrix / sqrt(n) (16 is usual)`);
  cmd.addOption(new Option(`--${p}round-style <style>`, `round_style${who}`).choices(ROUND_STYLES as unknown as string[]).default('nearest'));
  cmd.option(`--${p}seed <n>`, `seed of stochastic rounding${who}`, '0');
  cmd.option(`--${p}transpose`, `transpose${who}: quantize x.T`, false);
  return cmd;
}

function integerFlag(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw invalidArgument(`${flag} must be an integer; got ${JSON.stringify(value)}`);
  return n;
}

/** Read the parsed flags back into kwargs (not yet validated). */
export function quantizeKwargsFromOptions(opts: Record<string, unknown>, side = ''): Partial<QuantizeKwargs> {
  const camel = (name: string): string => (side ? side + name[0].toUpperCase() + name.slice(1) : name);
  const p = side ? `--${side}-` : '--';
  return {
    fp4_format: opts.fp4Format as QuantizeKwargs['fp4_format'],
    scale_rule: opts[camel('scaleRule')] as QuantizeKwargs['scale_rule'],
    block_scale_2d: Boolean(opts[camel('blockScale2d')]),
    had: integerFlag(opts[camel('had')], `${p}had`) ?? null,
    round_style: opts[camel('roundStyle')] as QuantizeKwargs['round_style'],
    seed: integerFlag(opts[camel('seed')], `${p}seed`) ?? 0,
    transpose: Boolean(opts[camel('transpose')]),
  };
}
