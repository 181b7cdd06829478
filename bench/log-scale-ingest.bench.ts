// Bulk ingest (issue 22, decisions 1613 and 1623): the same NDJSON of LOG_SCALE_INGEST_EVENTS
// events (default 40 000) through
//   - publishMany: the bus's own publishManyUntyped (batches of 1000) on a bare bus, no consumers;
//   - publishManyGrownLog: the same on a bare bus whose log holds as many events as the hub's at
//     that point of the run (decision 2095); the hub's kinds get a ratio to it too;
//   - hubPublishMany: the same calls on a running hub's bus (its skills consume what they subscribe to),
//     with a turn of the event loop between them as POST /events takes (decision 1649);
//   - post: POST /events NDJSON on that hub (10 000 lines per request), a result line per event;
//   - postSummary: the same with ?receipts=summary (one line per published batch);
//   - cliLocal: `localhub events publish FILE` on a data directory without a server (opening its
//     bus included: reported on its own as "opening a bus");
//   - cliRemote: `localhub events publish FILE` through the running hub;
//   - postOwnThread, cliRemoteOwnThread: post and cliRemote with the client in a worker thread
//     (bench/ingest-client-worker.ts), as a real client runs in a process of its own; the rows
//     above keep the client on the hub's thread.
//   - postCurl: post from curl, a third-party client in a process of its own (skipped, with a
//     line saying so, where curl is not installed).
//   - then, on bare buses: the CPU per event one durable consumer of the published type adds, and
//     eight durable consumers of other types (the hub's) add (decision 1647), and the one consumer
//     again with the batches handed over, as POST /events NDJSON publishes them (decision 1772).
//   - last, in children under `localhub serve`'s node flags, publishMany, hubPublishMany, post and
//     postOwnThread once per build of the hub: its sources through tsx and dist/ as users run it
//     (bench/log-scale-ingest-runtimes.ts, decision 2081).
// Three rounds, the kinds interleaved in each, so machine noise falls on all of them; medians.
// Before each kind on the hub, its consumers are let catch up with what the previous kind stored
// (else that work lands in the next kind's time); how long that took is reported as catchUpMs.
import { execFile, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { promisify } from 'node:util'
import { openBus } from '../src/bus-factory/index.ts'
import { main } from '../src/cli/index.ts'
import { openHub } from '../src/kernel/index.ts'
import { readConsumerLag } from '../src/store/index.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { ingestRound, startIngestClient } from './ingest-client.ts'
import { runIngestRuntimeRows } from './log-scale-ingest-runtimes.ts'
import { consumerWait } from './log-scale-ingest-settle.ts'
import { median, report } from './stats.ts'

const COUNT = Number(process.env.LOG_SCALE_INGEST_EVENTS ?? 40_000)
const ROUNDS = Number(process.env.LOG_SCALE_INGEST_ROUNDS ?? 3)
const POST_LINES = 10_000
const HAS_CURL = spawnSync('curl', ['--version']).status === 0
/** Kinds that store COUNT events each on the hub per round: hubPublishMany, post, postSummary,
 * postOwnThread, postCurl, cliRemoteOwnThread, cliRemote. */
const HUB_KINDS_PER_ROUND = HAS_CURL ? 7 : 6

// Only the served-flags rows per build of the hub, while iterating on them.
if (process.env.LOG_SCALE_INGEST_RUNTIMES_ONLY === '1') {
  runIngestRuntimeRows()
  process.exit(0)
}

const run = promisify(execFile)
if (!HAS_CURL)
  report({
    bench: 'log-scale ingest: postCurl',
    unit: 'events/s',
    median: 0,
    note: 'skipped: curl is not installed',
  })
const dir = makeTempDir('localhub-ingest-')
try {
  const rates: Record<string, number[]> = {}
  const record = (name: string, started: number) => {
    lastElapsedMs = performance.now() - started
    const rate = COUNT / (lastElapsedMs / 1000)
    rates[name] = [...(rates[name] ?? []), rate]
  }
  const hub = await openHub({ dataDir: join(dir.path, 'hub'), port: 0, logger: false })
  const { worker: client, ask } = await startIngestClient()
  const catchUp: Record<string, number[]> = {}
  /** Events/s counting the consumers' work too: the kind's time plus the catch-up after it. */
  const withCatchUp: Record<string, number[]> = {}
  let lastElapsedMs = 0
  /**
   * CPU time of this process per event, the kind and its catch-up together (µs): on a shared
   * machine less at the mercy of scheduling than a rate. Hub, consumers and the benchmark's own
   * client all run in this process.
   */
  const cpuPerEvent: Record<string, number[]> = {}
  /** Opening a bare SQLite bus (the catalog's schemas compiled): included in cliLocal's time. */
  const openMs: number[] = []
  let cpuAtStart = process.cpuUsage()
  const consumers = consumerWait(join(dir.path, 'hub', 'events.sqlite'), readConsumerLag)
  const grownBus = await openBus({ transport: 'sqlite', dataDir: join(dir.path, 'bus-grown') })
  /** Events in grownBus's log. */
  let grownHeld = 0
  /** Waits until every durable consumer of the hub has acknowledged everything stored. */
  const settle = async (after: string) => {
    const waited = await consumers.settle()
    catchUp[after] = [...(catchUp[after] ?? []), waited]
    if (after !== 'previous round') {
      withCatchUp[after] = [...(withCatchUp[after] ?? []), COUNT / ((lastElapsedMs + waited) / 1000)]
      const used = process.cpuUsage(cpuAtStart)
      cpuPerEvent[after] = [...(cpuPerEvent[after] ?? []), (used.user + used.system) / COUNT]
    }
  }
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const { drafts, lines, file } = ingestRound(dir.path, round, COUNT)

      const opening = performance.now()
      const bus = await openBus({ transport: 'sqlite', dataDir: join(dir.path, `bus-${round}`) })
      // What `events publish` on a data directory pays before its first event (decision 1639).
      openMs.push(performance.now() - opening)
      let started = performance.now()
      cpuAtStart = process.cpuUsage()
      for (let at = 0; at < COUNT; at += 1000) await bus.publishManyUntyped(drafts.slice(at, at + 1000))
      record('publishMany', started)
      const bareCpu = process.cpuUsage(cpuAtStart)
      cpuPerEvent.publishMany = [...(cpuPerEvent.publishMany ?? []), (bareCpu.user + bareCpu.system) / COUNT]
      await bus.close()

      // The same on a bare bus whose log holds as many events as the hub's does now (decision 2095):
      // the hub's log grows by HUB_KINDS_PER_ROUND × COUNT a round while publishMany writes a new
      // file each round, and SQLite's work per event grows with the file.
      for (; grownHeld < HUB_KINDS_PER_ROUND * COUNT * round; grownHeld += COUNT)
        for (let at = 0; at < COUNT; at += 1000)
          await grownBus.publishManyUntyped(drafts.slice(at, at + 1000))
      started = performance.now()
      cpuAtStart = process.cpuUsage()
      for (let at = 0; at < COUNT; at += 1000) await grownBus.publishManyUntyped(drafts.slice(at, at + 1000))
      record('publishManyGrownLog', started)
      grownHeld += COUNT
      const grownCpu = process.cpuUsage(cpuAtStart)
      cpuPerEvent.publishManyGrownLog = [
        ...(cpuPerEvent.publishManyGrownLog ?? []),
        (grownCpu.user + grownCpu.system) / COUNT,
      ]

      await settle('previous round')
      started = performance.now()
      cpuAtStart = process.cpuUsage()
      for (let at = 0; at < COUNT; at += 1000) {
        const outcomes = await hub.bus.publishManyUntyped(drafts.slice(at, at + 1000))
        if (!outcomes.every((outcome) => outcome.ok)) throw new Error('hub publishMany refused an event')
        // A turn per batch, as POST /events takes (decision 1647): the hub's consumers read each
        // batch from the recent-events cache here as they do there, so "/ hub" compares like with like.
        await new Promise((resolve) => setImmediate(resolve))
      }
      record('hubPublishMany', started)
      await settle('hubPublishMany')

      for (const [name, query] of [
        ['post', ''],
        ['postSummary', '?receipts=summary'],
      ] as const) {
        started = performance.now()
        cpuAtStart = process.cpuUsage()
        for (let at = 0; at < COUNT; at += POST_LINES) {
          const response = await fetch(`${hub.url}/events${query}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/x-ndjson' },
            body: `${lines.slice(at, at + POST_LINES).join('\n')}\n`,
          })
          const answer = (await response.text()).split('\n').filter((line) => line !== '')
          const stored =
            name === 'post'
              ? answer.filter((line) => line.startsWith('{"ok":true')).length
              : answer.reduce((sum, line) => sum + (JSON.parse(line) as { stored: number }).stored, 0)
          // Drafts carry no id, so every POST stores anew: each must account for every line.
          if (stored !== Math.min(POST_LINES, COUNT - at))
            throw new Error(`POST /events${query} stored ${stored} of ${Math.min(POST_LINES, COUNT - at)}`)
        }
        record(name, started)
        await settle(name)
      }

      await ask({ kind: 'prepare', file })
      for (const [name, query] of [['postOwnThread', '']] as const) {
        started = performance.now()
        cpuAtStart = process.cpuUsage()
        const answer = await ask({
          kind: 'post',
          url: hub.url,
          token: hub.token,
          query,
          linesPerRequest: POST_LINES,
        })
        record(name, started)
        if (!('stored' in answer) || answer.stored !== COUNT)
          throw new Error(`POST /events from the worker stored ${JSON.stringify(answer)} of ${COUNT}`)
        await settle(name)
      }
      if (HAS_CURL) {
        const chunks: string[] = []
        for (let at = 0; at < COUNT; at += POST_LINES) {
          const chunk = join(dir.path, `curl-${round}-${at}.ndjson`)
          writeFileSync(chunk, `${lines.slice(at, at + POST_LINES).join('\n')}\n`)
          chunks.push(chunk)
        }
        started = performance.now()
        cpuAtStart = process.cpuUsage()
        for (const [index, chunk] of chunks.entries()) {
          const { stdout } = await run(
            'curl',
            [
              '-sS',
              '--fail',
              '-H',
              `authorization: Bearer ${hub.token}`,
              '-H',
              'content-type: application/x-ndjson',
              '--data-binary',
              `@${chunk}`,
              `${hub.url}/events`,
            ],
            { maxBuffer: 64 * 1024 * 1024 },
          )
          const stored = stdout.split('\n').filter((line) => line.startsWith('{"ok":true')).length
          const sent = Math.min(POST_LINES, COUNT - index * POST_LINES)
          if (stored !== sent) throw new Error(`curl POST /events stored ${stored} of ${sent}`)
        }
        record('postCurl', started)
        await settle('postCurl')
      }
      started = performance.now()
      cpuAtStart = process.cpuUsage()
      await ask({ kind: 'cli', file, dataDir: join(dir.path, 'hub'), cwd: dir.path })
      record('cliRemoteOwnThread', started)
      await settle('cliRemoteOwnThread')

      const sink = () => {
        const stream = new PassThrough()
        stream.resume()
        return stream
      }
      for (const [name, dataDir] of [
        ['cliLocal', join(dir.path, `cli-${round}`)],
        ['cliRemote', join(dir.path, 'hub')],
      ] as const) {
        const env: NodeJS.ProcessEnv = { ...process.env, LOCALHUB_DATA: dataDir }
        delete env.LOCALHUB_REGISTRY
        started = performance.now()
        cpuAtStart = process.cpuUsage()
        const code = await main(['events', 'publish', file], {
          stdin: Readable.from(['']),
          stdout: sink(),
          stderr: sink(),
          env,
          cwd: dir.path,
        })
        if (code !== 0) throw new Error(`events publish (${name}) exited ${code}`)
        record(name, started)
        if (name === 'cliRemote') await settle(name)
      }
    }
  } finally {
    consumers.close()
    await grownBus.close()
    await client.terminate()
    await hub.close()
  }
  // What one consumer costs a bus per event (decision 1647): a bare SQLite bus without consumers,
  // with one durable consumer of the published type (a handler like proactive triage's: a payload
  // field, a map lookup), and with eight durable consumers of the hub's other types. The kinds
  // alternate within each round; the batches are published with a turn of the event loop between
  // them, as POST /events does, so the consumer reads from the store's recent-events cache.
  const consumerCpu: Record<string, number[]> = { none: [], matching: [], handedOver: [], others: [] }
  const HUB_OTHER_PATTERNS = [
    'registry.announce',
    'resolve.request',
    'scenario.run',
    'channel.message.received',
    'event.>',
    'ui.interruptibility',
    'index.request',
    'timer.schedule',
  ]
  for (let round = 0; round < ROUNDS; round++) {
    const draftsOf = () =>
      Array.from({ length: COUNT }, (_, n) => ({
        type: 'ui.feedback',
        payload: { target: `consumer-${round}-${n}`, helpful: n % 2 === 0 },
        sessionId: `s${n % 50}`,
      }))
    for (const kind of ['none', 'matching', 'handedOver', 'others'] as const) {
      // Handed-over drafts belong to the bus afterwards (decision 1772): each kind gets its own.
      const drafts = draftsOf()
      const bus = await openBus({
        transport: 'sqlite',
        dataDir: join(dir.path, `consumers-${kind}-${round}`),
      })
      const proposals = new Map<string, string>()
      let seen = 0
      if (kind === 'matching' || kind === 'handedOver')
        await bus.subscribe(
          'ui.feedback',
          (event) => {
            seen++
            proposals.get((event.payload as { target: string }).target)
          },
          { durable: 'feedback', from: 'new' },
        )
      if (kind === 'others')
        for (const [index, pattern] of HUB_OTHER_PATTERNS.entries())
          await bus.subscribe(pattern, () => {}, { durable: `other-${index}`, from: 'new' })
      const turn = () => new Promise((resolve) => setImmediate(resolve))
      await turn()
      const cpuBefore = process.cpuUsage()
      for (let at = 0; at < COUNT; at += 1000) {
        // As POST /events NDJSON publishes (decision 1772) for the handed-over kind.
        await bus.publishManyUntyped(drafts.slice(at, at + 1000), { handOver: kind === 'handedOver' })
        await turn()
      }
      while ((kind === 'matching' || kind === 'handedOver') && seen < COUNT) await turn()
      const used = process.cpuUsage(cpuBefore)
      consumerCpu[kind]!.push((used.user + used.system) / COUNT)
      await bus.close()
    }
  }
  const round2 = (value: number) => Math.round(value * 100) / 100
  report({
    bench: 'log-scale ingest: CPU per event of a bare bus, and with consumers',
    unit: 'µs/event',
    median: round2(median(consumerCpu.none!)),
    rounds: consumerCpu.none!.map(round2),
    oneMatchingConsumer: round2(median(consumerCpu.matching!)),
    oneMatchingConsumerRounds: consumerCpu.matching!.map(round2),
    addedByOneMatchingConsumer: round2(median(consumerCpu.matching!) - median(consumerCpu.none!)),
    oneMatchingConsumerHandedOver: round2(median(consumerCpu.handedOver!)),
    oneMatchingConsumerHandedOverRounds: consumerCpu.handedOver!.map(round2),
    addedByOneMatchingConsumerHandedOver: round2(median(consumerCpu.handedOver!) - median(consumerCpu.none!)),
    eightOtherConsumers: round2(median(consumerCpu.others!)),
    eightOtherConsumersRounds: consumerCpu.others!.map(round2),
    addedByEightOtherConsumers: round2(median(consumerCpu.others!) - median(consumerCpu.none!)),
    events: COUNT,
  })
  report({
    bench: 'log-scale ingest: opening a bus (in cliLocal)',
    unit: 'ms',
    median: Math.round(median(openMs)),
    rounds: openMs.map(Math.round),
  })
  const baseline = median(rates.publishMany!)
  // The fair comparison for the hub's kinds (decision 1631): the same consumers' work counted for
  // both, i.e. hubPublishMany plus its catch-up against each kind plus its own.
  const hubBaseline = median(withCatchUp.hubPublishMany!)
  // A bare bus on a log as large as the hub's (decision 2095): what the hub's kinds would reach
  // if they cost no more than a bare bus on the same size of file.
  const grownBaseline = median(rates.publishManyGrownLog!)
  const ratio = (value: number, to: number) => Math.round((value / to) * 100) / 100
  for (const [name, samples] of Object.entries(rates)) {
    const counted = withCatchUp[name]
    report({
      bench: `log-scale ingest: ${name}`,
      unit: 'events/s',
      median: Math.round(median(samples)),
      ratioToPublishMany: ratio(median(samples), baseline),
      ratioToPublishManyGrownLog: ratio(median(samples), grownBaseline),
      rounds: samples.map(Math.round),
      catchUpMs: catchUp[name]?.map(Math.round),
      withCatchUp: counted === undefined ? undefined : Math.round(median(counted)),
      withCatchUpRounds: counted?.map(Math.round),
      ratioToHubPublishManyWithCatchUp:
        counted === undefined ? undefined : ratio(median(counted), hubBaseline),
      cpuMicrosecondsPerEvent: cpuPerEvent[name]?.map((value) => Math.round(value)),
      events: COUNT,
    })
  }
} finally {
  dir.remove()
}
// The in-process kinds again under the served node flags, from the sources and from dist/
// (bench/log-scale-ingest-runtimes.ts, decision 2081).
runIngestRuntimeRows()
