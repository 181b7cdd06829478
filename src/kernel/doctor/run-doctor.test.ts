import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import { startOllamaServer, startOpenAiServer, writeTinyGguf } from '../../../test/kit/llm-servers/index.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { type HubManifest, loadManifest, type Skill } from '../../manifest/index.ts'
import { DEFAULT_MANIFEST_PATH } from '../hub/index.ts'
import type { DoctorCheck, DoctorReport } from './doctor-types.ts'
import { runDoctor } from './run-doctor.ts'

// The shipped manifest as parsed and validated; the skill modules it names are not opened here.
// The default manifest without its voice skills: each test adds the skills it is about, and the
// machine these tests fake has an empty PATH.
const defaults = await loadManifest(DEFAULT_MANIFEST_PATH)
const manifest: HubManifest = {
  ...defaults,
  skills: defaults.skills.filter((skill) => !['stt', 'tts'].includes(skill.transport?.module ?? '')),
}

function withLlm(base: HubManifest, llm: Record<string, unknown>): HubManifest {
  return { ...base, llm: { ...base.llm, ...llm } } as HubManifest
}

function withSkill(base: HubManifest, skill: Partial<Skill> & { id: string }): HubManifest {
  const full = {
    version: '0.1',
    role: 'test',
    provides: [],
    consumes: [],
    latencyClass: 'realtime_voice',
    ...skill,
  }
  return { ...base, skills: [...base.skills, full as Skill] }
}

function checksOf(report: DoctorReport, id: string): DoctorCheck[] {
  return report.checks.filter((check) => check.id === id)
}

function only(report: DoctorReport, id: string): DoctorCheck {
  const found = checksOf(report, id)
  assert.equal(found.length, 1, `one ${id} check in ${JSON.stringify(report.checks)}`)
  return found[0]!
}

