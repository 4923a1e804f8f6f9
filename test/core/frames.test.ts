import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import type { Frame, RawSocket } from "../helpers/raw.ts";
import { rawAuthed } from "../helpers/scenario.ts";

/**
 * Section 1 and 10.3: frames that are not what the contract asks for are
 * answered (ParseError, InvalidRequest) or close the socket (binary 1003,
 * oversized 1009, a flood 4429), and the hub keeps serving everyone else.
 */

const MAX_FRAME_BYTES = 4096;
const MALFORMED_LIMIT = 5;

describe("section 1: malformed frames", () => {
  let t: TestHub;
  let token: string;
  /** A bystander socket that must keep being served throughout. */
  let other: RawSocket;
  beforeAll(async () => {
    t = await TestHub.start({ maxFrameBytes: MAX_FRAME_BYTES, malformedLimit: MALFORMED_LIMIT });
    token = (await t.agent()).token;
    other = (await rawAuthed(t, token)).raw;
  });
  afterAll(async () => {
    // Whatever the others did, this socket is still served.
    expect((await other.request("system/ping", {})).result).toBeDefined();
    await t.stop();
  });

  /** Send frames, then a ping; the answers that arrived before the ping's. */
  const answersTo = async (raw: RawSocket, ...frames: unknown[]) => {
    const before = raw.frames.length;
    for (const f of frames) raw.send(f);
    const id = `sentinel-${before}`;
    raw.send({ jsonrpc: "2.0", id, method: "system/ping" });
    await raw.next((f) => !Array.isArray(f) && f.id === id);
    return raw.frames.slice(before, -1);
  };
  const tagOf = (f: Frame | Frame[]) => (f as Frame).error?.data.tag;
  /** Send a batch and wait for its answer array (answers to separate frames may come in any order). */
  const batchAnswer = async (raw: RawSocket, batch: unknown[]) => {
    const before = raw.frames.length;
    raw.send(batch);
    return (await raw.next((f) => Array.isArray(f) && raw.frames.indexOf(f) >= before)) as Frame[];
  };

  it("not JSON: ParseError with id null, and the socket stays open", async () => {
    const { raw } = await rawAuthed(t, token);
    const answers = await answersTo(raw, "{", "]", "nul");
    expect(answers).toHaveLength(3);
    for (const a of answers) {
      expect(a).toEqual({ jsonrpc: "2.0", id: null, error: expect.objectContaining({ code: -32700 }) });
    }
  });

  it("not JSON-RPC: InvalidRequest, echoing the id when it can be read", async () => {
    const { raw } = await rawAuthed(t, token);
    const answers = (await answersTo(
      raw,
      JSON.stringify("a JSON string"),
      { jsonrpc: "2.0", id: 11, method: 42 },
      { jsonrpc: "2.0", id: 12 },
      { id: 13, method: "system/ping" },
      { jsonrpc: "2.0", id: [14], method: "system/ping" },
    )) as Frame[];
    expect(answers.map((a) => [a.id, tagOf(a)])).toEqual([
      [null, "InvalidRequest"],
      [11, "InvalidRequest"],
      [12, "InvalidRequest"],
      [13, "InvalidRequest"],
      [null, "InvalidRequest"],
    ]);
    for (const a of answers) expect(a.error!.code).toBe(-32600);
  });

  it("unknown envelope members: InvalidRequest naming the member, with the id", async () => {
    const { raw } = await rawAuthed(t, token);
    const [answer] = (await answersTo(raw, {
      jsonrpc: "2.0",
      id: "x1",
      method: "system/ping",
      params: {},
      meta: { trace: true },
    })) as Frame[];
    expect(answer).toMatchObject({ id: "x1", error: { code: -32600, data: { tag: "InvalidRequest" } } });
    expect(answer!.error!.message).toContain("meta");
  });

  it("notifications (no id) are never answered, even when they fail", async () => {
    const { raw } = await rawAuthed(t, token);
    const answers = await answersTo(
      raw,
      { jsonrpc: "2.0", method: "system/ping" },
      { jsonrpc: "2.0", method: "no/such/method" },
      { jsonrpc: "2.0", method: "task/get", params: { nope: 1 } },
    );
    expect(answers).toEqual([]);
  });

  it("a stray response (to no pending callback) is ignored", async () => {
    const { raw } = await rawAuthed(t, token);
    expect(await answersTo(raw, { jsonrpc: "2.0", id: "cb-999", result: { verdict: "accept" } })).toEqual([]);
  });

  describe("batches", () => {
    it("answers an array with one answer per call that has an id, notifications left out", async () => {
      const { raw } = await rawAuthed(t, token);
      const answer = await batchAnswer(raw, [
        { jsonrpc: "2.0", id: 1, method: "system/ping" },
        { jsonrpc: "2.0", method: "system/ping" },
        { jsonrpc: "2.0", id: 2, method: "no/such/method" },
        { jsonrpc: "2.0", id: 3, method: "task/get", params: { taskId: 7 } },
        { foo: "bar" },
        5,
        { jsonrpc: "2.0", id: 4, method: "task/list", params: {} },
      ]);
      const byId = answer.map((a) => [a.id, a.result !== undefined ? "ok" : tagOf(a)]);
      expect(byId).toEqual([
        [1, "ok"],
        [2, "MethodNotFound"],
        [3, "InvalidParams"],
        [null, "InvalidRequest"],
        [null, "InvalidRequest"],
        [4, "ok"],
      ]);
    });

    it("answers nothing to a batch of notifications only", async () => {
      const { raw } = await rawAuthed(t, token);
      expect(
        await answersTo(raw, [
          { jsonrpc: "2.0", method: "system/ping" },
          { jsonrpc: "2.0", method: "system/ping", params: {} },
        ]),
      ).toEqual([]);
    });

    it("answers an empty batch with a single InvalidRequest, not an array", async () => {
      const { raw } = await rawAuthed(t, token);
      const answers = await answersTo(raw, []);
      expect(answers).toEqual([
        { jsonrpc: "2.0", id: null, error: expect.objectContaining({ code: -32600, data: { tag: "InvalidRequest" } }) },
      ]);
    });

    it("may authenticate and call in one batch", async () => {
      const raw = await t.raw();
      const answer = await batchAnswer(raw, [
        { jsonrpc: "2.0", id: "a", method: "auth/connect", params: { token } },
        { jsonrpc: "2.0", id: "b", method: "task/list", params: {} },
      ]);
      expect(answer.map((a) => [a.id, a.error?.data.tag])).toEqual([
        ["a", undefined],
        ["b", undefined],
      ]);
    });
  });

  describe("frames that close the socket", () => {
    it("a binary frame closes it with 1003", async () => {
      const { raw } = await rawAuthed(t, token);
      raw.ws.send(Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "system/ping" })), { binary: true });
      expect((await raw.closed).code).toBe(1003);
    });

    it("a frame over --max-frame-bytes closes it with 1009 while another client keeps being served", async () => {
      const { raw } = await rawAuthed(t, token);
      const pings = Promise.all(Array.from({ length: 20 }, () => other.request("system/ping", {})));
      raw.send({ jsonrpc: "2.0", id: 1, method: "system/ping", params: { pad: "x".repeat(MAX_FRAME_BYTES) } });
      expect((await raw.closed).code).toBe(1009);
      for (const p of await pings) expect(p.result).toBeDefined();
      // A frame just under the limit is fine.
      const { raw: fits } = await rawAuthed(t, token);
      const padded = { jsonrpc: "2.0", id: "fits", method: "system/ping", params: { pad: "" } };
      padded.params.pad = "x".repeat(MAX_FRAME_BYTES - JSON.stringify(padded).length);
      expect(JSON.stringify(padded).length).toBe(MAX_FRAME_BYTES);
      fits.send(padded);
      const answer = (await fits.next((f) => !Array.isArray(f) && f.id === "fits")) as Frame;
      // It is read and answered (its unknown field makes it InvalidParams).
      expect(answer.error?.data.tag).toBe("InvalidParams");
    });

    it(`a flood of malformed frames (over --malformed-limit) closes it with 4429`, async () => {
      const { raw } = await rawAuthed(t, token);
      for (let i = 0; i <= MALFORMED_LIMIT; i++) raw.send("not json");
      expect((await raw.closed).code).toBe(4429);
      // The frames within the limit were answered before the close, even though they all arrived at once.
      const parseErrors = raw.frames.filter((f) => tagOf(f) === "ParseError");
      expect(parseErrors.length).toBeGreaterThanOrEqual(MALFORMED_LIMIT);
      // An unauthenticated socket is held to the same limit.
      const anonymous = await t.raw();
      for (let i = 0; i <= MALFORMED_LIMIT; i++) anonymous.send({ not: "json-rpc" });
      expect((await anonymous.closed).code).toBe(4429);
    });
  });
});
