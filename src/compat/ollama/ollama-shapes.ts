import type { ErrorView } from '../compat-errors.ts'

// The JSON shapes of Ollama's /api/chat, /api/generate, /api/tags and /api/embed answers.

/** Ollama's error body: `{"error": "message"}` with the HTTP status. */
export function ollamaError(view: ErrorView) {
  return { error: view.message }
}

/** The durations and counts of a final line; the hub's turn reports none of Ollama's, so they are its wall time. */
export function finalStats(startedAt: bigint) {
  const total = Number(process.hrtime.bigint() - startedAt)
  return {
    total_duration: total,
    load_duration: 0,
    prompt_eval_count: 0,
    prompt_eval_duration: 0,
    eval_count: 0,
    eval_duration: total,
  }
}

export function ndjsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`
}

/** One entry of /api/tags. */
export function tagEntry(name: string, modifiedAt: string) {
  return {
    name,
    model: name,
    modified_at: modifiedAt,
    size: 0,
    digest: '',
    details: {
      parent_model: '',
      format: 'localhub',
      family: 'localhub',
      families: ['localhub'],
      parameter_size: '',
      quantization_level: '',
    },
  }
}
