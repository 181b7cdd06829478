import { CompatError } from './compat-errors.ts'

/** The model name every compatible API lists: a turn of the hub, whichever model the manifest runs. */
export const HUB_MODEL_ID = 'localhub'

/** Names a request may give for the hub's turn: `localhub`, `localhub:latest`, or the backing model. */
export function acceptedModelNames(backing: string | undefined): Set<string> {
  const names = new Set([HUB_MODEL_ID, `${HUB_MODEL_ID}:latest`])
  if (backing !== undefined && backing !== '') {
    names.add(backing)
    if (!backing.includes(':')) names.add(`${backing}:latest`)
  }
  return names
}

/** Refuses a model the hub does not serve, as OpenAI and Ollama do (404). */
export function checkModel(model: unknown, backing: string | undefined, param = 'model'): string {
  if (typeof model !== 'string' || model === '')
    throw new CompatError(400, 'invalid_request', `${param} must be a non-empty string`, param)
  if (!acceptedModelNames(backing).has(model)) {
    throw new CompatError(
      404,
      'model_not_found',
      `the model ${JSON.stringify(model)} does not exist here; this hub serves ${JSON.stringify(HUB_MODEL_ID)}`,
      param,
    )
  }
  return model
}
