/**
 * Take docs/inspector-overview.png: a hub with some traffic, the overview
 * at 1280 px in Chromium. Run: node --import tsx test/browser/screenshot.ts
 */
import type { SwitchboardClient } from "../../client/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { launch } from "./browser.ts";

type Agent = { readonly id: string; readonly client: SwitchboardClient };
const openTask = async (initiator: Agent, invitees: Agent[], name: string) => {
  const { task, conversation } = await initiator.client.call("task/request", {
    invitedAgentIds: invitees.map((a) => a.id),
    initialConversation: { name },
  });
  return { taskId: task.id, conversationId: conversation!.id };
};
const say = (from: Agent, where: { taskId: string; conversationId: string }, text: string) =>
  from.client.call("messages/send", { ...where, parts: [{ type: "text", text }] } as never);

const t = await TestHub.start();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${t.url}/inspector`);
  await page.getByLabel("Admin token").fill(t.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("agents online").first().waitFor();
  const agents = await Promise.all(Array.from({ length: 6 }, () => t.connectedAgent()));
  const room = await openTask(agents[0]!, agents.slice(1, 4), "planning");
  const other = await openTask(agents[4]!, [agents[5]!], "lunch");
  const lines = ["Shall we meet on Tuesday?", "Tuesday 10:00 works.", "Booking the room.", "Noon at the usual place?"];
  for (let i = 0; i < 40; i++) {
    await say(agents[i % 4]!, room, lines[i % lines.length]!);
    if (i % 5 === 0) await say(agents[5]!, other, "On my way.");
    await new Promise((r) => setTimeout(r, 120));
  }
  await page.waitForTimeout(1500);
  await page.screenshot({ path: new URL("../../docs/inspector-overview.png", import.meta.url).pathname });
} finally {
  await browser.close();
  await t.stop();
}
