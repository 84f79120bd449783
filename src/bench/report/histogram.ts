/** Equal-width histograms for the report's latency and token charts. */

export interface Histogram {
  /** Bin edges: bins.length + 1 values. */
  edges: number[];
  counts: number[];
}

/** Sturges' rule, capped: ⌈log2 n⌉ + 1 bins, at most `maxBins`; one bin when all values are equal. */
export function histogram(values: readonly number[], maxBins = 20): Histogram {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return {edges: [], counts: []};
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (lo === hi) return {edges: [lo, hi], counts: [xs.length]};
  const bins = Math.min(maxBins, Math.ceil(Math.log2(xs.length)) + 1);
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) counts[Math.min(bins - 1, Math.floor((x - lo) / width))]!++;
  const edges = Array.from({length: bins + 1}, (_, i) => lo + i * width);
  return {edges, counts};
}

/** "12–15" style labels for a histogram's bins, with enough digits that neighbouring edges differ. */
export function binLabels(h: Histogram, digits = 0): string[] {
  const width = h.edges.length > 1 ? h.edges[1]! - h.edges[0]! : 0;
  const d = width > 0 ? Math.min(6, Math.max(digits, Math.ceil(-Math.log10(width)))) : digits;
  return h.counts.map((_, i) => `${h.edges[i]!.toFixed(d)}–${h.edges[i + 1]!.toFixed(d)}`);
}
