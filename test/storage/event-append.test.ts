import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage, type Storage } from "../../storage/index.ts";

describe("events.append gives each recipient the cursor its log row has", () => {
  let dir: string;
  let storage: Storage;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sb-events-"));
    storage = await openStorage(join(dir, "hub.db"));
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("for recipient counts across every chunk size, in increasing order", async () => {
    let previous = 0;
    for (const count of [1, 3, 4, 5, 16, 17, 63, 64, 65, 85, 199, 200, 257]) {
      const recipients = Array.from({ length: count }, (_, i) => `p${count}-${i}`);
      const [outcome] = await storage.transactions.runAll([
        () => storage.events.append("test/event", `{"n":${count}}`, recipients, Date.now()),
      ]);
      const cursors = (outcome as { value: number[] }).value;
      expect(cursors).toHaveLength(count);
      for (let i = 0; i < count; i++) {
        expect(cursors[i]!).toBeGreaterThan(previous);
        previous = cursors[i]!;
        const [row] = await storage.events.after(recipients[i]!, 0, 10);
        expect(row).toEqual({ cursor: cursors[i], method: "test/event", params: `{"n":${count}}` });
      }
    }
  });
});
