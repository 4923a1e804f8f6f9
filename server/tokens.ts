import { createHash, timingSafeEqual } from "node:crypto";
import type { AgentId, AppId, UserId, Principal } from "../protocol/index.ts";
import { newSecret, nowIso, type PrincipalKind, type Storage } from "../storage/index.ts";

/** An authenticated principal as the server knows it. */
export type AuthedPrincipal =
  | { readonly type: "agent"; readonly id: AgentId; readonly name: string }
  | { readonly type: "app"; readonly id: AppId; readonly name: string }
  | { readonly type: "user"; readonly id: UserId; readonly name: string }
  | { readonly type: "admin"; readonly id: "admin" };

export const ADMIN_ID = "admin";

const TOKEN = /^sb_(agent|app|user|admin)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{32,})$/;

export const hashSecret = (secret: string): Buffer => createHash("sha256").update(secret).digest();

export const formatToken = (kind: PrincipalKind, id: string, secret: string): string => `sb_${kind}.${id}.${secret}`;

export const parseToken = (token: string): { kind: PrincipalKind; id: string; secret: string } | undefined => {
  const m = TOKEN.exec(token);
  return m ? { kind: m[1] as PrincipalKind, id: m[2]!, secret: m[3]! } : undefined;
};

/** Create or replace a principal's credential; returns the token, which is never stored. */
export const issueToken = async (storage: Storage, kind: PrincipalKind, id: string): Promise<string> => {
  const secret = newSecret();
  await storage.credentials.set(id, kind, hashSecret(secret), nowIso());
  return formatToken(kind, id, secret);
};

/** Store the hash of a token chosen by the operator (SWITCHBOARD_ADMIN_TOKEN). */
export const installToken = async (storage: Storage, token: string): Promise<boolean> => {
  const parsed = parseToken(token);
  if (!parsed) return false;
  await storage.credentials.set(parsed.id, parsed.kind, hashSecret(parsed.secret), nowIso());
  return true;
};

const DUMMY = hashSecret("no such principal");

export type Verified =
  | { readonly ok: true; readonly principal: AuthedPrincipal }
  | { readonly ok: false; readonly reason: "invalid" | "suspended" };

/**
 * Check a token against the stored hash in constant time (a miss compares
 * against a dummy, so timing does not tell which part was wrong).
 */
export const verifyToken = async (storage: Storage, token: string): Promise<Verified> => {
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, reason: "invalid" };
  const stored = await storage.credentials.get(parsed.id);
  const matches = timingSafeEqual(stored?.secretHash ?? DUMMY, hashSecret(parsed.secret));
  if (!stored || !matches || stored.kind !== parsed.kind) return { ok: false, reason: "invalid" };
  switch (parsed.kind) {
    case "admin":
      return { ok: true, principal: { type: "admin", id: ADMIN_ID } };
    case "agent": {
      const agent = await storage.agents.get(parsed.id);
      if (!agent) return { ok: false, reason: "invalid" };
      if (agent.status === "suspended") return { ok: false, reason: "suspended" };
      return { ok: true, principal: { type: "agent", id: agent.id, name: agent.name } };
    }
    case "app": {
      const app = await storage.apps.get(parsed.id);
      return app
        ? { ok: true, principal: { type: "app", id: app.app.id, name: app.app.name } }
        : { ok: false, reason: "invalid" };
    }
    case "user": {
      const user = await storage.users.get(parsed.id);
      return user
        ? { ok: true, principal: { type: "user", id: user.id, name: user.name } }
        : { ok: false, reason: "invalid" };
    }
  }
};

/** The principal as section 2 puts it on the wire. */
export const wirePrincipal = (p: AuthedPrincipal): Principal => {
  switch (p.type) {
    case "agent":
      return { type: "agent", agentId: p.id, name: p.name };
    case "app":
      return { type: "app", appId: p.id, name: p.name };
    case "user":
      return { type: "user", userId: p.id, name: p.name };
    case "admin":
      return { type: "admin" };
  }
};
