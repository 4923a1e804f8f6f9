import { Schema } from "effect";
import { defineMethod } from "../define.ts";
import { Empty, Timestamp } from "../shapes.ts";

export const SystemPing = defineMethod({
  name: "system/ping",
  summary: "Liveness check; answers the hub's clock.",
  params: Empty,
  result: Schema.Struct({ now: Timestamp }),
  callers: ["anonymous", "agent", "app", "user", "admin"],
  errors: [],
});

export const RpcDiscover = defineMethod({
  name: "rpc.discover",
  summary: "The OpenRPC document of this hub: every method, notification and callback with JSON Schemas.",
  params: Empty,
  result: Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({ identifier: "OpenRpcDocument" }),
  callers: ["anonymous", "agent", "app", "user", "admin"],
  errors: [],
});
