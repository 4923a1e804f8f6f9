import { useState } from "preact/hooks";
import type { Message } from "../../protocol/index.ts";
import { useHub } from "./context.ts";
import { useFeed, useFeedListener, useInterval, useLoad } from "./hooks.ts";
import { SocketsTable } from "./lists.tsx";
import { ConfirmButton, Failed, FeedList, Id, Json, SecretDialog, Section, when } from "./ui.tsx";

const Field = ({ label, children }: { label: string; children: preact.ComponentChildren }) => (
  <>
    <dt>{label}</dt>
    <dd>{children}</dd>
  </>
);

const Loading = ({ state }: { state: { state: "loading" } | { state: "error"; message: string } }) =>
  state.state === "error" ? <Failed message={state.message} /> : <p class="muted">Loading…</p>;

/** Rotate a principal's token after confirmation, and show the new one once. */
const RotateToken = ({ principalId, onDone }: { principalId: string; onDone?: () => void }) => {
  const { socket } = useHub();
  const [token, setToken] = useState<string | undefined>();
  return (
    <>
      <ConfirmButton
        label="Rotate token"
        danger
        question={`Issue a new token for ${principalId}? The old token stops at once and its sockets close.`}
        run={() => socket.call("admin/token/rotate", { principalId })}
        onDone={(r) => {
          setToken(r.token);
          onDone?.();
        }}
      />
      {token ? (
        <SecretDialog title={`New token for ${principalId}`} secret={token} onClose={() => setToken(undefined)} />
      ) : null}
    </>
  );
};

