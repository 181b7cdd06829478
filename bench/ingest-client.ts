// The ingest benches' client in a worker thread (its own heap and event loop), as a real client is
// another process: answers come back in the order the jobs were sent.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { ClientAnswer, ClientJob } from './ingest-client-worker.ts'

export interface IngestClient {
  worker: Worker
  /** Sends `job` (or nothing, to wait for the worker's ready message) and resolves with its answer. */
  ask(job: ClientJob | undefined): Promise<ClientAnswer>
}

/** Starts the worker and waits until it has loaded (tsx is registered in it: workers start bare). */
export async function startIngestClient(): Promise<IngestClient> {
  const clientUrl = new URL('./ingest-client-worker.ts', import.meta.url).href
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(clientUrl)}) })`,
    { eval: true },
  )
  const answers: ((answer: ClientAnswer) => void)[] = []
  worker.on('message', (answer: ClientAnswer) => answers.shift()?.(answer))
  const ask = (job: ClientJob | undefined) =>
    new Promise<ClientAnswer>((resolve, reject) => {
      answers.push((answer) => ('error' in answer ? reject(new Error(answer.error)) : resolve(answer)))
      if (job !== undefined) worker.postMessage(job)
    })
  await ask(undefined)
  return { worker, ask }
}

/**
 * One round's `ui.feedback` drafts, with fresh targets per round so no kind meets another's
 * duplicates, and the same lines written as an NDJSON file in `directory`.
 */
export function ingestRound(
  directory: string,
  round: number,
  count: number,
): { drafts: Record<string, unknown>[]; lines: string[]; file: string } {
  const drafts = Array.from({ length: count }, (_, n) => ({
    type: 'ui.feedback',
    payload: { target: `panel-${round}-${n}`, helpful: n % 2 === 0 },
    sessionId: `s${n % 50}`,
  }))
  const lines = drafts.map((draft) => JSON.stringify(draft))
  const file = join(directory, `events-${round}.ndjson`)
  writeFileSync(file, `${lines.join('\n')}\n`)
  return { drafts, lines, file }
}
