/** Figures, the printed table and percentiles. */

export interface Row {
  readonly scenario: string;
  readonly figure: string;
  readonly unit: string;
  readonly hub: number | null;
  readonly bare: number | null;
  /** hub / bare. */
  readonly ratio: number | null;
  /** As printed, e.g. "≥ 0.35 × bare" or "< 5 ms"; empty when the figure has no target. */
  readonly target: string;
  readonly met: boolean | null;
}

/** The q-quantile (0..1) of samples, nearest-rank; NaN when there are none. */
export const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
};

export const sortedCopy = (xs: ReadonlyArray<number>): number[] => Array.from(Float64Array.from(xs).sort());

export const ratioOf = (hub: number | null, bare: number | null): number | null =>
  hub === null || bare === null || !Number.isFinite(hub) || !Number.isFinite(bare) || bare === 0 ? null : hub / bare;

const fmt = (x: number | null, unit: string): string => {
  if (x === null || !Number.isFinite(x)) return "–";
  if (unit === "ms") return x < 10 ? x.toFixed(2) : x.toFixed(1);
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString("en-US");
  return x.toFixed(1);
};

/** The table as monospace text: hub | bare | ratio | target | met. */
export const formatTable = (rows: ReadonlyArray<Row>): string => {
  const header = ["Scenario", "Figure", "Hub", "Bare", "Ratio", "Target", "Met?"];
  const body = rows.map((r) => [
    r.scenario,
    `${r.figure}${r.unit ? ` (${r.unit})` : ""}`,
    fmt(r.hub, r.unit),
    fmt(r.bare, r.unit),
    r.ratio === null ? "–" : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.met === null ? "" : r.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
};

/** The same table in Markdown, for docs/PERFORMANCE.md. */
export const formatMarkdown = (rows: ReadonlyArray<Row>): string =>
  [
    "| Scenario | Figure | Hub | Bare | Ratio | Target | Met? |",
    "|---|---|---:|---:|---:|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.figure}${r.unit ? ` (${r.unit})` : ""} | ${fmt(r.hub, r.unit)} | ${fmt(r.bare, r.unit)} | ${
          r.ratio === null ? "–" : `${r.ratio.toFixed(2)}×`
        } | ${r.target} | ${r.met === null ? "" : r.met ? "yes" : "**no**"} |`,
    ),
  ].join("\n");