export const AgentView = ({ id }: { id: string }) => {
  const { socket, feed } = useHub();
  const [agent, reload] = useLoad(() => socket.call("admin/agent/get", { agentId: id as never }), [id]);
  useInterval(reload, 3000);
  const events = useFeed(feed, { agentId: id });
  if (agent.state !== "ok") return <Loading state={agent} />;
  const a = agent.value;
  const suspended = a.agent.status === "suspended";
  return (
    <div class="detail">
      <Section
        title={`Agent ${a.agent.displayName ?? a.agent.name}`}
        actions={
          <>
            {suspended ? (
              <ConfirmButton
                label="Unsuspend"
                question={`Lift ${a.agent.name}'s suspension?`}
                run={() => socket.call("admin/agent/unsuspend", { agentId: a.agent.id })}
                onDone={reload}
              />
            ) : (
              <ConfirmButton
                label="Suspend"
                danger
                question={`Suspend ${a.agent.name}? Its sockets close (4403) and its calls fail until you unsuspend it.`}
                run={() => socket.call("admin/agent/suspend", { agentId: a.agent.id })}
                onDone={reload}
              />
            )}
            <RotateToken principalId={a.agent.id} onDone={reload} />
          </>
        }
      >
        <dl class="fields">
          <Field label="Id">
            <span class="mono">{a.agent.id}</span>
          </Field>
          <Field label="Name">{a.agent.name}</Field>
          <Field label="Status">
            <span data-testid="agent-status">{a.agent.status}</span>
            {a.online ? <span class="online"> ● online</span> : <span class="muted"> offline</span>}
          </Field>
          <Field label="Owner">{a.owner ? `${a.owner.name} (${a.owner.id})` : "none"}</Field>
          <Field label="Created">{when(a.agent.createdAt)}</Field>
        </dl>
      </Section>
      <Section title="Sockets">
        <SocketsTable sockets={a.sockets} onChange={reload} />
      </Section>
      <div class="columns">
        <Section title="Recent tasks">
          {a.tasks.length === 0 ? (
            <p class="muted">No task.</p>
          ) : (
            <ul class="plain">
              {a.tasks.map((t) => (
                <li key={t.id}>
                  <Id id={t.id} /> {t.title ?? ""} <span class="muted">{t.status}</span>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Card">
          {a.card ? <Json value={a.card} /> : <p class="muted">No card: sends and accepts every intent.</p>}
        </Section>
      </div>
      <Section title="Live events of this agent">
        <FeedList entries={events} limit={50} empty="Nothing from this agent since the page opened." />
      </Section>
      <Section title="Newest entries of its event log">
        {a.recentEvents.length === 0 ? (
          <p class="muted">Empty.</p>
        ) : (
          <ul class="plain">
            {a.recentEvents.map((e) => (
              <li key={e.cursor}>
                <span class="mono">{e.cursor}</span> {e.method}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
};

export const TaskView = ({ id }: { id: string }) => {
  const { socket, feed } = useHub();
  const [task, reload] = useLoad(() => socket.call("admin/task/get", { taskId: id as never }), [id]);
  const events = useFeed(feed, { taskId: id });
  useFeedListener(feed, { taskId: id }, (e) => {
    if (e.kind !== "message.sent") reload();
  });
  if (task.state !== "ok") return <Loading state={task} />;
  const { task: t, participants, conversations } = task.value;
  const timeline = [
    { at: t.createdAt, what: `requested by ${t.initiatorAgentId} on ${t.appId}` },
    ...(t.startedAt ? [{ at: t.startedAt, what: "accepted" }] : []),
    ...participants.map((p) => ({ at: p.admittedAt, what: `${p.agentId} admitted` })),
    ...conversations.flatMap((c) => [
      { at: c.conversation.createdAt, what: `conversation ${c.conversation.name ?? c.conversation.id} created` },
      ...(c.conversation.archivedAt
        ? [{ at: c.conversation.archivedAt, what: `conversation ${c.conversation.id} archived` }]
        : []),
    ]),
    ...(t.endedAt ? [{ at: t.endedAt, what: `${t.status}${t.failureReason ? `: ${t.failureReason}` : ""}` }] : []),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const open = t.status === "active" || t.status === "waiting";
  return (
    <div class="detail">
      <Section
        title={`Task ${t.title ?? t.id}`}
        actions={
          open ? (
            <ConfirmButton
              label="Close task"
              danger
              question={`Close task ${t.id}? Its participants are told and no more messages are accepted.`}
              run={() => socket.call("admin/task/close", { taskId: t.id })}
              onDone={reload}
            />
          ) : null
        }
      >
        <dl class="fields">
          <Field label="Id">
            <span class="mono">{t.id}</span>
          </Field>
          <Field label="Status">
            {t.status}
            {t.failureReason ? ` (${t.failureReason})` : ""}
          </Field>
          <Field label="App">
            <Id id={t.appId} />
          </Field>
          <Field label="Initiator">
            <Id id={t.initiatorAgentId} />
          </Field>
        </dl>
      </Section>
      <div class="columns">
        <Section title="Participants">
          <ul class="plain">
            {participants.map((p) => (
              <li key={p.agentId}>
                <Id id={p.agentId} /> <span class="muted">since {when(p.admittedAt)}</span>
              </li>
            ))}
          </ul>
        </Section>
        <Section title="Conversations">
          {conversations.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul class="plain">
              {conversations.map((c) => (
                <li key={c.conversation.id}>
                  <Id id={c.conversation.id} label={c.conversation.name ?? c.conversation.id} />{" "}
                  <span class="muted">
                    {c.participants.length} participants{c.conversation.archivedAt ? ", archived" : ""}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
      <Section title="Timeline">
        <ol class="timeline">
          {timeline.map((e, i) => (
            <li key={i}>
              <time dateTime={e.at}>{when(e.at)}</time> {e.what}
            </li>
          ))}
        </ol>
      </Section>
      <Section title="Live events of this task">
        <FeedList entries={events} limit={50} empty="Nothing in this task since the page opened." />
      </Section>
    </div>
  );
};

const partText = (m: Message): string =>
  m.retractedAt
    ? "(retracted)"
    : m.parts
        .map((p) =>
          p.type === "text"
            ? p.text
            : p.type === "intent"
              ? `[intent ${p.intent}] ${JSON.stringify(p.payload)}`
              : p.type === "data"
                ? `[data] ${JSON.stringify(p.data)}`
                : p.type === "file"
                  ? `[file ${p.name}]`
                  : "[image]",
        )
        .join("\n");

const PAGE = 50;

export const ConversationView = ({ id }: { id: string }) => {
  const { socket, feed } = useHub();
  const [head, reloadHead] = useLoad(
    () => socket.call("admin/conversation/get", { conversationId: id as never }),
    [id],
  );
  const [messages, setMessages] = useState<Message[]>([]);
  const [older, setOlder] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loaded] = useLoad(async () => {
    const page = await socket.call("admin/messages/list", { conversationId: id as never, limit: PAGE });
    setMessages([...page.items]);
    setOlder(page.nextCursor);
    return true;
  }, [id]);

  // Live: each new message in this conversation fetches what follows the newest shown.
  useFeedListener(feed, { conversationId: id }, (e) => {
    if (e.kind === "conversation.archived" || e.kind === "conversation.participants") reloadHead();
    if (e.kind !== "message.sent" && e.kind !== "message.retracted") return;
    const after = messages.at(-1)?.seq ?? 0;
    socket
      .call("admin/messages/list", { conversationId: id as never, afterSeq: after, limit: 200 })
      .then((page) => setMessages((shown) => [...shown.filter((m) => m.seq <= after), ...page.items]))
      .catch((err: unknown) => setError(String(err)));
  });

  const loadOlder = async () => {
    if (!older) return;
    const page = await socket.call("admin/messages/list", { conversationId: id as never, cursor: older, limit: PAGE });
    setMessages((shown) => [...page.items, ...shown]);
    setOlder(page.nextCursor);
  };

  if (head.state !== "ok") return <Loading state={head} />;
  const { conversation: c, participants } = head.value;
  return (
    <div class="detail">
      <Section
        title={`Conversation ${c.name ?? c.id}`}
        actions={
          c.archivedAt ? (
            <span class="muted">archived {when(c.archivedAt)}</span>
          ) : (
            <ConfirmButton
              label="Archive"
              danger
              question={`Archive conversation ${c.id}? Its participants are told and can no longer send to it.`}
              run={() => socket.call("admin/conversation/archive", { conversationId: c.id })}
              onDone={reloadHead}
            />
          )
        }
      >
        <dl class="fields">
          <Field label="Id">
            <span class="mono">{c.id}</span>
          </Field>
          <Field label="Task">
            <Id id={c.taskId} />
          </Field>
          <Field label="Participants">
            {participants.map((p) => (
              <span key={p}>
                <Id id={p} />{" "}
              </span>
            ))}
          </Field>
        </dl>
      </Section>
      <Section title="Messages">
        {loaded.state === "error" ? <Failed message={loaded.message} /> : null}
        {error ? <Failed message={error} /> : null}
        {older ? (
          <button type="button" onClick={() => void loadOlder()}>
            Older messages
          </button>
        ) : null}
        {messages.length === 0 ? <p class="muted">No message yet.</p> : null}
        <ol class="messages">
          {messages.map((m) => (
            <li key={m.id} class="message">
              <span class="seq">#{m.seq}</span> <Id id={m.senderId} />{" "}
              <time class="muted" dateTime={m.createdAt}>
                {when(m.createdAt)}
              </time>
              <div class="message-text">{partText(m)}</div>
            </li>
          ))}
        </ol>
      </Section>
    </div>
  );
};

export const AppView = ({ id }: { id: string }) => {
  const { socket, feed } = useHub();
  const [app, reload] = useLoad(() => socket.call("admin/app/get", { appId: id as never }), [id]);
  useInterval(reload, 3000);
  const events = useFeed(feed, { appId: id });
  if (app.state !== "ok") return <Loading state={app} />;
  const a = app.value;
  return (
    <div class="detail">
      <Section
        title={`App ${a.app.name}`}
        actions={a.app.id === "app_default" ? null : <RotateToken principalId={a.app.id} onDone={reload} />}
      >
        <dl class="fields">
          <Field label="Id">
            <span class="mono">{a.app.id}</span>
          </Field>
          <Field label="Scopes">{a.app.scopes.join(", ") || "none"}</Field>
          <Field label="Capabilities">{a.app.capabilities.join(", ") || "none"}</Field>
          <Field label="Callbacks in flight">{a.callbacksInFlight}</Field>
          <Field label="Message hook">{a.manifest.hooks?.messageAuthorize ? "yes" : "no"}</Field>
          <Field label="Webhooks">not available on this hub</Field>
        </dl>
      </Section>
      <Section title="Sockets">
        <SocketsTable sockets={a.sockets} onChange={reload} />
      </Section>
      <div class="columns">
        <Section title="Grants">
          {a.grants.length === 0 ? (
            <p class="muted">No grant.</p>
          ) : (
            <table class="table">
              <thead>
                <tr>
                  <th>Subject</th>
                  <th>Scope</th>
                  <th>Capabilities</th>
                  <th>Mode</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {a.grants.map((g) => (
                  <tr key={g.id}>
                    <td class="mono">
                      {g.subjectType} {g.subjectId}
                    </td>
                    <td>{g.scope}</td>
                    <td>{g.capabilities.join(", ")}</td>
                    <td>{g.executionMode}</td>
                    <td>{g.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        <Section title="Manifest">
          <Json value={a.manifest} />
        </Section>
      </div>
      <Section title="Live events of this app">
        <FeedList entries={events} limit={50} empty="Nothing from this app since the page opened." />
      </Section>
    </div>
  );
};
