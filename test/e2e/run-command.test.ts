// Issue 14, `localhub run -- CMD`: the command's output is shown and kept under <data>/runs/, and a
// non-zero exit becomes event.git.build_failed, on the running hub (where triage turns it into a
// nudge) or, with no hub, in the data directory's log. The exit code is always the command's.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { describe, test } from 'node:test'
import { openBus } from '../../src/bus-factory/index.ts'
import { loadRegistry } from '../../src/catalog/index.ts'
import { main } from '../../src/cli/index.ts'
import type { Envelope } from '../../src/contracts/index.ts'
import { openHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { watchEvents } from '../kit/wait-for.ts'

type After = { after: (fn: () => Promise<void> | void) => void }

/** Runs `localhub ...args` in-process with captured output. */
async function localhub(args: string[], dataDir: string, cwd: string) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => {
    out += chunk
  })
  stderr.on('data', (chunk) => {
    err += chunk
  })
  const env = { ...process.env, LOCALHUB_DATA: dataDir }
  const code = await main(args, { stdin: Readable.from(['']), stdout, stderr, env, cwd })
  return { code, out, err }
}

/** A temp folder with a project folder `app` (the default project name) and a data directory. */
function setup(t: After) {
  // Dots in the path: the stored form's secret guardrail hashes long unbroken token-like runs.
  const temp = makeTempDir('localhub.run.')
  t.after(() => temp.remove())
  const project = join(temp.path, 'app')
  mkdirSync(project)
  return { project, dataDir: join(temp.path, 'data') }
}

async function storedFailures(dataDir: string): Promise<Envelope[]> {
  const bus = await openBus({ transport: 'sqlite', dataDir, registry: loadRegistry() })
  try {
    const found: Envelope[] = []
    for await (const event of bus.replay({ filter: 'event.git.build_failed' })) found.push(event)
    return found
  } finally {
    await bus.close()
  }
}

const FAILING_BUILD = "console.log('compiling'); console.error('error TS2322: boom'); process.exit(3)"

describe('localhub run', { timeout: 60_000 }, () => {
  test('without a hub: shows and logs the output, stores build_failed, exits with the code', async (t) => {
    const { project, dataDir } = setup(t)
    const result = await localhub(['run', '--', process.execPath, '-e', FAILING_BUILD], dataDir, project)
    assert.equal(result.code, 3, result.err)
    assert.match(result.out, /compiling/)
    assert.match(result.err, /error TS2322: boom/)
    const [event, ...more] = await storedFailures(dataDir)
    assert.equal(more.length, 0)
    const payload = event!.payload as { project: string; logPath: string; exitCode: number }
    assert.equal(payload.project, 'app')
    assert.equal(payload.exitCode, 3)
    assert.ok(payload.logPath.startsWith(join(dataDir, 'runs')), payload.logPath)
    const log = readFileSync(payload.logPath, 'utf8')
    assert.match(log, /compiling/)
    assert.match(log, /error TS2322: boom/)
    assert.match(result.err, new RegExp(`log: ${payload.logPath}`))
    assert.match(result.err, /published to the log in .* \(no hub running\)/)
  })

  test('a command that succeeds publishes nothing and exits 0; its output is still kept', async (t) => {
    const { project, dataDir } = setup(t)
    const result = await localhub(
      ['run', '--project', 'site', '--', process.execPath, '-e', "console.log('built')"],
      dataDir,
      project,
    )
    assert.equal(result.code, 0, result.err)
    assert.equal(result.out, 'built\n')
    assert.deepEqual(await storedFailures(dataDir), [])
  })

  test('a command ended by a signal exits 128+N; one that cannot start exits 127; both are reported', async (t) => {
    const { project, dataDir } = setup(t)
    const killed = await localhub(
      ['run', '--project', 'signal', '--', process.execPath, '-e', "process.kill(process.pid, 'SIGTERM')"],
      dataDir,
      project,
    )
    assert.equal(killed.code, 143, killed.err)
    const missing = await localhub(
      ['run', '--project', 'missing', '--', join(project, 'no-such-tool')],
      dataDir,
      project,
    )
    assert.equal(missing.code, 127)
    assert.match(missing.err, /cannot start/)
    const stored = (await storedFailures(dataDir)).map((event) => event.payload as Record<string, unknown>)
    assert.deepEqual(
      stored.map(({ project: name, exitCode }) => ({ name, exitCode })),
      [
        { name: 'signal', exitCode: 143 },
        { name: 'missing', exitCode: 127 },
      ],
    )
  })

  test('usage mistakes exit 2 and run nothing', async (t) => {
    const { project, dataDir } = setup(t)
    const noCommand = await localhub(['run'], dataDir, project)
    assert.equal(noCommand.code, 2)
    assert.match(noCommand.err, /no command given after --/)
    const noSeparator = await localhub(['run', 'make'], dataDir, project)
    assert.equal(noSeparator.code, 2)
    assert.match(noSeparator.err, /localhub run -- make/)
    assert.equal(existsSync(join(dataDir, 'runs')), false)
  })

  test('with a running hub: the event goes to the hub, and triage proposes a nudge for it', async (t) => {
    const { project, dataDir } = setup(t)
    const manifestPath = join(project, '..', 'manifest.yaml')
    writeFileSync(
      manifestPath,
      `manifestVersion: "0.2"
system: { id: run-test, name: "run", mode: local-first }
skills:
  - id: skill.proactive.triage
    version: "0.2"
    role: "attention-manager"
    transport: { type: inproc, module: proactive }
    provides: [nudge.proposal, nudge.dispatch, ui.nudge]
    consumes: [event.git.build_failed]
    latencyClass: hybrid
    policies:
      ladder:
        - { level: 1, channel: "dashboard_only", when: "low" }
        - { level: 2, channel: "toast", when: "medium" }
        - { level: 3, channel: "voice", when: "high_and_actionable" }
pipelines:
  - id: pipeline.proactive.nudge
    steps:
      - { recv: "event.>" }
      - { call: "skill.proactive.triage" }
      - { if: "needs_user_attention", then: "emit:nudge.dispatch" }
`,
    )
    // The memory transport: what the hub sees can only have come over its HTTP API.
    const hub = await openHub({ dataDir, manifestPath, port: 0, transport: 'memory', logger: false })
    t.after(() => hub.close())
    const failures = await watchEvents(hub.bus, 'event.git.build_failed')
    const proposals = await watchEvents(hub.bus, 'nudge.proposal')
    const result = await localhub(['run', '--', process.execPath, '-e', FAILING_BUILD], dataDir, project)
    assert.equal(result.code, 3, result.err)
    assert.match(result.err, new RegExp(`published to the hub at ${hub.url}`))
    const event = await failures.next(() => true, 'the build failure on the hub')
    assert.equal((event.payload as { project: string }).project, 'app')
    const proposal = await proposals.next(() => true, 'a nudge for the failed build')
    assert.equal((proposal.payload as { title: string }).title, 'The build of app failed')
  })
})
