import type { Webhook } from "../../protocol/methods/webhooks.ts";
import { nowIso, type Storage } from "../../storage/index.ts";
import { resolveTarget } from "./address.ts";
import { newWebhookSecret, ROTATION_OVERLAP_MS, type Sealer } from "./secrets.ts";

/**
 * Setting a webhook, shared by app/webhook/set and the CLI. The URL is
 * checked first (async: DNS), then `register` runs inside the caller's
 * transaction.
 */

/** Why the URL is refused (a message for InvalidParams at `url`), or undefined when it is acceptable. */
export const refuseUrl = async (url: string, allowPrivate: boolean): Promise<string | undefined> => {
  const checked = await resolveTarget(url, allowPrivate);
  if (checked.ok) return undefined;
  const hint = allowPrivate
    ? ""
    : " (a hub started with --webhook-allow-private also accepts http:// and private addresses)";
  return `the webhook URL ${checked.reason}${hint}`;
};

/**
 * Register the app's webhook, or replace its URL and rotate its secret. A
 * new webhook delivers the events logged from now on; a replaced one keeps
 * its place in the log and its status. Returns the secret, shown once.
 */
export const registerWebhook = async (
  storage: Storage,
  sealer: Sealer,
  appId: string,
  url: string,
): Promise<{ webhook: Webhook; secret: string }> => {
  const secret = newWebhookSecret();
  const rec = await storage.webhooks.set(
    appId,
    url,
    sealer.seal(secret),
    nowIso(),
    await storage.events.current(appId),
    Date.now() + ROTATION_OVERLAP_MS,
  );
  return { webhook: rec.webhook, secret };
};

/**
 * At start: every stored secret must open with this --secret-key (else the
 * hub refuses to start, rather than sending unsigned or failing each
 * delivery), and secrets stored plain are sealed once a key is set.
 */
export const checkSecrets = async (storage: Storage, sealer: Sealer): Promise<number> => {
  let sealed = 0;
  for (const rec of await storage.webhooks.all()) {
    sealer.open(rec.secret);
    if (rec.previousSecret !== undefined) sealer.open(rec.previousSecret);
    if (
      sealer.needsSealing(rec.secret) ||
      (rec.previousSecret !== undefined && sealer.needsSealing(rec.previousSecret))
    ) {
      const reseal = (s: string) => (sealer.needsSealing(s) ? sealer.seal(sealer.open(s)) : s);
      await storage.webhooks.restoreSecrets(
        rec.appId,
        reseal(rec.secret),
        rec.previousSecret && reseal(rec.previousSecret),
      );
      sealed++;
    }
  }
  // A2A push configs (server/a2a/push.ts) are sealed with the same key: they must open too.
  for (const value of await storage.a2aPush.sealedValues()) sealer.open(value);
  return sealed;
};
