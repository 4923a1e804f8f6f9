import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../server/config.ts";
import { startHub, type RunningHub } from "../../server/hub.ts";
import { createLogger } from "../../server/logger.ts";
import { ChildHub, freePort, newAdminToken } from "../helpers/child-hub.ts";
import { until } from "../helpers/scenario.ts";

/** Issue 14: GET /inspector serves the built page with strict headers; --inspector false turns it off. */
describe("GET /inspector", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-inspector-"));
  const built = join(dir, "built");
  const empty = join(dir, "empty");
  const hubs: RunningHub[] = [];

  const start = async (inspectorDir: string, inspector = true) => {
    const config = resolveConfig(
      {},
      {},
      { host: "127.0.0.1", port: 0, db: join(dir, `hub-${hubs.length}.db`), logLevel: "silent", inspector },
    );
    const hub = await startHub(config, { log: createLogger("silent"), inspectorDir });
    hubs.push(hub);
    return hub;
  };

  beforeAll(() => {
    mkdirSync(built);
    mkdirSync(empty);
    writeFileSync(join(built, "index.html"), '<!doctype html><script type="module" src="/inspector/app.js"></script>');
    writeFileSync(join(built, "app.js"), "console.log('inspector')");
    writeFileSync(join(dir, "secret.txt"), "not served");
  });
  afterAll(async () => {
    for (const hub of hubs) await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the page and its assets with a CSP without inline scripts, no framing and no sniffing", async () => {
    const hub = await start(built);
    expect(hub.inspectorUrl).toBe(`${hub.url}/inspector`);
    for (const path of ["/inspector", "/inspector/"]) {
      const res = await fetch(`${hub.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await res.text()).toContain("/inspector/app.js");
      const csp = res.headers.get("content-security-policy")!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      expect(csp).not.toMatch(/https?:/);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
    const js = await fetch(`${hub.url}/inspector/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  });

  it("serves nothing outside its folder and only GET", async () => {
    const hub = await start(built);
    for (const path of [
      "/inspector/../secret.txt",
      "/inspector/%2e%2e%2fsecret.txt",
      "/inspector/nothing.js",
      "/inspector/.env",
    ]) {
      const res = await fetch(`${hub.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain("not served");
    }
    expect((await fetch(`${hub.url}/inspector`, { method: "POST", body: "{}" })).status).toBe(405);
  });

  it("answers 503 saying to run npm run build:inspector when the page was not built", async () => {
    const hub = await start(empty);
    const res = await fetch(`${hub.url}/inspector`);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toContain("npm run build:inspector");
  });

  it("--inspector false turns the page off (404) and the hub prints no inspector address", async () => {
    const hub = await start(built, false);
    expect(hub.inspectorUrl).toBeUndefined();
    expect((await fetch(`${hub.url}/inspector`)).status).toBe(404);
    expect(resolveConfig({ inspector: "false" }, {}).inspector).toBe(false);
    expect(resolveConfig({}, { SWITCHBOARD_INSPECTOR: "off" }).inspector).toBe(false);
    expect(resolveConfig({}, {}).inspector).toBe(true);
    expect(() => resolveConfig({ inspector: "maybe" }, {})).toThrow(/--inspector .* must be true or false/);
  });

  it("npm start prints the inspector's address", async () => {
    const child = await ChildHub.start({
      db: join(dir, "child.db"),
      port: await freePort(),
      adminToken: newAdminToken(),
    });
    try {
      await until(() => child.output.join("").includes("Inspector:"), "the inspector line");
      expect(child.output.join("")).toContain(`Inspector: ${child.url}/inspector`);
    } finally {
      await child.kill("SIGTERM");
    }
  });
});
