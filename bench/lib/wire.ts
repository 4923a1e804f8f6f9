/**
 * Frame helpers shared by the load generators and the bare servers. Both
 * sides write JSON-RPC frames by string concatenation and read them by
 * looking at a few bytes, so that the client side of the benchmark stays
 * cheap and the same code drives the hub and the bare baseline.
 */

/** Characters of text in every benchmark message, padded after the timestamp. */
export const TEXT_CHARS = 64;

/** `t:<ms>|` then padding to TEXT_CHARS; `ms` is the sender's performance.now(). */
export const stampedText = (ms: number): string => {
  const head = `t:${ms.toFixed(3)}|`;
  return head + "x".repeat(Math.max(0, TEXT_CHARS - head.length));
};

/** The request frame of messages/send, split around the id so a socket only concatenates. */
export const sendFrame = (taskId: string, conversationId: string) => {
  const head = `,"method":"messages/send","params":{"taskId":${JSON.stringify(taskId)},"conversationId":${JSON.stringify(conversationId)},"parts":[{"type":"text","text":"`;
  return (id: number, text: string): string => `{"jsonrpc":"2.0","id":${id}${head}${text}"}]}}`;
};

const I = 0x69; // i
const M = 0x6d; // m
const COLON = 0x3a;
const R = 0x72; // r
const ZERO = 0x30;
const NINE = 0x39;

/**
 * `{"jsonrpc":"2.0","id":` is 22 bytes: a response has `i` at 18 and `:` at
 * 21; a notification has `m` (of "method") at 18. Anything else is parsed in
 * full by the caller.
 */
export const isNumericResponse = (b: Buffer): boolean =>
  b.length > 23 && b[18] === I && b[21] === COLON && b[22]! >= ZERO && b[22]! <= NINE;
export const isNotification = (b: Buffer): boolean => b.length > 18 && b[18] === M;

/** The numeric id of a response frame and whether it carries `result` (else `error`). */
export const readResponse = (b: Buffer): { id: number; ok: boolean } => {
  let i = 22;
  let id = 0;
  for (let c = b[i]!; c >= ZERO && c <= NINE; c = b[++i]!) id = id * 10 + (c - ZERO);
  // b[i] is ',' then '"', then 'r' of result or 'e' of error
  return { id, ok: b[i + 2] === R };
};

const STAMP = Buffer.from('"text":"t:');

/** The send timestamp inside a message/received frame (or a response echoing the message), or NaN. */
export const readStamp = (b: Buffer): number => {
  const at = b.indexOf(STAMP);
  if (at < 0) return Number.NaN;
  const start = at + STAMP.length;
  const end = b.indexOf(0x7c, start); // '|'
  return end < 0 ? Number.NaN : Number(b.toString("latin1", start, end));
};

const CURSOR = Buffer.from('"params":{"cursor":"');

/** The cursor of a logged notification frame, or NaN. */
export const readCursor = (b: Buffer): number => {
  const at = b.indexOf(CURSOR);
  if (at < 0) return Number.NaN;
  const start = at + CURSOR.length;
  let n = 0;
  for (let i = start; i < b.length; i++) {
    const c = b[i]!;
    if (c < ZERO || c > NINE) return i === start ? Number.NaN : n;
    n = n * 10 + (c - ZERO);
  }
  return Number.NaN;
};
