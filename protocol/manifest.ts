import { Schema } from "effect";

/** What an app declares about itself: the hooks it serves. */
export const AppManifest = Schema.Struct({
  hooks: Schema.optional(
    Schema.Struct({
      messageAuthorize: Schema.optional(Schema.Boolean),
    }),
  ),
}).annotations({ identifier: "AppManifest" });
export type AppManifest = typeof AppManifest.Type;
