import type { QuantizeKwargs } from '../quantize/kwargs';
import type { AnalysisResult, RuleComparisonRow, SideAnalysis } from './model';

/** The sides of an analysis, A first. */
export function analysisSides(result: Pick<AnalysisResult, 'a' | 'b'>): SideAnalysis[] {
  return result.b ? [result.a, result.b] : [result.a];
}

export interface SideRuleComparison {
  readonly side: SideAnalysis;
  readonly rows: readonly RuleComparisonRow[];
}

/** Each side with its rule comparison, where the analysis compared rules; A first. */
export function ruleComparisonsBySide(result: AnalysisResult): SideRuleComparison[] {
  const rc = result.ruleComparison;
  if (!rc) return [];
  const out: SideRuleComparison[] = [{ side: result.a, rows: rc.a }];
  if (rc.b && result.b) out.push({ side: result.b, rows: rc.b });
  return out;
}

/** Whether a rule-comparison row is the variant (format and rule) the side was analysed with. */
export function isAnalysedVariant(row: Pick<RuleComparisonRow, 'fp4_format' | 'scale_rule'>, kwargs: Pick<QuantizeKwargs, 'fp4_format' | 'scale_rule'>): boolean {
  return row.fp4_format === kwargs.fp4_format && row.scale_rule === kwargs.scale_rule;
}
