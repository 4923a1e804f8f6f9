import { builtinActions } from "../../../protocol/index.ts";
import { circleActions } from "./circles.ts";
import { chatActions, connectionActions } from "./connections.ts";
import type { BuiltinImplementation } from "./define.ts";
import { intentActions } from "./intents.ts";
import { requestActions } from "./requests.ts";

export type { FamilyContext, BuiltinImplementation, FamilyError } from "./define.ts";

const all = [...intentActions, ...requestActions, ...connectionActions, ...chatActions, ...circleActions];

/** The behaviour of every built-in action, by id; the hub refuses to start if one is missing. */
export const builtinBehaviours: ReadonlyMap<string, BuiltinImplementation> = new Map(all.map((b) => [b.def.id, b]));

const missing = builtinActions.filter((d) => !builtinBehaviours.has(d.id)).map((d) => d.id);
if (missing.length > 0) throw new Error(`built-in actions without behaviour: ${missing.join(", ")}`);
