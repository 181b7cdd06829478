// Time to first token through POST /chat against the same loopback Ollama server called directly,
// in one run, sequential requests; plus the idle RSS of a started hub. The kernel's part includes
// everything a real turn does before the model call (RAG search, memory read, prompt assembly and
// every event up to stream.start, validated and ordered; they are handed to the SQLite log once the
// first token is out, decision 1730, and committed before the turn ends).

import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openHub } from '../src/kernel/index.ts'
import { startOllamaServer } from '../test/kit/llm-servers/index.ts'
import { median, percentile, report } from './stats.ts'

const REQUESTS = process.env.BENCH_QUICK ? 50 : 200

function timeToFirstLine(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
  marker: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const req = request(
      new URL(path, url),
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = ''
        let done = false
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
          if (!done && text.includes(marker)) {
            done = true
            resolve(Number(process.hrtime.bigint() - started) / 1e6)
          }
        })
        res.on('end', () => {
          if (!done) reject(new Error(`no ${marker} in ${text.slice(0, 300)}`))
        })
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

/**
 * RSS of a real `localhub serve` process, idle 10 s after start (read from /proc): compiled
 * (dist/, what `npm ci` builds) or from the TypeScript sources through tsx.
 */
async function idleServeRss(runtime: 'compiled' | 'sources') {
  if (runtime === 'compiled') {
    const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'ignore' })
    if (build.status !== 0) throw new Error('scripts/build-server.mjs failed')
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'localhub-rss-'))
  const bin = fileURLToPath(new URL('../bin/localhub.js', import.meta.url))
  // Run as a person runs it (`npx localhub`, the systemd unit): through the shebang's node flags.
  const child = spawn(bin, ['serve', '--port', '0', '--data', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOCALHUB_RUNTIME: runtime },
  })
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('running at')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
    })
    const samples: number[] = []
    for (let second = 0; second < 10; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      samples.push(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024)
    }
    return {
      bench: `kernel.rss.idle-serve.${runtime}`,
      unit: 'MB',
      median: +(median(samples) / 1e6).toFixed(1),
      max: +(Math.max(...samples) / 1e6).toFixed(1),
      target: '< 120 MB',
    }
  } finally {
    child.kill('SIGTERM')
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const ollama = await startOllamaServer({ models: ['tiny'], reply: () => 'one two three four' })
const dataDir = mkdtempSync(join(tmpdir(), 'localhub-bench-'))
const hub = await openHub({
  dataDir,
  port: 0,
  logger: false,
  llmFlags: { baseUrl: ollama.url, model: 'tiny' },
})
try {
  const auth = { authorization: `Bearer ${hub.token}` }
  const direct: number[] = []
  const viaHub: number[] = []
  for (let index = 0; index < REQUESTS + 20; index++) {
    const rawFirst = await timeToFirstLine(
      ollama.url,
      '/api/chat',
      { model: 'tiny', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      {},
      '"content"',
    )
    const hubFirst = await timeToFirstLine(
      hub.url,
      '/chat',
      { text: 'hi', sessionId: `bench-${index % 10}` },
      auth,
      'event: stream.chunk',
    )
    // The first 20 of each warm the JIT and the SQLite page cache.
    if (index >= 20) {
      direct.push(rawFirst)
      viaHub.push(hubFirst)
    }
  }
  report({
    bench: 'kernel.ttft.direct',
    unit: 'ms',
    median: +median(direct).toFixed(3),
    p99: +percentile(direct, 0.99).toFixed(3),
    n: direct.length,
  })
  report({
    bench: 'kernel.ttft.via-post-chat',
    unit: 'ms',
    median: +median(viaHub).toFixed(3),
    p99: +percentile(viaHub, 0.99).toFixed(3),
    n: viaHub.length,
    addedMedianMs: +(median(viaHub) - median(direct)).toFixed(3),
    addedP99Ms: +(percentile(viaHub, 0.99) - percentile(direct, 0.99)).toFixed(3),
    // Each request through the hub follows a direct one: their difference, pair by pair, is the
    // kernel's part of that moment (less coloured by the machine's load than two separate p99s).
    pairedAddedMedianMs: +median(viaHub.map((value, index) => value - direct[index]!)).toFixed(3),
    pairedAddedP99Ms: +percentile(
      viaHub.map((value, index) => value - direct[index]!),
      0.99,
    ).toFixed(3),
    target: 'added p99 <= 2 ms',
  })
  globalThis.gc?.()
  await new Promise((resolve) => setTimeout(resolve, 1000))
  report({
    bench: 'kernel.rss.in-process-after-chat',
    unit: 'MB',
    median: +(process.memoryUsage().rss / 1e6).toFixed(1),
    note: 'hub + loopback LLM server + client in one process, after the TTFT runs',
  })
  report(await idleServeRss('compiled'))
  report(await idleServeRss('sources'))
} finally {
  await hub.close()
  await ollama.close()
  rmSync(dataDir, { recursive: true, force: true })
}
