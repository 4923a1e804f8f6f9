import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHub } from "../../server/hub.ts";
import { ConfigError } from "../../server/config.ts";
import { TestHub } from "../helpers/hub.ts";
import { ChildHub, freePort, newAdminToken } from "../helpers/child-hub.ts";

/**
 * Issue 9, class 5: one SQLite file, one hub. A second hub on a file another
 * hub has open refuses to start, naming the process that holds it and
 * pointing to PostgreSQL for several nodes; a hub that stopped, gracefully
 * or by SIGKILL, leaves no lock behind.
 */
describe("one SQLite file, one hub", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("refuses a second hub on the same file, naming the holder and pointing to PostgreSQL", async () => {
    const second = await startHub({ ...t.config }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(second).toBeInstanceOf(ConfigError);
    const message = (second as Error).message;
    expect(message).toContain(`process ${process.pid}`);
    expect(message).toContain("postgres://");
    // The first hub is untouched.
    expect((await (await t.admin()).call("system/ping", {})).now).toBeTypeOf("string");
  });

  it("lets a hub start again on the file once the first stopped", async () => {
    await t.restart();
    expect((await (await t.admin()).call("system/ping", {})).now).toBeTypeOf("string");
  });
});

describe("a hub killed with SIGKILL leaves no lock", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-lock-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a child hub holds the file; once killed, another hub starts on it", async () => {
    const db = join(dir, "hub.db");
    const adminToken = newAdminToken();
    const child = await ChildHub.start({ db, port: await freePort(), adminToken });
    const refused = await TestHub.start({ db, adminToken }).then(
      async (h) => {
        await h.stop();
        return undefined;
      },
      (err: unknown) => err as Error,
    );
    expect(refused?.message).toMatch(/in use by another hub: process \d+/);
    await child.kill("SIGKILL");
    const after = await TestHub.start({ db, adminToken });
    const admin = await after.connect(adminToken);
    expect((await admin.call("admin/user/create", { name: "after the kill" })).user.id).toMatch(/^usr_/);
    await after.stop();
  }, 60_000);
});
