/** GET /v1/models, GET /v1/models/{id} and GET /health. */
import type { ServerContext } from "./context";
import { HttpError } from "./openai-error";

function modelObject(context: ServerContext) {
  return { id: context.modelId, object: "model" as const, created: context.startedAt, owned_by: "mlx-asr" };
}

export function listModels(context: ServerContext): Response {
  return Response.json({ object: "list", data: [modelObject(context)] });
}

export function retrieveModel(id: string, context: ServerContext): Response {
  if (id !== context.modelId) {
    throw new HttpError(404, "model_not_found", `The model "${id}" does not exist here; this server serves "${context.modelId}" (and accepts any model name in audio requests).`, "model");
  }
  return Response.json(modelObject(context));
}

export function health(context: ServerContext): Response {
  const { engine } = context;
  const failure = engine.failure ?? null;
  return Response.json(
    {
      status: failure ? "unavailable" : "ok",
      ...(failure && { error: failure }),
      model: { id: context.modelId, family: engine.family.name },
      queue: context.queue.depth,
    },
    { status: failure ? 503 : 200 },
  );
}
