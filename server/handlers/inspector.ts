import { Methods, Notifications, type SocketInfo } from "../../protocol/index.ts";
import { encodeCursor, nowIso } from "../../storage/index.ts";
import type { HubContext } from "../hub-context.ts";
import { CloseCode } from "../limits.ts";
import { implement } from "../rpc.ts";
import type { Session } from "../session.ts";
import { requireOpen } from "./access.ts";
import { messagePage } from "./messages.ts";
import { DEFAULT_LIMIT, readCursor, toPage } from "./paging.ts";

/** Cursor lag is counted up to this many events: past it, the socket is far behind either way. */
const LAG_CAP = 10_000;
const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;
const RECENT_TASKS = 20;
const RECENT_EVENTS = 20;
const TASK_CONVERSATIONS = 200;
const APP_GRANTS = 100;

/** The admin reads and actions of the web inspector (protocol/methods/inspector.ts). */
export const inspectorHandlers = (hub: HubContext) => {
  const { storage, sessions, inspector } = hub;

  const socketInfo = async (s: Session): Promise<SocketInfo> => {
    const p = s.principal;
    const address = s.address;
    return {
      connectionId: s.id,
      principalType: p?.type ?? "anonymous",
      ...(p ? { principalId: p.id } : {}),
      ...(p && p.type !== "admin" ? { name: p.name } : {}),
      ...(address !== undefined ? { address } : {}),
      connectedAt: new Date(s.connectedAt).toISOString(),
      bufferedBytes: s.buffered,
      cursorLag: p ? await storage.events.countAfter(p.id, s.lastCursor, LAG_CAP) : 0,
      live: s.live,
    };
  };
  const socketsOf = (principalId: string): Promise<SocketInfo[]> =>
    Promise.all([...(sessions.of(principalId) ?? [])].filter((s) => !s.closed).map(socketInfo));

  return [
    implement(Methods.AdminOverview, async () => {
      const { counts, agentsOnline } = inspector.stats.sockets();
      const totals = await inspector.stats.totals();
      return {
        at: nowIso(),
        version: hub.version,
        startedAt: inspector.stats.startedAt,
        agentsOnline,
        sockets: counts,
        tasks: await storage.tasks.countByStatus(),
        callbacksInFlight: hub.callbacks.inFlight(),
        totals: {
          messages: totals.messages,
          commits: totals.commits,
          slowConsumerCloses: totals.slowConsumerCloses,
          callbacks: totals.callbacks,
        },
        history: inspector.stats.history(),
      };
    }),

    implement(Methods.AdminFeedSubscribe, (p, { session }) => {
      if (session) inspector.feed.subscribe(session, p.filter ?? {});
      return { seq: inspector.feed.lastSeq };
    }),
    implement(Methods.AdminFeedUnsubscribe, (_p, { session }) => {
      if (session) inspector.feed.unsubscribe(session);
      return {};
    }),

    implement(Methods.AdminSocketsList, async (p, { raise }) => {
      const limit = p.limit ?? DEFAULT_LIMIT;
      const after = p.cursor === undefined ? undefined : readCursor(raise, p.cursor, ["number", "string"]);
      const open = [...sessions.each()]
        .filter(
          (s) =>
            !s.closed &&
            (p.principalType === undefined || (s.principal?.type ?? "anonymous") === p.principalType) &&
            (p.principalId === undefined || s.principal?.id === p.principalId),
        )
        // Newest first; the connection id breaks ties so the order is total.
        .sort((a, b) => b.connectedAt - a.connectedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .filter((s) => !after || s.connectedAt < after[0] || (s.connectedAt === after[0] && s.id > after[1]))
        .slice(0, limit + 1);
      const page = toPage(
        open,
        limit,
        (s) => s,
        (s) => [s.connectedAt, s.id],
      );
      return { ...page, items: await Promise.all(page.items.map(socketInfo)) };
    }),

    implement(Methods.AdminSocketClose, (p, { raise, afterResponse }) => {
      const session = sessions.find(p.connectionId);
      if (!session || session.closed) {
        return raise("NotFound", {}, `No open socket ${p.connectionId}; it may have closed already.`);
      }
      // After the answer, in case it is the caller's own socket.
      afterResponse(() => session.close(CloseCode.closedByAdmin, "closed by the admin"));
      return {};
    }),

    implement(Methods.AdminAgentGet, async (p, { raise }) => {
      const found = (await storage.agents.getWithCard(p.agentId)) ?? raise("AgentNotFound", { agentIds: [p.agentId] });
      const ownerId = found.agent.ownerUserId;
      return {
        agent: found.agent,
        card: found.card,
        owner: (ownerId !== undefined ? await storage.users.get(ownerId) : undefined) ?? null,
        online: sessions.isOnline(p.agentId),
        sockets: await socketsOf(p.agentId),
        tasks: (await storage.tasks.listAll({ agentId: p.agentId }, NO_UPPER_BOUND, RECENT_TASKS)).map((r) => r.task),
        recentEvents: (await storage.events.recent(p.agentId, RECENT_EVENTS)).map((e) => ({
          cursor: String(e.cursor),
          method: e.method,
          params: JSON.parse(e.params) as unknown,
        })),
      };
    }),

    implement(Methods.AdminTasksList, async (p, { raise }) => {
      const limit = p.limit ?? DEFAULT_LIMIT;
      const [beforePk] = p.cursor === undefined ? [NO_UPPER_BOUND] : readCursor(raise, p.cursor, ["number"]);
      const rows = await storage.tasks.listAll(p, beforePk, limit + 1);
      return toPage(
        rows,
        limit,
        (r) => r.task,
        (r) => [r.pk],
      );
    }),

    implement(Methods.AdminTaskGet, async (p, { raise }) => {
      const rec = (await storage.tasks.get(p.taskId)) ?? raise("TaskNotFound");
      return {
        task: rec.task,
        participants: await storage.tasks.participants(rec.pk),
        conversations: (await storage.conversations.listForTask(rec.pk, undefined, TASK_CONVERSATIONS)).map((e) => ({
          conversation: e.record.conversation,
          participants: e.participants,
        })),
      };
    }),

    implement(Methods.AdminTaskClose, async (p, { raise }) =>
      hub.commit(async (tx) => {
        const rec = (await storage.tasks.get(p.taskId)) ?? raise("TaskNotFound");
        requireOpen(rec, raise);
        const closed = await storage.tasks.setStatus(rec.pk, "closed", { endedAt: nowIso() });
        tx.emit(Notifications.TaskClosed, await storage.tasks.participantIds(rec.pk), { task: closed.task });
        return { task: closed.task };
      }),
    ),

    implement(Methods.AdminConversationGet, async (p, { raise }) => {
      const rec = (await storage.conversations.get(p.conversationId)) ?? raise("ConversationNotFound");
      return { conversation: rec.conversation, participants: await storage.conversations.participants(rec.pk) };
    }),

    implement(Methods.AdminConversationArchive, async (p, { raise }) =>
      hub.commit(async (tx) => {
        const rec = (await storage.conversations.get(p.conversationId)) ?? raise("ConversationNotFound");
        if (rec.conversation.archivedAt === undefined) {
          const at = nowIso();
          await storage.conversations.setArchived(rec.pk, at, at);
          tx.emit(Notifications.ConversationArchived, await storage.conversations.participants(rec.pk), {
            taskId: rec.taskId,
            conversationId: rec.conversation.id,
            archivedAt: at,
          });
        }
        return { conversation: (await storage.conversations.byPk(rec.pk)).conversation };
      }),
    ),

    implement(Methods.AdminMessagesList, async (p, { raise }) => {
      const rec = (await storage.conversations.get(p.conversationId)) ?? raise("ConversationNotFound");
      return messagePage(storage, rec, p, raise);
    }),

    implement(Methods.AdminAppsList, async (p, { raise }) => {
      const limit = p.limit ?? DEFAULT_LIMIT;
      const [afterId] = p.cursor === undefined ? [""] : readCursor(raise, p.cursor, ["string"]);
      return toPage(
        await storage.apps.list(afterId, limit + 1),
        limit,
        (a) => a,
        (a) => [a.id],
      );
    }),

    implement(Methods.AdminAppGet, async (p, { raise }) => {
      const rec = (await storage.apps.get(p.appId)) ?? raise("AppNotFound");
      return {
        app: rec.app,
        manifest: rec.manifest,
        sockets: await socketsOf(p.appId),
        callbacksInFlight: hub.callbacks.inFlight(p.appId),
        grants: (await storage.actions.grants.listForApp(p.appId, NO_UPPER_BOUND, APP_GRANTS)).map((g) => g.grant),
      };
    }),
  ];
};