/** A port nothing listens on: listen on 0, note the port, close. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function busyPort(t: { after(fn: () => Promise<void>): void }): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as { port: number }).port
}

function setup(t: { after(fn: () => void): void }) {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const home = join(temp.path, 'home')
  mkdirSync(home)
  const bin = join(temp.path, 'bin')
  mkdirSync(bin)
  return { temp: temp.path, home, bin, env: { HOME: home, PATH: bin } }
}

test('a machine with what the manifest needs passes, and the model check reads /api/tags', async (t) => {
  const { temp, env } = setup(t)
  const ollama = await startOllamaServer({ models: ['tiny'] })
  t.after(() => ollama.close())
  const report = await runDoctor({
    manifest: withLlm(manifest, { baseUrl: ollama.url, model: 'tiny' }),
    dataDir: join(temp, 'data'),
    env,
    address: { host: '127.0.0.1', port: 0 },
  })
  assert.equal(report.ok, true, JSON.stringify(report.checks, null, 1))
  assert.equal(only(report, 'node').status, 'ok')
  assert.equal(only(report, 'sqlite').status, 'ok')
  assert.match(only(report, 'data-dir').summary, /will be created/)
  assert.match(only(report, 'model').summary, /has model tiny/)
  assert.ok(ollama.requests.some((request) => request.path === '/api/tags'))
  // ~/projects does not exist in this home: a warning with a fix, not a failure.
  const missingRoot = checksOf(report, 'workspace').find((check) => check.status === 'warn')
  assert.match(missingRoot?.fix ?? '', /mkdir -p .*projects/)
  for (const check of report.checks) assert.doesNotMatch(check.summary, /\n/)
})

test('model server down: fail, with how to start it', async (t) => {
  const { temp, env } = setup(t)
  const port = await closedPort()
  const report = await runDoctor({
    manifest: withLlm(manifest, { baseUrl: `http://127.0.0.1:${port}`, model: 'tiny' }),
    dataDir: temp,
    env,
    address: { host: '127.0.0.1', port: 0 },
  })
  const model = only(report, 'model')
  assert.equal(model.status, 'fail')
  assert.match(model.summary, /not reachable/)
  assert.match(model.fix ?? '', /ollama serve/)
  assert.equal(report.ok, false)
})

test('model missing on a running Ollama: fail, with the pull command', async (t) => {
  const { temp, env } = setup(t)
  const ollama = await startOllamaServer({ models: ['tiny'] })
  t.after(() => ollama.close())
  const report = await runDoctor({
    manifest: withLlm(manifest, { baseUrl: ollama.url, model: 'llama3.2' }),
    dataDir: temp,
    env,
    address: { host: '127.0.0.1', port: 0 },
  })
  const model = only(report, 'model')
  assert.equal(model.status, 'fail')
  assert.match(model.summary, /is up but has no model llama3\.2/)
  assert.equal(model.fix, 'pull it with `ollama pull llama3.2`')
  assert.equal(report.ok, false)
})

test('command-line LLM flags win over the manifest, as for serve', async (t) => {
  const { temp, env } = setup(t)
  const ollama = await startOllamaServer({ models: ['tiny'] })
  t.after(() => ollama.close())
  const report = await runDoctor({
    manifest,
    dataDir: temp,
    env,
    address: { host: '127.0.0.1', port: 0 },
    llmFlags: { baseUrl: ollama.url, model: 'tiny' },
  })
  assert.equal(only(report, 'model').status, 'ok')
})

test('a data dir that cannot be written: fail, with a fix', async (t) => {
  const { temp, env } = setup(t)
  const file = join(temp, 'a-file')
  writeFileSync(file, '')
  const base = { manifest: undefined, env, address: { host: '127.0.0.1', port: 0 } }
  const isFile = only(await runDoctor({ ...base, dataDir: file }), 'data-dir')
  assert.equal(isFile.status, 'fail')
  assert.match(isFile.summary, /is a file, not a folder/)
  assert.match(isFile.fix ?? '', /--data DIR/)
  const under = only(await runDoctor({ ...base, dataDir: join(file, 'data') }), 'data-dir')
  assert.equal(under.status, 'fail')
  assert.match(under.summary, /cannot be created/)
  // Permission bits stop everyone but root; the file cases above cover root too.
  if (process.getuid?.() !== 0) {
    const locked = join(temp, 'locked')
    mkdirSync(locked, { mode: 0o500 })
    t.after(() => chmodSync(locked, 0o700))
    const denied = only(await runDoctor({ ...base, dataDir: locked }), 'data-dir')
    assert.equal(denied.status, 'fail')
    assert.match(denied.summary, /not writable/)
  }
})

test('a busy port: fail, naming the port and how to find who has it', async (t) => {
  const { temp, env } = setup(t)
  const port = await busyPort(t)
  const report = await runDoctor({
    manifest: undefined,
    dataDir: temp,
    env,
    address: { host: '127.0.0.1', port },
  })
  const check = only(report, 'port')
  assert.equal(check.status, 'fail')
  assert.match(check.summary, new RegExp(`127\\.0\\.0\\.1:${port} is in use`))
  assert.match(check.fix ?? '', /--port/)
  // The hub's own port is not busy for the hub itself (GET /doctor).
  const self = await runDoctor({
    manifest: undefined,
    dataDir: temp,
    env,
    address: { host: '127.0.0.1', port },
    self: { url: `http://127.0.0.1:${port}` },
  })
  assert.equal(only(self, 'port').status, 'ok')
})

test('an enabled voice skill without its speech tool on PATH: fail; a disabled one is not checked', async (t) => {
  const { temp, bin, env } = setup(t)
  const voice = withSkill(
    withSkill(manifest, { id: 'skill.voice.stt', transport: { type: 'inproc', module: 'stt' } }),
    { id: 'skill.voice.tts', transport: { type: 'inproc', module: 'tts' }, enabled: false },
  )
  const base = { manifest: voice, dataDir: temp, address: { host: '127.0.0.1', port: 0 } }
  const missing = await runDoctor({ ...base, env })
  const stt = only(missing, 'speech.stt')
  assert.equal(stt.status, 'fail')
  assert.match(stt.summary, /pocketsphinx_continuous/)
  assert.match(stt.fix ?? '', /apt-get install pocketsphinx pocketsphinx-en-us/)
  assert.equal(checksOf(missing, 'speech.tts').length, 0)
  const program = join(bin, 'pocketsphinx_continuous')
  writeFileSync(program, '#!/bin/sh\n', { mode: 0o755 })
  const present = await runDoctor({ ...base, env })
  assert.equal(only(present, 'speech.stt').status, 'ok')
})

test('a NATS bus: nats-server installed and the server reachable', async (t) => {
  const { temp, bin, env } = setup(t)
  const port = await closedPort()
  const nats = { ...manifest, bus: { transport: 'nats', url: `nats://127.0.0.1:${port}` } } as HubManifest
  const base = { manifest: nats, dataDir: temp, address: { host: '127.0.0.1', port: 0 } }
  const down = await runDoctor({ ...base, env })
  assert.equal(only(down, 'nats-server').status, 'fail')
  assert.equal(only(down, 'nats').status, 'fail')
  assert.match(only(down, 'nats').fix ?? '', /nats-server -js/)
  writeFileSync(join(bin, 'nats-server'), '#!/bin/sh\n', { mode: 0o755 })
  const listening = await busyPort(t)
  const up = await runDoctor({
    ...base,
    manifest: {
      ...manifest,
      bus: { transport: 'nats', url: `nats://127.0.0.1:${listening}` },
    } as HubManifest,
    env,
  })
  assert.equal(only(up, 'nats-server').status, 'ok')
  assert.equal(only(up, 'nats').status, 'ok')
  // A skill on a nats transport needs the server too; NATS_URL says where it is.
  const remote = withSkill(manifest, {
    id: 'skill.remote',
    transport: { type: 'nats', subject: 'skill.remote' },
  })
  const viaSkill = await runDoctor({
    ...base,
    manifest: remote,
    env: { ...env, NATS_URL: `nats://127.0.0.1:${port}` },
  })
  assert.match(only(viaSkill, 'nats').summary, new RegExp(`127\\.0\\.0\\.1:${port} is not reachable`))
  // Without NATS in the manifest, nothing about it.
  const plain = await runDoctor({ ...base, manifest, env })
  assert.equal(checksOf(plain, 'nats').length, 0)
})

test('file tools with no workspace root left: fail', async (t) => {
  const { temp, env } = setup(t)
  const roots = {
    ...manifest,
    workspace: { roots: [{ name: 'gone', path: join(temp, 'nowhere'), access: 'read_write' }] },
  } as HubManifest
  const report = await runDoctor({
    manifest: roots,
    dataDir: temp,
    env,
    address: { host: '127.0.0.1', port: 0 },
  })
  const check = only(report, 'workspace')
  assert.equal(check.status, 'fail')
  assert.match(check.fix ?? '', /mkdir -p/)
})

test('an OpenAI-compatible server: its /v1/models must list the model', async (t) => {
  const { temp, env } = setup(t)
  const server = await startOpenAiServer({ models: ['tiny'] })
  t.after(() => server.close())
  const base = { dataDir: temp, env, address: { host: '127.0.0.1', port: 0 } }
  const present = await runDoctor({
    ...base,
    manifest: withLlm(manifest, { provider: 'openai', baseUrl: server.baseUrl, model: 'tiny' }),
  })
  assert.equal(only(present, 'model').status, 'ok')
  const missing = only(
    await runDoctor({
      ...base,
      manifest: withLlm(manifest, { provider: 'openai', baseUrl: server.baseUrl, model: 'other' }),
    }),
    'model',
  )
  assert.equal(missing.status, 'fail')
  assert.match(missing.summary, /has no model other/)
  assert.match(missing.fix ?? '', /one it lists: tiny/)
})

test('llamacpp: the GGUF file is read (never loaded) and a missing one is a failure', async (t) => {
  const { temp, env } = setup(t)
  const base = { dataDir: temp, env, address: { host: '127.0.0.1', port: 0 } }
  const absent = only(
    await runDoctor({
      ...base,
      manifest: withLlm(manifest, { provider: 'llamacpp', ggufPath: join(temp, 'none.gguf') }),
    }),
    'model',
  )
  assert.equal(absent.status, 'fail')
  assert.match(absent.summary, /none\.gguf/)
  assert.match(absent.fix ?? '', /ggufPath|--gguf/)
  const file = await writeTinyGguf(join(temp, 'tiny.gguf'))
  const present = only(
    await runDoctor({ ...base, manifest: withLlm(manifest, { provider: 'llamacpp', ggufPath: file }) }),
    'model',
  )
  // ok when @fugood/llama.node loads here; otherwise the file passed and the runtime is what is named.
  assert.match(present.summary, /tiny\.gguf/)
  if (present.status !== 'ok') assert.match(present.summary, /runtime does not load/)
})
