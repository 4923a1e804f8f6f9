import { Schema } from "effect";
import { ActionDeclarations } from "./actions/catalog.ts";

/** What an app declares about itself: the hooks it serves and its actions (section 7.1). */
export const AppManifest = Schema.Struct({
  hooks: Schema.optional(
    Schema.Struct({
      messageAuthorize: Schema.optional(Schema.Boolean),
    }),
  ),
  actions: Schema.optional(ActionDeclarations),
}).annotations({ identifier: "AppManifest" });
export type AppManifest = typeof AppManifest.Type;
