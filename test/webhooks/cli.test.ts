import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { Receiver, rpc, verify } from "./receiver.ts";
import { consentRejections } from "./setup.ts";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const cli = (env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "server/cli/main.ts", ...args],
      { cwd: process.cwd(), env: { ...process.env, SWITCHBOARD_LOG_LEVEL: "silent", ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });

describe("switchboard app create --webhook, app webhook set|get|resume", () => {
  let t: TestHub;
  let r: Receiver;
  const key = "the operator's secret key for webhook secrets";
  beforeAll(async () => {
    t = await TestHub.start({ webhookAllowPrivate: true, secretKey: key });
    r = await Receiver.start();
  });
  afterAll(async () => {
    await r.close();
    await t.stop();
  });

  it("creates an app with a webhook, prints its secret once, and the hub delivers to it signed with that secret", async () => {
    const env = { SWITCHBOARD_SECRET_KEY: key };
    const refused = await cli(env, "app", "create", "hooked", "--db", t.db, "--webhook", r.url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("must be an https:// URL");

    const run = await cli(
      env,
      "app",
      "create",
      "hooked",
      "--db",
      t.db,
      "--scopes",
      "actions.invoke",
      "--capabilities",
      "intent.write",
      "--webhook",
      r.url,
      "--webhook-allow-private",
      "--json",
    );
    expect(run.stderr).toBe("");
    const made = JSON.parse(run.stdout) as { id: string; token: string; secret: string; webhook: { url: string } };
    expect(made.secret).toMatch(/^whsec_/);
    expect(made.webhook).toMatchObject({ url: r.url, status: "active" });

    const got = await cli(env, "app", "webhook", "get", "hooked", "--db", t.db, "--json");
    expect(JSON.parse(got.stdout)).toEqual({ webhook: made.webhook });

    // The running hub finds webhooks set from the command line at its next poll, or at start.
    await t.restart();
    const user = await t.user();
    await consentRejections(t, made, { id: user.id, client: await t.connect(user.token) }, 1);
    await r.waitFor(() => r.events.length >= 1, "an event");
    expect(verify(made.secret, r.events[0]!)).toEqual(r.events[0]!.json);

    const rotated = await cli(
      env,
      "app",
      "webhook",
      "set",
      made.id,
      r.url,
      "--webhook-allow-private",
      "--db",
      t.db,
      "--json",
    );
    expect(JSON.parse(rotated.stdout).secret).not.toBe(made.secret);
    const resumed = await cli(env, "app", "webhook", "resume", "hooked", "--db", t.db, "--json");
    expect(JSON.parse(resumed.stdout).webhook).toMatchObject({ status: "active" });
    expect((await rpc(t, made.token, "app/webhook/get")).result.webhook).toMatchObject({ url: r.url });
    const missing = await cli(env, "app", "webhook", "get", "no-such-app", "--db", t.db);
    expect(missing.code).toBe(1);
  }, 60_000);

  it("has --help for every webhook command", async () => {
    for (const sub of ["set", "get", "resume"]) {
      const run = await cli({}, "app", "webhook", sub, "--help");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`switchboard app webhook ${sub} APP`);
    }
  });
});
