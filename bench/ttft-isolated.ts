// TTFT through POST /chat with the model server and the client each in a worker thread (issue 17).
// In kernel-chat.bench.ts all three share one isolate, so the model server's and the client's
// garbage is collected on the hub's thread inside the hub's requests; in a deployment Ollama and the
// client are other processes. Here only the hub runs on this thread and heap: rows
// `kernel.ttft.isolated.*`, same rotating rounds and A/A floor as the in-process rows.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GCProfiler } from 'node:v8'
import { Worker } from 'node:worker_threads'
import { openHub } from '../src/kernel/index.ts'
import { LLM_FIRST_TOKEN_CHANNEL, type LlmFirstTokenMessage } from '../src/skills/llm/index.ts'
import { median, percentile, report } from './stats.ts'
import { type Answer, kernelTimingOf } from './ttft-client.ts'
import type { AbsoluteModelMarks, IsolatedAnswer, IsolatedJob, IsolatedRole } from './ttft-isolated-worker.ts'

export interface IsolatedTtftOptions {
  rounds: number
  warmUp: number
}

/** A worker thread running bench/ttft-isolated-worker.ts, answering one job at a time. */
async function startWorker(role: IsolatedRole) {
  const url = new URL('./ttft-isolated-worker.ts', import.meta.url).href
  // Workers start without tsx: register it there before loading the TypeScript file.
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}) })`,
    { eval: true, workerData: role },
  )
  const waiting: ((answer: IsolatedAnswer) => void)[] = []
  worker.on('message', (answer: IsolatedAnswer) => waiting.shift()?.(answer))
  const ask = (job: IsolatedJob | undefined) =>
    new Promise<IsolatedAnswer>((resolve, reject) => {
      waiting.push((answer) => ('error' in answer ? reject(new Error(answer.error)) : resolve(answer)))
      if (job !== undefined) worker.postMessage(job)
    })
  const ready = (await ask(undefined)) as { ready: true; url?: string }
  return { worker, ask, url: ready.url }
}

function summary(samples: readonly number[]) {
  return {
    median: +median(samples).toFixed(3),
    p99: +percentile(samples, 0.99).toFixed(3),
    n: samples.length,
  }
}

function pairedRow(bench: string, measured: readonly number[], direct: readonly number[], extra: object) {
  const paired = measured.map((value, index) => value - direct[index]!)
  report({
    bench,
    unit: 'ms',
    ...summary(measured),
    pairedAddedMedianMs: +median(paired).toFixed(3),
    pairedAddedP99Ms: +percentile(paired, 0.99).toFixed(3),
    ...extra,
  })
}

export async function runIsolatedTtft({ rounds, warmUp }: IsolatedTtftOptions): Promise<void> {
  const model = await startWorker('model')
  const client = await startWorker('client')
  const dataDir = mkdtempSync(join(tmpdir(), 'localhub-bench-isolated-'))
  const hub = await openHub({
    dataDir,
    port: 0,
    logger: false,
    llmFlags: { baseUrl: model.url!, model: 'tiny' },
  })
  let hubMarks: LlmFirstTokenMessage | undefined
  const onMarks = (message: unknown) => {
    hubMarks = message as LlmFirstTokenMessage
  }
  subscribe(LLM_FIRST_TOKEN_CHANNEL, onMarks)
  // GCProfiler reports the collections of this thread's isolate only: the hub's heap.
  const profiler = new GCProfiler()
  const ask = async (job: IsolatedJob) => ((await client.ask(job)) as { answer: Answer }).answer
  const direct: number[] = []
  const directAgain: number[] = []
  const viaHub: number[] = []
  const ownTotal: number[] = []
  const strictTotal: number[] = []
  // Whether a collection ran on the hub's thread during each hub request, to split the tail by it.
  const collected: boolean[] = []
  let scavenges = 0
  let otherCollections = 0
  let pauseMs = 0
  try {
    for (let round = 0; round < rounds + warmUp; round++) {
      const warm = round < warmUp
      const answers: Answer[] = []
      const directPath = async () => {
        answers.push(
          await ask({
            kind: 'ask',
            url: model.url!,
            path: '/api/chat',
            body: { model: 'tiny', stream: true, messages: [{ role: 'user', content: 'hi' }] },
            headers: {},
            marker: '"content"',
          }),
        )
      }
      const hubPath = async () => {
        hubMarks = undefined
        profiler.start()
        const answer = await ask({
          kind: 'ask',
          url: hub.url,
          path: '/chat',
          body: { text: 'hi', sessionId: `bench-${round % 10}` },
          headers: { authorization: `Bearer ${hub.token}` },
          marker: 'event: stream.chunk',
        })
        const { statistics } = profiler.stop()
        const { marks: modelMarks } = (await model.ask({ kind: 'last-marks' })) as {
          marks: AbsoluteModelMarks | undefined
        }
        const marks = hubMarks as LlmFirstTokenMessage | undefined
        if (marks === undefined || modelMarks === undefined) throw new Error('no marks for the hub turn')
        if (warm) return
        const own = kernelTimingOf(answer.text)
        // Both loopback hops, on the clock the threads share (the hub's marks are this thread's now()).
        const origin = performance.timeOrigin
        const gaps =
          modelMarks.receivedAt -
          (origin + marks.sentAt) +
          (origin + marks.firstTokenAt - modelMarks.firstWrittenAt)
        viaHub.push(answer.firstMs)
        ownTotal.push(own.beforeModelMs + own.afterFirstTokenMs)
        strictTotal.push(own.beforeModelMs + own.afterFirstTokenMs + gaps)
        collected.push(statistics.length > 0)
        for (const collection of statistics) {
          if (collection.gcType === 'Scavenge') scavenges++
          else otherCollections++
          pauseMs += collection.cost / 1000
        }
      }
      const paths = [directPath, directPath, hubPath]
      // Rotate which path goes first, second, third.
      for (let step = 0; step < paths.length; step++) await paths[(round + step) % paths.length]!()
      if (warm) continue
      direct.push(answers[0]!.firstMs)
      directAgain.push(answers[1]!.firstMs)
    }
  } finally {
    unsubscribe(LLM_FIRST_TOKEN_CHANNEL, onMarks)
    await hub.close()
    rmSync(dataDir, { recursive: true, force: true })
    await model.ask({ kind: 'close' })
    await Promise.all([model.worker.terminate(), client.worker.terminate()])
  }
  report({ bench: 'kernel.ttft.isolated.direct', unit: 'ms', ...summary(direct) })
  pairedRow('kernel.ttft.isolated.via-post-chat', viaHub, direct, {
    target: 'added p99 <= 2 ms',
    note: 'model server and client each in a worker thread; only the hub on this heap',
  })
  // The same paired difference over only the requests in which the hub's thread collected nothing:
  // how much of the tail the hub's own garbage explains.
  const without = (samples: readonly number[]) => samples.filter((_, index) => !collected[index])
  pairedRow('kernel.ttft.isolated.via-post-chat.without-gc', without(viaHub), without(direct), {
    requestsWithGc: collected.filter(Boolean).length,
    note: "requests during which the hub's thread ran no collection",
  })
  pairedRow('kernel.ttft.isolated.direct-again', directAgain, direct, {
    note: 'A/A: direct vs direct, the noise floor of the paired difference',
  })
  report({ bench: 'kernel.ttft.isolated.own.total', unit: 'ms', ...summary(ownTotal), target: 'p99 <= 2 ms' })
  report({
    bench: 'kernel.ttft.isolated.own.total-strict',
    unit: 'ms',
    ...summary(strictTotal),
    note: 'plus both loopback hops, model marks taken in its thread on performance.timeOrigin + now()',
  })
  report({
    bench: 'kernel.ttft.isolated.gc-per-1000-requests',
    unit: 'count',
    median: +((scavenges * 1000) / viaHub.length).toFixed(1),
    otherCollectionsPer1000: +((otherCollections * 1000) / viaHub.length).toFixed(1),
    pauseMsPer1000: +((pauseMs * 1000) / viaHub.length).toFixed(1),
    note: "scavenges of the hub's thread during its requests (the workers' heaps are not counted)",
  })
}
