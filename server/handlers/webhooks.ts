import { Methods } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";
import { refuseUrl, registerWebhook } from "../webhooks/index.ts";
import { DEFAULT_LIMIT, readCursor, toPage } from "./paging.ts";

/** Section 12: an app's own webhook. */
export const webhookHandlers = (hub: HubContext) => {
  const { storage } = hub;
  return [
    implement(Methods.AppWebhookSet, async (p, { principal, raise }) => {
      const refused = await refuseUrl(p.url, hub.config.webhookAllowPrivate);
      if (refused !== undefined) return raise("InvalidParams", { issues: [{ path: ["url"], message: refused }] });
      const made = await hub.commit(() => registerWebhook(storage, hub.sealer, principal.id, p.url));
      await hub.webhooks.changed(principal.id);
      return made;
    }),

    implement(Methods.AppWebhookGet, async (_p, { principal }) => ({
      webhook: (await storage.webhooks.get(principal.id))?.webhook ?? null,
    })),

    implement(Methods.AppWebhookDelete, async (_p, { principal }) => {
      await hub.commit(async () => {
        await storage.webhooks.delete(principal.id);
        await storage.webhooks.releaseLease(principal.id, hub.webhooks.nodeId);
      });
      await hub.webhooks.changed(principal.id);
      return {};
    }),

    implement(Methods.AppWebhookResume, async (_p, { principal, raise }) => {
      const rec = await hub.commit(
        async () =>
          (await storage.webhooks.resume(principal.id)) ??
          raise("NotFound", {}, "This app has no webhook; register one with app/webhook/set."),
      );
      await hub.webhooks.changed(principal.id);
      return { webhook: rec.webhook };
    }),

    implement(Methods.AppWebhookDeliveries, async (p, { principal, raise }) => {
      const limit = p.limit ?? DEFAULT_LIMIT;
      const before = p.cursor === undefined ? undefined : readCursor(raise, p.cursor, ["number"])[0];
      return toPage(
        await storage.webhooks.attempts(principal.id, before, limit + 1),
        limit,
        (r) => r.delivery,
        (r) => [r.id],
      );
    }),
  ];
};
