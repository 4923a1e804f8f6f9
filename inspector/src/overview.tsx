import { useMemo } from "preact/hooks";
import { Chart } from "./chart.tsx";
import { useHub } from "./context.ts";
import { useFeed, useInterval, useLoad } from "./hooks.ts";
import { Failed, FeedList, Section } from "./ui.tsx";

const Stat = ({ label, value, hint }: { label: string; value: number | string; hint?: string }) => (
  <div class="stat" title={hint}>
    <span class="stat-value">{value}</span>
    <span class="stat-label">{label}</span>
  </div>
);

const round = (n: number) => (Math.round(n * 10) / 10).toString();

/** One screen: the counts, three live charts and the newest feed entries. */
export const Overview = () => {
  const { socket, feed } = useHub();
  const [overview, reload] = useLoad(() => socket.call("admin/overview", {}), []);
  useInterval(reload, 1000);
  const recent = useFeed(feed, {});

  const charts = useMemo(() => {
    if (overview.state !== "ok") return undefined;
    const h = overview.value.history;
    const times = h.map((s) => Date.parse(s.at) / 1000);
    return {
      times,
      rates: [
        { label: "messages/s", values: h.map((s) => s.messagesPerSecond), color: "#4cc9f0" },
        { label: "commits/s", values: h.map((s) => s.commitsPerSecond), color: "#f72585" },
      ],
      commit: [
        { label: "commit ms", values: h.map((s) => s.commitMs), color: "#ffb703" },
        { label: "writes/group", values: h.map((s) => s.commitGroup), color: "#8ecae6" },
      ],
      presence: [
        { label: "agents online", values: h.map((s) => s.agentsOnline), color: "#80ed99" },
        { label: "sockets", values: h.map((s) => s.sockets), color: "#c77dff" },
      ],
    };
  }, [overview]);

  if (overview.state === "loading") return <p class="muted">Loading the overview…</p>;
  if (overview.state === "error") return <Failed message={overview.message} />;
  const o = overview.value;
  const last = o.history.at(-1);
  return (
    <div class="overview">
      <div class="stats" aria-label="Counts">
        <Stat label="agents online" value={o.agentsOnline} />
        <Stat label="agent sockets" value={o.sockets.agent} />
        <Stat label="app sockets" value={o.sockets.app} />
        <Stat label="user sockets" value={o.sockets.user} />
        <Stat label="admin sockets" value={o.sockets.admin} />
        <Stat label="tasks waiting" value={o.tasks.waiting} />
        <Stat label="tasks active" value={o.tasks.active} />
        <Stat label="tasks failed" value={o.tasks.failed} />
        <Stat label="tasks closed" value={o.tasks.closed} />
        <Stat
          label="messages/s"
          value={round(last?.messagesPerSecond ?? 0)}
          hint={`${o.totals.messages} since start`}
        />
        <Stat label="commit ms" value={round(last?.commitMs ?? 0)} hint="mean time to run and commit one group" />
        <Stat label="writes/group" value={round(last?.commitGroup ?? 0)} hint="mean writes per group commit" />
        <Stat label="callbacks in flight" value={o.callbacksInFlight} hint={`${o.totals.callbacks} since start`} />
        <Stat
          label="slow-consumer closes"
          value={o.totals.slowConsumerCloses}
          hint="sockets closed with 4008 since start"
        />
      </div>
      {charts ? (
        <div class="charts">
          <Chart title="Messages and commits per second" times={charts.times} series={charts.rates} />
          <Chart title="Commit latency and group size" times={charts.times} series={charts.commit} />
          <Chart title="Agents online and sockets" times={charts.times} series={charts.presence} />
        </div>
      ) : null}
      <Section title="Live feed" actions={<a href="#/feed">Filter, pause…</a>}>
        <FeedList entries={recent} limit={12} />
      </Section>
      <p class="muted small">
        Switchboard {o.version}, up since {new Date(o.startedAt).toLocaleString(undefined, { hour12: false })}.
      </p>
    </div>
  );
};
