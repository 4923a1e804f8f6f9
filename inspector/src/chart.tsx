import uPlot from "uplot";
import { useEffect, useRef } from "preact/hooks";

export interface Series {
  readonly label: string;
  readonly values: ReadonlyArray<number>;
  readonly color: string;
}

/**
 * A small live line chart (uPlot: canvas, a few KiB, fast enough to redraw
 * every second). `times` are seconds since the epoch.
 */
export const Chart = ({
  title,
  times,
  series,
}: {
  title: string;
  times: ReadonlyArray<number>;
  series: ReadonlyArray<Series>;
}) => {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = host.current!;
    const make = () =>
      new uPlot(
        {
          width: Math.max(200, el.clientWidth),
          height: 120,
          legend: { show: true, live: false },
          cursor: { show: false },
          scales: { x: { time: true } },
          axes: [
            { stroke: "#8a94a6", grid: { stroke: "#2a3140", width: 1 }, ticks: { show: false } },
            { stroke: "#8a94a6", grid: { stroke: "#2a3140", width: 1 }, ticks: { show: false }, size: 44 },
          ],
          series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } }))],
        },
        [[...times], ...series.map((s) => [...s.values])],
        el,
      );
    plot.current = make();
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: 120 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [series.length]);

  useEffect(() => {
    plot.current?.setData([[...times], ...series.map((s) => [...s.values])]);
  }, [times, series]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={host} class="chart-host" role="img" aria-label={title} />
    </figure>
  );
};
