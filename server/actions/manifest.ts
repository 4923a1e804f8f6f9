import type { ActionDeclaration, Raise } from "../../protocol/index.ts";
import { reservedNamespaces } from "./catalog.ts";

/**
 * App actions are listed as `<appName>.<id>`; an app named like a built-in
 * family (intent, request, connection, chat, circle) would shadow or collide
 * with the built-ins, so it may not declare actions.
 */
export const checkActionNamespace = (
  appName: string,
  actions: ReadonlyArray<ActionDeclaration> | undefined,
  raise: Raise<"Conflict">,
): void => {
  if (actions !== undefined && actions.length > 0 && reservedNamespaces.has(appName)) {
    raise(
      "Conflict",
      { reason: "reserved_namespace" },
      `An app named ${appName} cannot declare actions: ${appName}.* is a built-in family. Create the app under another name.`,
    );
  }
};
