import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { TestHub, uniqueName } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { openTask } from "../helpers/scenario.ts";
import { optionSpecs, envName } from "../../server/config.ts";
import { connectedApp, connectedUser, grant } from "../actions/helpers.ts";

/**
 * Section 2's command line: `switchboard app|agent|user create` and `token
 * rotate` write to the database of a running hub, print the id and a token
 * that works against it at once; every command has --help.
 */

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the `switchboard` bin (the built command line) from the project's root, with `env` added. */
const cliWith = (env: Record<string, string>, ...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/switchboard.js", ...args],
      { cwd: process.cwd(), env: { ...process.env, SWITCHBOARD_LOG_LEVEL: "silent", ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });

const cli = (...args: string[]): Promise<Run> => cliWith({}, ...args);

/** The id and token lines the create commands print. */
const made = (run: Run) => {
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const id = /^id:\s+(\S+)$/m.exec(run.stdout)?.[1];
  const token = /^token:\s+(\S+)$/m.exec(run.stdout)?.[1];
  expect(id).toBeDefined();
  expect(token).toBeDefined();
  return { id: id!, token: token! };
};

describe("the command line", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("user create, agent create --owner, app create --scopes --capabilities --message-hook: tokens work on the running hub", async () => {
    const user = made(await cli("user", "create", "Cli User", "--db", t.dbFile));
    expect(user.id).toMatch(/^usr_/);
    expect(user.token).toMatch(new RegExp(`^sb_user\\.${user.id}\\.[A-Za-z0-9_-]{32,}$`));
    const [agentRun, appRun] = await Promise.all([
      cli("agent", "create", "cli-agent", "--owner", user.id, "--db", t.dbFile),
      cli(
        "app",
        "create",
        "cli-app",
        "--scopes",
        "actions.invoke,events.subscribe",
        "--capabilities",
        "chat.write,intent.write",
        "--message-hook",
        "--db",
        t.dbFile,
      ),
    ]);
    const agent = made(agentRun);
    const app = made(appRun);
    expect(agent.id).toMatch(/^agt_/);
    expect(app.id).toMatch(/^app_/);
    const other = await t.connectedAgent();

    const forUser = await t.connect(user.token);
    expect(forUser.principal).toEqual({ type: "user", userId: user.id, name: "Cli User" });
    const forAgent = await t.connect(agent.token);
    expect(forAgent.principal).toEqual({ type: "agent", agentId: agent.id, name: "cli-agent" });
    const forApp = await t.connect(app.token);
    expect(forApp.principal).toEqual({ type: "app", appId: app.id, name: "cli-app" });

    // The owner and the app's message hook were stored.
    const listed = await forAgent.call("agent/agents/list", { query: "cli-agent" });
    expect(listed.items.map((a) => [a.id, a.ownerUserId])).toEqual([[agent.id, user.id]]);
    let asked = 0;
    forApp.handle("task/create", () => ({ verdict: "accept" }));
    forApp.handle("message/authorize", () => {
      asked++;
      return { decision: "forward" };
    });
    const where = await openTask({ client: forAgent }, [other], { appId: app.id });
    await forAgent.call("messages/send", {
      taskId: where.task.id,
      conversationId: where.conversation.id,
      parts: [{ type: "text", text: "via a CLI-made app" }],
    });
    expect(asked).toBe(1);
  }, 60_000);

  it("token rotate prints a new token; the old one stops working", async () => {
    const agent = await t.agent();
    const rotated = made(await cli("token", "rotate", agent.id, "--db", t.dbFile));
    expect(rotated.id).toBe(agent.id);
    await rejects(t.connect(agent.token), "Unauthorized");
    expect((await t.connect(rotated.token)).principal).toMatchObject({ agentId: agent.id });
  }, 60_000);

  it("agent list, agent suspend and unsuspend: a suspended agent's token is refused until unsuspended", async () => {
    const agent = await t.agent();
    const listed = await cli("agent", "list", "--query", agent.record.name, "--json", "--db", t.dbFile);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).agents).toEqual([expect.objectContaining({ id: agent.id, status: "active" })]);
    const suspended = await cli("agent", "suspend", agent.id, "--db", t.dbFile);
    expect(suspended.stdout).toContain(`${agent.id}  ${agent.record.name}  suspended`);
    await rejects(t.connect(agent.token), "Forbidden");
    expect((await cli("agent", "unsuspend", agent.id, "--db", t.dbFile)).code).toBe(0);
    expect((await t.connect(agent.token)).principal).toMatchObject({ agentId: agent.id });
    const unknown = await cli("agent", "suspend", "agt_nobody", "--db", t.dbFile);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No agent has the id agt_nobody; switchboard agent list shows them/);
  }, 60_000);

  it("app list, grant list --app/--user, grant revoke through the running hub: the grant stops, the app is told", async () => {
    const app = await connectedApp(t, { name: uniqueName("cli-grants") });
    const user = await connectedUser(t);
    const given = await grant(app, user, ["chat.write"]);

    const apps = await cli("app", "list", "--json", "--db", t.dbFile);
    expect(apps.code).toBe(0);
    expect(JSON.parse(apps.stdout).apps).toContainEqual(expect.objectContaining({ id: app.id, name: app.name }));
    for (const by of [
      ["--app", app.name],
      ["--app", app.id],
      ["--user", user.id],
    ]) {
      const listed = await cli("grant", "list", ...by, "--json", "--db", t.dbFile);
      expect(listed.stderr).toBe("");
      expect(JSON.parse(listed.stdout).grants).toEqual([expect.objectContaining({ id: given.id, status: "active" })]);
    }

    const revokedNote = app.client.once("grant/revoked");
    const env = { SWITCHBOARD_ADMIN_TOKEN: t.adminToken };
    const revoked = await cliWith(env, "grant", "revoke", given.id, "--hub", t.wsUrl, "--json");
    expect(revoked.stderr).toBe("");
    expect(JSON.parse(revoked.stdout).grant).toMatchObject({ id: given.id, status: "revoked" });
    expect((await revokedNote).grant).toMatchObject({ id: given.id, status: "revoked" });
    const after = await cli("grant", "list", "--user", user.id, "--db", t.dbFile);
    expect(after.stdout).toContain(`${given.id}  revoked`);

    const again = await cliWith(env, "grant", "revoke", given.id, "--hub", t.url);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/grants\/revoke: .*already revoked.*\(Conflict\)/);
    const noToken = await cliWith({ SWITCHBOARD_ADMIN_TOKEN: "" }, "grant", "revoke", given.id, "--hub", t.url);
    expect(noToken.stderr).toMatch(/set SWITCHBOARD_ADMIN_TOKEN/);
    const badToken = await cliWith(
      { SWITCHBOARD_ADMIN_TOKEN: "sb_admin.admin.wrong" },
      "grant",
      "revoke",
      given.id,
      "--hub",
      t.url,
    );
    expect(badToken.stderr).toMatch(/refused SWITCHBOARD_ADMIN_TOKEN/);
    const down = await cliWith(env, "grant", "revoke", given.id, "--hub", "http://127.0.0.1:9");
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/could not reach the hub at http:\/\/127\.0\.0\.1:9 .*pass --hub/);
    const neither = await cli("grant", "list", "--db", t.dbFile);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/needs one of --app APP or --user USER_ID/);
  }, 60_000);

  it("reports bad input on stderr with a non-zero exit", async () => {
    const badName = await cli("agent", "create", "Not Valid", "--db", t.dbFile);
    expect(badName.code).toBe(2);
    expect(badName.stdout).toBe("");
    expect(badName.stderr).toMatch(/agent names are 3 to 32 characters/);
  }, 60_000);

  it("has --help for every command", async () => {
    const [serve, app, agent, user, token] = await Promise.all([
      cli("serve", "--help"),
      cli("app", "create", "--help"),
      cli("agent", "create", "--help"),
      cli("user", "create", "--help"),
      cli("token", "rotate", "--help"),
    ]);
    for (const run of [serve, app, agent, user, token]) {
      expect(run.code).toBe(0);
      expect(run.stderr).toBe("");
    }
    expect(app.stdout).toMatch(/^switchboard app create NAME .*--scopes.*--capabilities.*--message-hook/);
    expect(agent.stdout).toMatch(/^switchboard agent create NAME .*--owner/);
    expect(user.stdout).toMatch(/^switchboard user create NAME/);
    expect(token.stdout).toMatch(/^switchboard token rotate PRINCIPAL_ID/);
    for (const run of [app, agent, user, token]) expect(run.stdout).toContain("--db FILE");
    // serve --help lists every option with its environment variable.
    for (const flag of Object.keys(optionSpecs)) {
      expect(serve.stdout).toContain(`--${flag}`);
      expect(serve.stdout).toContain(envName(flag));
    }
    expect(serve.stdout).toContain("SWITCHBOARD_ADMIN_TOKEN");
    const [grantList, grantRevoke, appList] = await Promise.all([
      cli("grant", "list", "--help"),
      cli("grant", "revoke", "--help"),
      cli("app", "list", "--help"),
    ]);
    expect(grantList.stdout).toMatch(/^switchboard grant list \(--app APP \| --user USER_ID\)[^]*--db FILE/);
    expect(appList.stdout).toMatch(/^switchboard app list[^]*--db FILE/);
    expect(grantRevoke.stdout).toMatch(/^switchboard grant revoke GRANT_ID[^]*--hub URL[^]*SWITCHBOARD_ADMIN_TOKEN/);
  }, 60_000);
});
