export { WebhookWorker, type WorkerDeps } from "./worker.ts";
export { makeWebhookCallbacks, type WebhookCallbacks, type WebhookAnswer } from "./callbacks.ts";
export { makeSealer, newWebhookSecret, ROTATION_OVERLAP_MS, SealedSecretError, type Sealer } from "./secrets.ts";
export { resolveTarget } from "./address.ts";
export { refuseUrl, registerWebhook, checkSecrets } from "./manage.ts";
