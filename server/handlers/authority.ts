import {
  ACTIONS_INVOKE_SCOPE,
  ActionNotifications,
  AuthorityMethods,
  visibleTo,
  type App,
  type Raise,
} from "../../protocol/index.ts";
import { newId, nowIso } from "../../storage/index.ts";
import { appAuthority } from "../actions/authority.ts";
import { createCatalog } from "../actions/catalog.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";
import { DEFAULT_LIMIT, readCursor, toPage } from "./paging.ts";

/** How many of an app's user grants auth/diagnose lists when no actorUserId narrows them. */
const DIAGNOSE_GRANTS = 200;

/** Section 7.3: consent, grants and diagnosis. */
export const authorityHandlers = (hub: HubContext) => {
  const { storage } = hub;
  const { grants, consents } = storage.actions;
  const catalog = createCatalog(storage);
  const before = (raise: Raise<"InvalidParams">, cursor: string | undefined) =>
    cursor === undefined ? Number.MAX_SAFE_INTEGER : readCursor(raise, cursor, ["number"])[0];
  /** The consent request a user answers: it must exist, be addressed to them and still be pending. */
  const pendingConsentOf = async (
    userId: string,
    consentId: string,
    raise: Raise<"NotFound" | "Forbidden" | "Conflict">,
  ) => {
    const consent = (await consents.get(consentId)) ?? raise("NotFound", {}, "No consent request has that id.");
    if (consent.userId !== userId) {
      raise("Forbidden", { reason: "not_owner" }, "Only the user a consent request is addressed to may answer it.");
    }
    if (consent.status !== "pending") {
      raise("Conflict", { reason: "not_pending" }, `This consent request was already ${consent.status}.`);
    }
    return consent;
  };

  const diagnose = async (app: App, actionId: string, actorUserId: string | undefined) => {
    const resolved = await catalog.resolve(actionId);
    if (!resolved || !visibleTo(resolved.entry.metadata, "app")) {
      return {
        action: actionId,
        executable: false,
        failure: "ActionNotFound" as const,
        message: `No action ${JSON.stringify(actionId)} is visible to apps; actions/list shows the catalog.`,
      };
    }
    const permission = resolved.entry.permissions.user;
    if (permission === "forbidden") {
      return {
        action: actionId,
        executable: false,
        failure: "ActionForbidden" as const,
        message: "The action is forbidden for users, and apps act for users.",
      };
    }
    const failure = await appAuthority(storage, app, resolved.entry.capability, actorUserId);
    if (failure) return { action: actionId, executable: false, failure: failure.tag, message: failure.message };
    return {
      action: actionId,
      executable: true,
      confirmationRequired: permission === "confirmation_required",
      ...(permission === "confirmation_required"
        ? { message: "Runs once the acting user approves it with actions/confirm." }
        : {}),
    };
  };

  return [
    implement(AuthorityMethods.ConsentRequest, async (p, { principal, raise }) => {
      const app = (await storage.apps.get(principal.id))!.app;
      if (!app.scopes.includes(ACTIONS_INVOKE_SCOPE)) {
        return raise(
          "ScopeMissing",
          { scope: ACTIONS_INVOKE_SCOPE },
          `The app lacks the scope ${ACTIONS_INVOKE_SCOPE}, so a grant could never be used; an admin must add it first.`,
        );
      }
      const lacking = p.capabilities.find((c) => !app.capabilities.includes(c));
      if (lacking !== undefined) {
        return raise(
          "CapabilityMissing",
          { capability: lacking },
          `The app lacks the capability ${lacking}, so a grant of it could never be used; an admin must give it to the app first.`,
        );
      }
      return hub.commit(async (tx) => {
        if (!(await storage.users.get(p.userId))) return raise("UserNotFound", {}, `No user has id ${p.userId}.`);
        const consent = await consents.insert({
          id: newId("consent"),
          appId: app.id,
          userId: p.userId,
          scope: p.scope,
          capabilities: [...new Set(p.capabilities)],
          note: p.note,
          createdAt: nowIso(),
        });
        tx.emit(ActionNotifications.ConsentRequested, [p.userId], { consent });
        return { consent };
      });
    }),

    implement(AuthorityMethods.ConsentList, async (p, { principal, raise }) => {
      const limit = p.limit ?? DEFAULT_LIMIT;
      const rows = await consents.listForUser(principal.id, p.status, before(raise, p.cursor), limit + 1);
      return toPage(
        rows,
        limit,
        (r) => r.consent,
        (r) => [r.pk],
      );
    }),

    implement(AuthorityMethods.ConsentApprove, (p, { principal, raise }) =>
      hub.commit(async (tx) => {
        const consent = await pendingConsentOf(principal.id, p.consentId, raise);
        const grant = await grants.insert({
          id: newId("grant"),
          appId: consent.appId,
          subjectType: "user",
          subjectId: principal.id,
          scope: consent.scope,
          capabilities: consent.capabilities,
          createdAt: nowIso(),
        });
        await consents.answer(consent.id, "approved", grant.createdAt, grant.id);
        tx.emit(ActionNotifications.ConsentApproved, [consent.appId], {
          consent: (await consents.get(consent.id))!,
          grant,
        });
        return { grant };
      }),
    ),

    implement(AuthorityMethods.ConsentReject, (p, { principal, raise }) =>
      hub.commit(async (tx) => {
        const consent = await pendingConsentOf(principal.id, p.consentId, raise);
        await consents.answer(consent.id, "rejected", nowIso(), undefined);
        const rejected = (await consents.get(consent.id))!;
        tx.emit(ActionNotifications.ConsentRejected, [consent.appId], { consent: rejected });
        return { consent: rejected };
      }),
    ),

    implement(AuthorityMethods.GrantsList, async (p, { principal, raise }) => {
      const limit = p.limit ?? DEFAULT_LIMIT;
      const from = before(raise, p.cursor);
      const rows =
        principal.type === "app"
          ? await grants.listForApp(principal.id, from, limit + 1)
          : await grants.listFromUser(principal.id, from, limit + 1);
      return toPage(
        rows,
        limit,
        (r) => r.grant,
        (r) => [r.pk],
      );
    }),

    implement(AuthorityMethods.GrantsRevoke, (p, { principal, raise }) =>
      hub.commit(async (tx) => {
        const grant = (await grants.get(p.grantId)) ?? raise("NotFound", {}, "No grant has that id.");
        if (principal.type === "user" && !(grant.subjectType === "user" && grant.subjectId === principal.id)) {
          raise("Forbidden", { reason: "not_owner" }, "A user may revoke only the grants they gave.");
        }
        if (grant.status !== "active") {
          raise("Conflict", { reason: "not_active" }, "This grant is already revoked.");
        }
        await grants.revoke(grant.id, nowIso());
        const revoked = (await grants.get(grant.id))!;
        tx.emit(ActionNotifications.GrantRevoked, [grant.appId], { grant: revoked });
        return { grant: revoked };
      }),
    ),

    implement(AuthorityMethods.AdminGrantCreate, (p, { raise }) =>
      hub.commit(async () => {
        if (!(await storage.apps.get(p.appId))) return raise("AppNotFound", {}, `No app has id ${p.appId}.`);
        if (p.subjectType === "agent" && !(await storage.agents.get(p.subjectId))) {
          return raise("AgentNotFound", { agentIds: [p.subjectId] });
        }
        if (p.subjectType === "app" && !(await storage.apps.get(p.subjectId))) {
          return raise("AppNotFound", {}, `subjectId names no app: ${p.subjectId}.`);
        }
        const grant = await grants.insert({
          id: newId("grant"),
          appId: p.appId,
          subjectType: p.subjectType,
          subjectId: p.subjectId,
          scope: p.scope,
          capabilities: [...new Set(p.capabilities)],
          createdAt: nowIso(),
        });
        return { grant };
      }),
    ),

    implement(AuthorityMethods.AuthDiagnose, async (p, { principal }) => {
      const app = (await storage.apps.get(principal.id))!.app;
      return {
        token: { status: "valid" as const },
        app: { id: app.id, scopes: app.scopes, capabilities: app.capabilities },
        grants: {
          executable: await grants.activeUserGrants(app.id, p.actorUserId, DIAGNOSE_GRANTS),
          modeledOnly: await grants.activeModeledGrants(app.id),
        },
        ...(p.action !== undefined ? { action: await diagnose(app, p.action, p.actorUserId) } : {}),
      };
    }),
  ];
};
