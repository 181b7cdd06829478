// One side of the isolated TTFT benchmark (bench/ttft-isolated.ts) in a thread of its own, as it is
// another process in a real deployment: the loopback model server (Ollama's place) or the client.
// Each has its own isolate and heap, so its garbage is never collected on the hub's thread.
import { parentPort, workerData } from 'node:worker_threads'
import { startMarkingModelServer } from './marking-model-server.ts'
import { type Answer, timeToFirstLine } from './ttft-client.ts'

export type IsolatedRole = 'model' | 'client'

export type IsolatedJob =
  | { kind: 'ask'; url: string; path: string; body: unknown; headers: Record<string, string>; marker: string }
  | { kind: 'last-marks' }
  | { kind: 'close' }

/** Model marks on the clock every thread shares: performance.timeOrigin + performance.now(), ms. */
export interface AbsoluteModelMarks {
  receivedAt: number
  firstWrittenAt: number
}

export type IsolatedAnswer =
  | { ready: true; url?: string }
  | { answer: Answer }
  | { marks: AbsoluteModelMarks | undefined }
  | { closed: true }
  | { error: string }

const port = parentPort!
const role = workerData as IsolatedRole
const model =
  role === 'model' ? await startMarkingModelServer('tiny', ['one', ' two', ' three', ' four']) : undefined

port.on('message', (job: IsolatedJob) => {
  const run = async (): Promise<IsolatedAnswer> => {
    if (job.kind === 'ask')
      return { answer: await timeToFirstLine(job.url, job.path, job.body, job.headers, job.marker) }
    if (job.kind === 'last-marks') {
      const marks = model?.last()
      // performance.now() counts from this thread's own origin; the shared clock adds it back.
      const origin = performance.timeOrigin
      return {
        marks:
          marks === undefined
            ? undefined
            : { receivedAt: origin + marks.receivedAt, firstWrittenAt: origin + marks.firstWrittenAt },
      }
    }
    await model?.close()
    return { closed: true }
  }
  run().then(
    (answer) => port.postMessage(answer),
    (error: unknown) => port.postMessage({ error: (error as Error).message }),
  )
})
port.postMessage({ ready: true, url: model?.url } satisfies IsolatedAnswer)
