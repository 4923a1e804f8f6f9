import { randomBytes } from "node:crypto";
import type { Config } from "../../server/config.ts";
import { TestHub } from "./hub.ts";
import { dropDatabase, freshDatabase } from "./postgres.ts";

/**
 * Several hubs on one PostgreSQL database, serving as one (section 11): each
 * node is a real hub on its own port with its own pool, sessions and
 * cluster membership, in this process. Tests that kill a node use ChildHub.
 */
export class TestCluster {
  private constructor(
    readonly db: string,
    readonly adminToken: string,
    readonly nodes: TestHub[],
  ) {}

  static async start(count: number, overrides: Partial<Config> = {}): Promise<TestCluster> {
    const db = await freshDatabase();
    const adminToken = `sb_admin.admin.${randomBytes(32).toString("base64url")}`;
    const nodes: TestHub[] = [];
    // One after another: the first applies the migrations (the others would wait on its lock anyway).
    for (let i = 0; i < count; i++) {
      nodes.push(await TestHub.start({ db, adminToken, pollMs: 200, ...overrides }));
    }
    return new TestCluster(db, adminToken, nodes);
  }

  node(i: number): TestHub {
    return this.nodes[i]!;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    await dropDatabase(this.db);
  }
}
