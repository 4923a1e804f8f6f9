import type { Agent, App, AppManifest, Raise, User } from "../protocol/index.ts";
import { newId, nowIso, type PrincipalKind, type Storage } from "../storage/index.ts";
import { ADMIN_ID, issueToken } from "./tokens.ts";

/**
 * Creating principals and rotating tokens: the operations behind the admin
 * methods and the CLI, which may write to the database directly. Each runs
 * inside the caller's transaction.
 */
export const createApp = async (
  storage: Storage,
  p: {
    name: string;
    scopes?: ReadonlyArray<string> | undefined;
    capabilities?: ReadonlyArray<string> | undefined;
    manifest?: AppManifest | undefined;
  },
  raise: Raise<"Conflict">,
): Promise<{ app: App; token: string }> => {
  if (await storage.apps.nameTaken(p.name)) {
    return raise("Conflict", { reason: "name_taken" }, `An app named ${p.name} already exists; pick another name.`);
  }
  const { app } = await storage.apps.insert({
    id: newId("app"),
    name: p.name,
    scopes: [...new Set(p.scopes ?? [])],
    capabilities: [...new Set(p.capabilities ?? [])],
    manifest: p.manifest ?? {},
    createdAt: nowIso(),
  });
  return { app, token: await issueToken(storage, "app", app.id) };
};

export const createAgent = async (
  storage: Storage,
  p: { name: string; displayName?: string | undefined; ownerUserId?: string | undefined },
  raise: Raise<"Conflict" | "UserNotFound">,
): Promise<{ agent: Agent; token: string }> => {
  if (p.ownerUserId !== undefined && !(await storage.users.get(p.ownerUserId))) {
    return raise("UserNotFound", {}, `No user has id ${p.ownerUserId}; create the owner first.`);
  }
  if (await storage.agents.nameTaken(p.name)) {
    return raise("Conflict", { reason: "name_taken" }, `An agent named ${p.name} already exists; pick another name.`);
  }
  const agent = await storage.agents.insert({
    id: newId("agent"),
    name: p.name,
    displayName: p.displayName,
    ownerUserId: p.ownerUserId,
    createdAt: nowIso(),
  });
  return { agent, token: await issueToken(storage, "agent", agent.id) };
};

export const createUser = async (storage: Storage, p: { name: string }): Promise<{ user: User; token: string }> => {
  const user = await storage.users.insert({ id: newId("user"), name: p.name, createdAt: nowIso() });
  return { user, token: await issueToken(storage, "user", user.id) };
};

const kindOf = async (storage: Storage, principalId: string): Promise<PrincipalKind | undefined> => {
  if (principalId === ADMIN_ID) return "admin";
  if (await storage.agents.get(principalId)) return "agent";
  if (await storage.apps.get(principalId)) return "app";
  if (await storage.users.get(principalId)) return "user";
  return undefined;
};

/** A new token for the principal; the old one stops verifying when this commits. */
export const rotateToken = async (storage: Storage, principalId: string, raise: Raise<"NotFound">): Promise<string> => {
  const kind =
    (await kindOf(storage, principalId)) ?? raise("NotFound", {}, `No agent, app or user has id ${principalId}.`);
  return await issueToken(storage, kind, principalId);
};
