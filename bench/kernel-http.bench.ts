// Kernel HTTP layer cost. (1) Events ingested per second through POST /events in NDJSON batches,
// against the same in-memory hub's raw ingest() in the same run (ratio = HTTP / raw). (2) WebSocket
// fan-out: 100 clients tailing while events are published at a fixed rate: delivered rate, lag
// (publish → client receive, median / p99 / max) and memory. Clients run in this process, so the lag
// includes their JSON parsing. Prints one JSON line per result; runs in well under 60 s.
import { pathToFileURL } from 'node:url'
import { createFakeHub } from '../test/kit/fake-hub.ts'
import { call, openWs, startTestServer, type WsTestClient } from '../test/kit/http-client.ts'
import { type BenchLine, median, percentile, report } from './stats.ts'

const BATCH_EVENTS = 1_000
const BATCHES_PER_ROUND = 10
const ROUNDS = 5
const WS_CLIENTS = 100
const WS_RATE_PER_SECOND = 500
const WS_DURATION_MS = 3_000
const WS_TICK_MS = 10

const principal = { id: 'bench', via: 'bearer' as const }

function ndjsonBatch(round: number): string {
  let text = ''
  for (let index = 0; index < BATCH_EVENTS; index++) {
    text += `${JSON.stringify({ type: 'bench.event', payload: { round, index, note: 'x'.repeat(64) } })}\n`
  }
  return text
}

async function rawIngestRate(body: string): Promise<number> {
  const hub = createFakeHub()
  const start = process.hrtime.bigint()
  for (let batch = 0; batch < BATCHES_PER_ROUND; batch++) {
    for await (const batch of hub.ingest({
      headers: {},
      contentType: 'application/x-ndjson',
      text: body,
      bytes: Buffer.from(body),
      query: {},
      traceId: 'bench',
      principal,
    })) {
      for (const result of batch) if (!result.ok) throw new Error(result.error.message)
    }
  }
  return (BATCHES_PER_ROUND * BATCH_EVENTS) / (Number(process.hrtime.bigint() - start) / 1e9)
}

async function httpIngestRate(url: string, token: string, body: string): Promise<number> {
  const start = process.hrtime.bigint()
  for (let batch = 0; batch < BATCHES_PER_ROUND; batch++) {
    const response = await call(`${url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body,
    })
    if (response.status !== 200) throw new Error(`POST /events answered ${response.status}`)
  }
  return (BATCHES_PER_ROUND * BATCH_EVENTS) / (Number(process.hrtime.bigint() - start) / 1e9)
}

export async function run(): Promise<BenchLine[]> {
  const lines: BenchLine[] = []
  const cleanups: Array<() => unknown> = []
  try {
    const server = await startTestServer({ after: (fn) => cleanups.push(fn) })
    const body = ndjsonBatch(0)
    const raw: number[] = []
    const http: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      raw.push(await rawIngestRate(body))
      http.push(await httpIngestRate(server.url, server.token, body))
    }
    lines.push({
      bench: 'kernel-http.events-ingest.ndjson',
      unit: 'events/s',
      median: Math.round(median(http)),
      baseline: Math.round(median(raw)),
      ratio: +(median(http) / median(raw)).toFixed(3),
      batchEvents: BATCH_EVENTS,
    })

    const clients: WsTestClient[] = []
    const lags: number[] = []
    for (let index = 0; index < WS_CLIENTS; index++) {
      const client = await openWs(`${server.url}/ws/events?filter=bench.fanout`, { token: server.token })
      client.socket.on('message', (data) => {
        const event = JSON.parse(data.toString()) as { payload: { sentAt: number } }
        lags.push(performance.now() - event.payload.sentAt)
      })
      clients.push(client)
    }
    const rssBefore = process.memoryUsage().rss
    let published = 0
    let peakBuffered = 0
    const started = performance.now()
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.floor(((performance.now() - started) / 1000) * WS_RATE_PER_SECOND)
        while (published < due) {
          server.hub.publish({ type: 'bench.fanout', payload: { n: published, sentAt: performance.now() } })
          published++
        }
        peakBuffered = Math.max(peakBuffered, server.server.stats().wsBufferedBytes)
        if (performance.now() - started >= WS_DURATION_MS) {
          clearInterval(timer)
          resolve()
        }
      }, WS_TICK_MS)
    })
    const expected = published * WS_CLIENTS
    const drainDeadline = performance.now() + 10_000
    while (lags.length < expected && performance.now() < drainDeadline)
      await new Promise((r) => setTimeout(r, 20))
    const elapsedSeconds = (performance.now() - started) / 1000
    const rssAfter = process.memoryUsage().rss
    lines.push({
      bench: 'kernel-http.ws-fanout.delivered',
      unit: 'messages/s',
      median: Math.round(lags.length / elapsedSeconds),
      baseline: WS_RATE_PER_SECOND * WS_CLIENTS,
      ratio: +(lags.length / expected).toFixed(4),
      clients: WS_CLIENTS,
      published,
      delivered: lags.length,
    })
    lines.push({
      bench: 'kernel-http.ws-fanout.lag',
      unit: 'ms',
      median: +median(lags).toFixed(2),
      p99: +percentile(lags, 0.99).toFixed(2),
      max: +percentile(lags, 1).toFixed(2),
    })
    lines.push({
      bench: 'kernel-http.ws-fanout.memory',
      unit: 'MB',
      median: +((rssAfter - rssBefore) / 1e6).toFixed(1),
      rssMb: +(rssAfter / 1e6).toFixed(1),
      peakWsBufferedKb: Math.round(peakBuffered / 1024),
    })
    for (const client of clients) client.socket.close()
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
  return lines
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await run()) report(line)
}
