import type { Frame } from "../../helpers/raw.ts";

let httpId = 0;

/** One JSON-RPC call over POST /rpc, with a bearer token or none. */
export const httpCall = async (
  url: string,
  token: string | undefined,
  method: string,
  params?: unknown,
): Promise<{ status: number; frame: Frame | undefined }> => {
  const res = await fetch(`${url}/rpc`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: `h${++httpId}`, method, ...(params === undefined ? {} : { params }) }),
  });
  const text = await res.text();
  return { status: res.status, frame: text === "" ? undefined : (JSON.parse(text) as Frame) };
};

/** The error tag of an answer, or "ok". */
export const outcome = (frame: Frame | undefined): string =>
  frame === undefined ? "no answer" : frame.error ? String(frame.error.data.tag) : "ok";
