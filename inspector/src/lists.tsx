import { useState } from "preact/hooks";
import type { SocketInfo } from "../../protocol/index.ts";
import { useHub } from "./context.ts";
import type { FeedFilter } from "./feed.ts";
import { useFeed, useInterval, useLoad } from "./hooks.ts";
import { ConfirmButton, Failed, FeedList, Id, Section, bytes, when } from "./ui.tsx";

const FILTER_FIELDS: ReadonlyArray<readonly [keyof FeedFilter, string, string]> = [
  ["agentId", "Agent", "agt_…"],
  ["appId", "App", "app_…"],
  ["taskId", "Task", "tsk_…"],
  ["conversationId", "Conversation", "cnv_…"],
];

export const FeedView = () => {
  const { feed } = useHub();
  const [filter, setFilter] = useState<FeedFilter>({});
  const [paused, setPaused] = useState(false);
  const entries = useFeed(feed, filter, paused);
  const behind = paused ? feed.entries.length - entries.length : 0;
  return (
    <Section
      title="Live feed"
      actions={
        <button type="button" class="primary" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? "Resume" : "Pause"}
        </button>
      }
    >
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        {FILTER_FIELDS.map(([key, label, placeholder]) => (
          <label key={key}>
            {label}
            <input
              name={key}
              placeholder={placeholder}
              value={filter[key] ?? ""}
              onInput={(e) => {
                const value = e.currentTarget.value.trim();
                const next = { ...filter };
                if (value) next[key] = value;
                else delete next[key];
                setFilter(next);
              }}
            />
          </label>
        ))}
      </form>
      {paused ? <p class="muted">Paused{behind > 0 ? `; newer entries wait` : ""}. Resume to see them.</p> : null}
      <FeedList entries={entries} limit={300} />
    </Section>
  );
};

export const SocketsTable = ({ sockets, onChange }: { sockets: ReadonlyArray<SocketInfo>; onChange: () => void }) => {
  const { socket } = useHub();
  if (sockets.length === 0) return <p class="muted">No open socket.</p>;
  return (
    <table class="table">
      <thead>
        <tr>
          <th>Connection</th>
          <th>Principal</th>
          <th>Address</th>
          <th>Buffered</th>
          <th>Cursor lag</th>
          <th>Since</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {sockets.map((s) => (
          <tr key={s.connectionId}>
            <td class="mono">{s.connectionId}</td>
            <td>
              {s.principalType} {s.principalId ? <Id id={s.principalId} label={s.name ?? s.principalId} /> : null}
            </td>
            <td class="mono">{s.address ?? "–"}</td>
            <td>{bytes(s.bufferedBytes)}</td>
            <td>{s.cursorLag}</td>
            <td>{when(s.connectedAt)}</td>
            <td>
              <ConfirmButton
                label="Disconnect"
                danger
                question={`Close socket ${s.connectionId}? Its client may reconnect and resume.`}
                run={() => socket.call("admin/socket/close", { connectionId: s.connectionId })}
                onDone={onChange}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

export const SocketsView = () => {
  const { socket } = useHub();
  const [page, reload] = useLoad(() => socket.call("admin/sockets/list", { limit: 200 }), []);
  useInterval(reload, 3000);
  return (
    <Section title="Open sockets">
      {page.state === "ok" ? (
        <SocketsTable sockets={page.value.items} onChange={reload} />
      ) : page.state === "error" ? (
        <Failed message={page.message} />
      ) : (
        <p class="muted">Loading…</p>
      )}
    </Section>
  );
};

export const AgentsView = () => {
  const { socket } = useHub();
  const [query, setQuery] = useState("");
  const [agents] = useLoad(async () => {
    const [page, online] = await Promise.all([
      socket.call("agent/agents/list", { query, limit: 200 }),
      socket.call("admin/sockets/list", { principalType: "agent", limit: 200 }),
    ]);
    const sockets = new Map<string, number>();
    for (const s of online.items) sockets.set(s.principalId!, (sockets.get(s.principalId!) ?? 0) + 1);
    return page.items.map((a) => ({ ...a, sockets: sockets.get(a.id) ?? 0 }));
  }, [query]);
  return (
    <Section
      title="Agents"
      actions={
        <input
          type="search"
          aria-label="Search agents"
          placeholder="Search by name"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      }
    >
      {agents.state === "ok" ? (
        <table class="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Id</th>
              <th>Status</th>
              <th>Sockets</th>
              <th>Owner</th>
            </tr>
          </thead>
          <tbody>
            {agents.value.map((a) => (
              <tr key={a.id}>
                <td>
                  <Id id={a.id} label={a.displayName ?? a.name} />
                </td>
                <td class="mono">{a.id}</td>
                <td>{a.status}</td>
                <td>
                  {a.sockets > 0 ? <span class="online">● {a.sockets}</span> : <span class="muted">offline</span>}
                </td>
                <td class="mono">{a.ownerUserId ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : agents.state === "error" ? (
        <Failed message={agents.message} />
      ) : (
        <p class="muted">Loading…</p>
      )}
    </Section>
  );
};

const STATUSES = ["", "waiting", "active", "failed", "closed"] as const;

export const TasksView = () => {
  const { socket } = useHub();
  const [status, setStatus] = useState<(typeof STATUSES)[number]>("");
  const [tasks] = useLoad(
    () => socket.call("admin/tasks/list", { limit: 100, ...(status ? { status } : {}) }),
    [status],
  );
  return (
    <Section
      title="Tasks"
      actions={
        <label>
          Status{" "}
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value as (typeof STATUSES)[number])}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || "any"}
              </option>
            ))}
          </select>
        </label>
      }
    >
      {tasks.state === "ok" ? (
        <table class="table">
          <thead>
            <tr>
              <th>Task</th>
              <th>Title</th>
              <th>Status</th>
              <th>App</th>
              <th>Initiator</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {tasks.value.items.map((t) => (
              <tr key={t.id}>
                <td>
                  <Id id={t.id} />
                </td>
                <td>{t.title ?? "–"}</td>
                <td>
                  {t.status}
                  {t.failureReason ? ` (${t.failureReason})` : ""}
                </td>
                <td>
                  <Id id={t.appId} />
                </td>
                <td>
                  <Id id={t.initiatorAgentId} />
                </td>
                <td>{when(t.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : tasks.state === "error" ? (
        <Failed message={tasks.message} />
      ) : (
        <p class="muted">Loading…</p>
      )}
    </Section>
  );
};

export const AppsView = () => {
  const { socket } = useHub();
  const [apps] = useLoad(() => socket.call("admin/apps/list", { limit: 200 }), []);
  return (
    <Section title="Apps">
      {apps.state === "ok" ? (
        <table class="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Id</th>
              <th>Scopes</th>
              <th>Capabilities</th>
            </tr>
          </thead>
          <tbody>
            {apps.value.items.map((a) => (
              <tr key={a.id}>
                <td>
                  <Id id={a.id} label={a.name} />
                </td>
                <td class="mono">{a.id}</td>
                <td>{a.scopes.join(", ") || "–"}</td>
                <td>{a.capabilities.join(", ") || "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : apps.state === "error" ? (
        <Failed message={apps.message} />
      ) : (
        <p class="muted">Loading…</p>
      )}
    </Section>
  );
};
