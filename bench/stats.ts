// The repeats' arithmetic: each figure as the median of its repeats with their min and max, and a
// ratio taken pair by pair (each burst over the baseline run beside it), so that a machine drifting
// during the run moves both sides of a pair rather than passing for a speed-up.

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Every repeat's value, in the order they ran. */
  values: number[];
}

/** The middle value (the mean of the two middle ones for an even count); NaN when there are none. */
export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median, min and max of the finite values (a repeat that measured nothing is NaN and left out). */
export function spread(values: number[]): Spread {
  const finite = values.filter(Number.isFinite);
  return {
    median: median(finite),
    min: finite.length === 0 ? NaN : Math.min(...finite),
    max: finite.length === 0 ? NaN : Math.max(...finite),
    values,
  };
}

/** Each numerator over the denominator measured beside it. */
export function pairedRatios(numerators: number[], denominators: number[]): number[] {
  if (numerators.length !== denominators.length) throw new Error(`cannot pair ${numerators.length} values with ${denominators.length}`);
  return numerators.map((value, index) => value / denominators[index]);
}

/** The spread of the pair-by-pair ratios: its median is the median of the ratios, not a ratio of medians. */
export function ratioSpread(numerators: number[], denominators: number[]): Spread {
  return spread(pairedRatios(numerators, denominators));
}

/** "34.5 s" for one repeat, "34.5 s (33.9–36.0)" for several: the median, then the min–max. */
export function formatSpread(value: Spread, format: (value: number) => string, unit = ''): string {
  // Repeats that agree to the digits shown are written once.
  if (value.values.length <= 1 || format(value.min) === format(value.max)) return `${format(value.median)}${unit}`;
  return `${format(value.median)}${unit} (${format(value.min)}–${format(value.max)})`;
}
