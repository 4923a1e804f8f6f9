import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { nextClose, openTask, say } from "../helpers/scenario.ts";
import { launch } from "./browser.ts";

/** What the page-side checks read (this project compiles without the DOM library). */
interface PageGlobals {
  readonly document: { readonly cookie: string; readonly documentElement: { readonly scrollWidth: number } };
  readonly localStorage: { readonly length: number };
  readonly sessionStorage: { readonly length: number };
  readonly location: { readonly href: string };
  readonly indexedDB: { databases(): Promise<unknown[]> };
  readonly caches: { keys(): Promise<unknown[]> };
}

/**
 * Issue 14 in a real browser: sign in with the admin token, watch agents
 * come and go and messages arrive, open a conversation, suspend an agent.
 */
describe("the web inspector in Chromium", () => {
  let t: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await TestHub.start();
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const open = async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${t.url}/inspector`);
  };

  const signIn = async (token: string) => {
    await page.getByLabel("Admin token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
  };

  it("refuses a wrong token and says so", async () => {
    await open();
    await signIn(`sb_admin.admin.${"x".repeat(43)}`);
    await page.getByRole("alert").filter({ hasText: "refused this token" }).waitFor();
    expect(await page.getByLabel("Admin token").inputValue()).toBe("");
    await context.close();
  });

  it("signs in with the admin token, and nothing stores it: no cookie, no storage, not in the URL", async () => {
    await open();
    await signIn(t.adminToken);
    await page.getByText("agents online").first().waitFor();
    const stored = await page.evaluate(async () => {
      const w = globalThis as unknown as PageGlobals;
      return {
        cookie: w.document.cookie,
        local: w.localStorage.length,
        session: w.sessionStorage.length,
        url: w.location.href,
        databases: (await w.indexedDB.databases()).length,
        caches: (await w.caches.keys()).length,
      };
    });
    expect(stored).toEqual({ cookie: "", local: 0, session: 0, url: `${t.url}/inspector`, databases: 0, caches: 0 });
    expect(await context.cookies()).toEqual([]);
    const secret = t.adminToken.split(".")[2]!;
    expect(await page.content()).not.toContain(secret);
    // One screen at 1280 px: no horizontal scrolling.
    const width = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth,
    );
    expect(width).toBeLessThanOrEqual(1280);
  });

  it("shows a connected agent appear and leave", async () => {
    const alice = await t.agent();
    const client = await t.connect(alice.token);
    await page.locator(".feed-entry", { hasText: `${alice.id} connected` }).waitFor();
    await client.close();
    await page.locator(".feed-entry", { hasText: `${alice.id} left` }).waitFor();
  });

  it("shows a sent message's text in the live feed within a second, then opens its conversation", async () => {
    const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    const room = await openTask(alice, [bob], { name: "lunch" });
    await say(alice, room, "Shall we have lunch at noon?");
    const entry = page.locator(".feed-entry", { hasText: "Shall we have lunch at noon?" });
    await entry.waitFor({ timeout: 1000 });

    await entry.getByRole("link", { name: "conversation" }).click();
    await page.getByRole("heading", { name: "Conversation lunch" }).waitFor();
    await page.locator(".message-text", { hasText: "Shall we have lunch at noon?" }).waitFor();
    // Live: a reply shows up in the open conversation.
    await say(bob, room, "Noon works for me.");
    await page.locator(".message-text", { hasText: "Noon works for me." }).waitFor();
  });

  it("suspends an agent after confirmation: its socket closes and it shows as suspended", async () => {
    const carol = await t.connectedAgent();
    const closed = nextClose(carol.client);
    await page.goto(`${t.url}/inspector#/agent/${carol.id}`);
    await page.getByRole("heading", { name: /^Agent / }).waitFor();
    await page.getByRole("button", { name: "Suspend" }).click();
    const dialog = page.getByRole("dialog", { name: "Suspend" });
    await dialog.getByText("Its sockets close").waitFor();
    await dialog.getByRole("button", { name: "Suspend" }).click();
    expect(await closed).toBe(4403);
    await page.getByTestId("agent-status").filter({ hasText: "suspended" }).waitFor();
  });

  it("ran without script errors or Content-Security-Policy violations", () => {
    expect(problems).toEqual([]);
  });
});
