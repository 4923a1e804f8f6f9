import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";

/** Run a built example the way the README says (npm run example:NAME), against this hub; resolves with its exit code and output. */
const runExample = (t: TestHub, file: string): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, SWITCHBOARD_URL: t.wsUrl, SWITCHBOARD_ADMIN_TOKEN: t.adminToken },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });

describe("the action examples run to completion against a real hub", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("examples/consent-flow.ts: consent, then an intent and a request on the user's behalf", async () => {
    const { code, output } = await runExample(t, "dist/example-consent-flow.js");
    expect(code, output).toBe(0);
    expect(output).toContain("before consent, intent.create fails NoDelegatedGrant");
    expect(output).toMatch(/event request\.accepted: Grace accepted req_/);
    expect(output).toContain("after revocation: NoDelegatedGrant");
  });

  it("examples/jukebox-app.ts: an app declares and serves its own actions", async () => {
    const { code, output } = await runExample(t, "dist/example-jukebox-app.js");
    expect(code, output).toBe(0);
    expect(output).toContain("play (standard)");
    expect(output).toMatch(/add_to_queue → \{"status":"playing","current":"song-1","queue":\["song-2"\]\}/);
    expect(output).toContain("clear_history → ActionForbidden");
    expect(output).toMatch(/pause → 200 \{"success":true,"result":\{"status":"paused"/);
  });
});

describe("the webhook example runs to completion against a real hub", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ webhookAllowPrivate: true });
  });
  afterAll(() => t.stop());

  it("examples/webhook-app.ts: an app that is only an HTTP server takes callbacks and events by webhook", async () => {
    const { code, output } = await runExample(t, "dist/example-webhook-app.js");
    expect(code, output).toBe(0);
    expect(output).toContain("task/request failed: TaskRejected (every task needs a title)");
    expect(output).toMatch(/task tsk_\S+ is active/);
    expect(output).toContain("send failed: HookBlocked (never share passwords in a conversation)");
    expect(output).toMatch(/event consent\/rejected \(webhook-id app_\S+\.\d+\)/);
  });
});
