import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

/** How long a replaced secret keeps signing after app/webhook/set rotates it (section 12). */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

/** A new signing secret: `whsec_` and the base64 of 32 random bytes (Standard Webhooks). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString("base64")}`;

/** The key bytes of a `whsec_` secret. */
const keyBytes = (secret: string): Buffer => Buffer.from(secret.slice("whsec_".length), "base64");

/**
 * The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of
 * `<id>.<timestamp>.<body>` for each secret, space-separated.
 */
export const signatureHeader = (secrets: ReadonlyArray<string>, id: string, timestamp: number, body: string): string =>
  secrets
    .map((s) => `v1,${createHmac("sha256", keyBytes(s)).update(`${id}.${timestamp}.${body}`).digest("base64")}`)
    .join(" ");

export class SealedSecretError extends Error {}

/**
 * Secrets at rest. Without `--secret-key` a secret is stored as
 * `plain:<secret>`; with one, as `aes256gcm:<iv>.<tag>.<ciphertext>` under a
 * key derived from it with HKDF-SHA256, so a dump of the database alone cannot
 * sign. A sealed secret opens only with the key that sealed it.
 */
export const makeSealer = (secretKey: string) => {
  const key =
    secretKey === "" ? undefined : Buffer.from(hkdfSync("sha256", secretKey, "switchboard", "webhook secrets", 32));
  return {
    sealing: key !== undefined,
    seal(secret: string): string {
      if (!key) return `plain:${secret}`;
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const data = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
      return `aes256gcm:${iv.toString("base64url")}.${cipher.getAuthTag().toString("base64url")}.${data.toString("base64url")}`;
    },
    open(stored: string): string {
      if (stored.startsWith("plain:")) return stored.slice("plain:".length);
      if (!stored.startsWith("aes256gcm:"))
        throw new SealedSecretError("a webhook secret is stored in an unknown form");
      if (!key) {
        throw new SealedSecretError(
          "webhook secrets are encrypted; start the hub with the --secret-key (SWITCHBOARD_SECRET_KEY) that sealed them",
        );
      }
      const [iv, tag, data] = stored
        .slice("aes256gcm:".length)
        .split(".")
        .map((p) => Buffer.from(p, "base64url"));
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv!);
        decipher.setAuthTag(tag!);
        return Buffer.concat([decipher.update(data!), decipher.final()]).toString("utf8");
      } catch {
        throw new SealedSecretError(
          "a webhook secret does not open with this --secret-key (SWITCHBOARD_SECRET_KEY); start the hub with the key that sealed it",
        );
      }
    },
    /** Whether `stored` is plain while a key is set (so it should be sealed now). */
    needsSealing: (stored: string): boolean => key !== undefined && stored.startsWith("plain:"),
  };
};
export type Sealer = ReturnType<typeof makeSealer>;
