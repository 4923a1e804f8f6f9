import { ACTIONS_INVOKE_SCOPE, type App, type ErrorData } from "../../protocol/index.ts";
import type { Storage } from "../../storage/index.ts";

export type AuthorityTag = "ScopeMissing" | "CapabilityMissing" | "NoDelegatedGrant" | "GrantModeledOnly";

/** Why an app may not invoke: the first failing check of 7.2 step 4, with a message saying what to do. */
export type AuthorityFailure = {
  [T in AuthorityTag]: { readonly tag: T; readonly data: ErrorData<T>; readonly message: string };
}[AuthorityTag];

/**
 * Section 7.2 step 4 for an app: scope `actions.invoke`, then the action's
 * capability, then an active grant from the acting user. Read from storage
 * each time, so a revocation counts at once; `auth/diagnose` asks the same.
 */
export const appAuthority = async (
  storage: Storage,
  app: App,
  capability: string,
  actorUserId: string | undefined,
): Promise<AuthorityFailure | undefined> => {
  if (!app.scopes.includes(ACTIONS_INVOKE_SCOPE)) {
    return {
      tag: "ScopeMissing",
      data: { scope: ACTIONS_INVOKE_SCOPE },
      message: `The app lacks the scope ${ACTIONS_INVOKE_SCOPE}; an admin must create it with that scope (admin/app/create scopes, or --scopes on the CLI).`,
    };
  }
  if (!app.capabilities.includes(capability)) {
    return {
      tag: "CapabilityMissing",
      data: { capability },
      message: `The app lacks the capability ${capability}; an admin must give it to the app (admin/app/create capabilities, or --capabilities on the CLI).`,
    };
  }
  const grants = storage.actions.grants;
  if (
    actorUserId !== undefined &&
    (await grants.userGrantCovers(app.id, actorUserId, ACTIONS_INVOKE_SCOPE, capability))
  ) {
    return undefined;
  }
  const who = actorUserId === undefined ? "the acting user" : `user ${actorUserId}`;
  if (await grants.modeledGrantCovers(app.id, ACTIONS_INVOKE_SCOPE, capability)) {
    return {
      tag: "GrantModeledOnly",
      data: {},
      message: `Only modeled-only (non-user) grants cover ${capability}, and they never execute; ask ${who} for consent with consent/request.`,
    };
  }
  return {
    tag: "NoDelegatedGrant",
    data: {},
    message: `No active grant from ${who} covers ${capability}; ask them with consent/request {userId, capabilities: ["${capability}"], scope: "${ACTIONS_INVOKE_SCOPE}"}.`,
  };
};
