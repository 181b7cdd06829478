// The ingest benchmark's client in a thread of its own (bench/log-scale-ingest.bench.ts): a real
// client (curl, `localhub events publish`) runs in another process, so its own work — building
// request bodies, reading receipts — should not take turns with the hub on the hub's thread.
import { readFileSync } from 'node:fs'
import { PassThrough, Readable } from 'node:stream'
import { parentPort } from 'node:worker_threads'
import { main } from '../src/cli/index.ts'

export type ClientJob =
  | { kind: 'prepare'; file: string }
  | { kind: 'post'; url: string; token: string; query: string; linesPerRequest: number }
  | { kind: 'cli'; file: string; dataDir: string; cwd: string }

export type ClientAnswer = { ready: true } | { stored: number } | { error: string }

const port = parentPort!
let lines: string[] = []

async function post(job: Extract<ClientJob, { kind: 'post' }>): Promise<number> {
  let stored = 0
  for (let at = 0; at < lines.length; at += job.linesPerRequest) {
    const response = await fetch(`${job.url}/events${job.query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/x-ndjson' },
      body: `${lines.slice(at, at + job.linesPerRequest).join('\n')}\n`,
    })
    const answer = (await response.text()).split('\n').filter((line) => line !== '')
    stored +=
      job.query === ''
        ? answer.filter((line) => line.startsWith('{"ok":true')).length
        : answer.reduce((sum, line) => sum + (JSON.parse(line) as { stored: number }).stored, 0)
  }
  return stored
}

async function cli(job: Extract<ClientJob, { kind: 'cli' }>): Promise<number> {
  const sink = new PassThrough()
  sink.resume()
  const env: NodeJS.ProcessEnv = { ...process.env, LOCALHUB_DATA: job.dataDir }
  delete env.LOCALHUB_REGISTRY
  const code = await main(['events', 'publish', job.file], {
    stdin: Readable.from(['']),
    stdout: sink,
    stderr: sink,
    env,
    cwd: job.cwd,
  })
  if (code !== 0) throw new Error(`events publish exited ${code}`)
  return -1
}

port.on('message', (job: ClientJob) => {
  const run = async (): Promise<ClientAnswer> => {
    if (job.kind === 'prepare') {
      lines = readFileSync(job.file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
      return { ready: true }
    }
    return { stored: job.kind === 'post' ? await post(job) : await cli(job) }
  }
  run().then(
    (answer) => port.postMessage(answer),
    (error: unknown) => port.postMessage({ error: (error as Error).message }),
  )
})
port.postMessage({ ready: true } satisfies ClientAnswer)
