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

/** `a2a` tokens belong to a2a-clients (docs/A2A.md): they open the A2A endpoints and nothing else. */
export type TokenKind = PrincipalKind | "a2a";

const TOKEN = /^sb_(agent|app|user|admin|a2a)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{32,})$/;

export const hashSecret = (secret: string): Buffer => createHash("sha256").update(secret).digest();

export const formatToken = (kind: TokenKind, id: string, secret: string): string => `sb_${kind}.${id}.${secret}`;

export const parseToken = (token: string): { kind: TokenKind; id: string; secret: string } | undefined => {
  const m = TOKEN.exec(token);
  return m ? { kind: m[1] as TokenKind, id: m[2]!, secret: m[3]! } : undefined;
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
  if (!parsed || parsed.kind === "a2a") return false;
  await storage.credentials.set(parsed.id, parsed.kind, hashSecret(parsed.secret), nowIso());
  return true;
};

const DUMMY = hashSecret("no such principal");

export type Verified =
  /** `secretHash`: the credential the token matched, kept by a socket to see later whether it still stands. */
  | { readonly ok: true; readonly principal: AuthedPrincipal; readonly secretHash: Buffer }
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
  // An a2a token never matches here: its credential is not in credentials (it opens no socket, no /rpc).
  if (!stored || !matches || stored.kind !== parsed.kind) return { ok: false, reason: "invalid" };
  const { secretHash } = stored;
  switch (parsed.kind) {
    case "admin":
      return { ok: true, principal: { type: "admin", id: ADMIN_ID }, secretHash };
    case "agent": {
      const agent = await storage.agents.get(parsed.id);
      if (!agent) return { ok: false, reason: "invalid" };
      if (agent.status === "suspended") return { ok: false, reason: "suspended" };
      return { ok: true, principal: { type: "agent", id: agent.id, name: agent.name }, secretHash };
    }
    case "app": {
      const app = await storage.apps.get(parsed.id);
      return app
        ? { ok: true, principal: { type: "app", id: app.app.id, name: app.app.name }, secretHash }
        : { ok: false, reason: "invalid" };
    }
    case "user": {
      const user = await storage.users.get(parsed.id);
      return user
        ? { ok: true, principal: { type: "user", id: user.id, name: user.name }, secretHash }
        : { ok: false, reason: "invalid" };
    }
  }
};

/** Create or replace an a2a-client's credential; returns the token, which is never stored. */
export const issueA2aToken = async (storage: Storage, clientId: string, create: boolean): Promise<string> => {
  const secret = newSecret();
  if (create) await storage.a2a.insertClient(clientId, hashSecret(secret), nowIso());
  else await storage.a2a.setClientSecret(clientId, hashSecret(secret), nowIso());
  return formatToken("a2a", clientId, secret);
};

export type A2aVerified =
  | { readonly ok: true; readonly clientId: string; readonly name: string }
  | { readonly ok: false; readonly reason: "invalid" | "suspended" };

/** Check an a2a-client's bearer token the way verifyToken checks the others (constant time). */
export const verifyA2aToken = async (storage: Storage, token: string): Promise<A2aVerified> => {
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, reason: "invalid" };
  const stored = parsed.kind === "a2a" ? await storage.a2a.clientSecret(parsed.id) : undefined;
  const matches = timingSafeEqual(stored ?? DUMMY, hashSecret(parsed.secret));
  if (!stored || !matches) return { ok: false, reason: "invalid" };
  const agent = await storage.agents.get(parsed.id);
  if (!agent) return { ok: false, reason: "invalid" };
  if (agent.status === "suspended") return { ok: false, reason: "suspended" };
  return { ok: true, clientId: agent.id, name: agent.name };
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

export type Standing = "ok" | "rotated" | "suspended";

/**
 * Whether a socket's principal still stands: its credential is the one the
 * socket authenticated with, and an agent is not suspended. On several
 * nodes this is asked before every call, so that a rotation or suspension
 * made through another node decides the next call here too (section 11).
 */
export const standingOf = async (storage: Storage, principalId: string, secretHash: Buffer): Promise<Standing> => {
  const now = await storage.credentials.standing(principalId);
  if (!now || !timingSafeEqual(now.secretHash, secretHash)) return "rotated";
  return now.suspended ? "suspended" : "ok";
};
