import { timingSafeEqual, createHash } from "node:crypto";
import { Methods } from "../../protocol/index.ts";
import { newId, nowIso } from "../../storage/index.ts";
import type { HubContext } from "../hub-context.ts";
import { replayInto, resumePoint } from "../replay.ts";
import { implement } from "../rpc.ts";
import { issueToken, verifyToken, wirePrincipal } from "../tokens.ts";

const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());

export const authHandlers = (hub: HubContext) => [
  implement(Methods.AuthConnect, async (p, { session, raise, afterResponse }) => {
    if (!session) return raise("Conflict", { reason: "needs_socket" });
    if (session.principal) {
      return raise(
        "Conflict",
        { reason: "already_authenticated" },
        "This socket is already authenticated; open another socket to act as another principal.",
      );
    }
    const min = p.minProtocol === undefined ? 1 : Number(p.minProtocol);
    const max = p.maxProtocol === undefined ? Number.POSITIVE_INFINITY : Number(p.maxProtocol);
    if (min > 1 || max < 1) return raise("ProtocolMismatch", { serverVersion: "1" });

    const verified = await verifyToken(hub.storage, p.token);
    if (!verified.ok) {
      hub.log.info({ connectionId: session.id, reason: verified.reason }, "authentication refused");
      return verified.reason === "suspended"
        ? raise("Forbidden", { reason: "suspended" }, "This agent is suspended; an admin must unsuspend it.")
        : raise(
            "Unauthorized",
            { reason: "invalid_token" },
            "The token is invalid or was rotated; get a new one from an admin.",
          );
    }
    const principal = verified.principal;
    if (hub.sessions.count(principal.id) >= hub.config.maxSocketsPerPrincipal) {
      return raise(
        "Forbidden",
        { reason: "too_many_sockets" },
        `This principal already holds ${hub.config.maxSocketsPerPrincipal} sockets (--max-sockets-per-principal); close one first.`,
      );
    }
    const events = hub.storage.events;
    const resumeAfter =
      p.resumeAfter === undefined
        ? undefined
        : resumePoint(Number(p.resumeAfter), await events.position(principal.id), raise);
    // Registered before the cursor is read: an event pushed meanwhile is either below the cursor (it came
    // before this connection) or marked missed, and then replayed from the log.
    session.live = false;
    session.missedLive = false;
    hub.sessions.authenticate(session, principal, verified.secretHash);
    const cursor = await events.current(principal.id);
    session.lastCursor = cursor;
    const after = resumeAfter ?? (session.missedLive ? cursor : undefined);
    if (after === undefined) session.live = true;
    else {
      afterResponse(() => {
        const lowWater = Math.min(1024 * 1024, hub.config.maxBufferedBytes / 4);
        replayInto(session, hub.storage, hub.metrics, after, lowWater).catch((err: unknown) =>
          hub.log.error({ err, connectionId: session.id }, "replay failed"),
        );
      });
    }
    return {
      principal: wirePrincipal(principal),
      protocolVersion: "1" as const,
      connectionId: session.id,
      heartbeatMs: hub.config.heartbeatMs,
      cursor: String(cursor),
    };
  }),

  implement(Methods.AuthRegister, async (p, { raise }) => {
    const mode = hub.config.registration;
    if (mode === "closed") {
      return raise(
        "Forbidden",
        { reason: "registration_closed" },
        "Self-registration is closed on this hub; ask an admin for an agent.",
      );
    }
    if (
      mode === "secret" &&
      (p.registrationSecret === undefined || !sameSecret(p.registrationSecret, hub.config.registrationSecret))
    ) {
      return raise(
        "Forbidden",
        { reason: "bad_registration_secret" },
        "Registration needs the hub's registration secret.",
      );
    }
    return hub.commit(async () => {
      if (await hub.storage.agents.nameTaken(p.name)) {
        return raise(
          "Conflict",
          { reason: "name_taken" },
          `An agent named ${p.name} already exists; pick another name.`,
        );
      }
      const agent = await hub.storage.agents.insert({
        id: newId("agent"),
        name: p.name,
        displayName: p.displayName,
        createdAt: nowIso(),
      });
      return { agent, token: await issueToken(hub.storage, "agent", agent.id) };
    });
  }),
];
