import { Schema } from "effect";
import { defineCallback } from "../define.ts";
import { UserId } from "../shapes.ts";
import { ActionContext, Invoker } from "./shapes.ts";

/**
 * Section 7.7: the hub runs an app-declared action by calling the app that
 * declared it. The answer is the action's result, checked against the
 * declared output schema; an error answer, a result that does not match, no
 * connected socket or no answer in time is ActionUnavailable for the invoker.
 */
export const ActionExecuteCallback = defineCallback({
  name: "action/execute",
  summary:
    "Runs one of the app's declared actions (`action` is the namespaced id) for an invoker, after every check of 7.2 passed. Answer with the result matching the declared output schema.",
  params: Schema.Struct({
    action: Schema.String,
    params: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
    invoker: Invoker,
    actorUserId: Schema.optional(UserId),
    context: Schema.optional(ActionContext),
  }),
  result: Schema.Unknown.annotations({ description: "The action's result, matching its declared output schema." }),
  errors: [],
});
