import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { startOllamaServer } from '../../../test/kit/llm-servers/index.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import type { CommandIo } from '../io.ts'
import { run as doctor } from './doctor.ts'

async function cli(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => (out += chunk))
  stderr.on('data', (chunk) => (err += chunk))
  const io: CommandIo = { stdin: new PassThrough(), stdout, stderr, env, cwd }
  const code = await doctor(args, io)
  return { code, out, err }
}

function setup(t: { after(fn: () => void): void }) {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const home = join(temp.path, 'home')
  mkdirSync(join(home, 'projects'), { recursive: true })
  // No real home, no OLLAMA_HOST of whoever runs the tests.
  return { temp: temp.path, env: { HOME: home, PATH: process.env.PATH } }
}

test('doctor prints one line per check with its fix and exits 1 when the model server is down', async (t) => {
  const { temp, env } = setup(t)
  const result = await cli(['--ollama-host', 'http://127.0.0.1:9', '--port', '0'], env, temp)
  assert.equal(result.code, 1, result.out + result.err)
  const lines = result.out.trim().split('\n')
  const model = lines.find((line) => line.includes('] model:'))
  assert.match(
    model ?? '',
    /^\[FAIL\] model: Ollama at http:\/\/127\.0\.0\.1:9 is not reachable.* — fix: start it with `ollama serve`/,
  )
  assert.match(
    lines.find((line) => line.includes('] data-dir:')) ?? '',
    /home\/\.local\/share\/localhub \(will be created\)/,
  )
  assert.match(lines.at(-1) ?? '', /cannot work/)
})

test('doctor --json: the checks, the data dir, exit 0 when everything works', async (t) => {
  const { temp, env } = setup(t)
  const ollama = await startOllamaServer({ models: ['tiny'] })
  t.after(() => ollama.close())
  const result = await cli(
    ['--json', '--ollama-host', ollama.url, '--model', 'tiny', '--port', '0', '--data', 'here'],
    env,
    temp,
  )
  assert.equal(result.code, 0, result.out)
  const report = JSON.parse(result.out) as {
    ok: boolean
    dataDir: string
    checks: { id: string; status: string }[]
  }
  assert.equal(report.ok, true)
  assert.equal(report.dataDir, join(temp, 'here'))
  assert.deepEqual(report.checks.map((check) => check.id).slice(0, 7), [
    'manifest',
    'node',
    'runtime',
    'sqlite',
    'data-dir',
    'hub',
    'port',
  ])
  assert.ok(report.checks.every((check) => check.status !== 'fail'))
})

test('doctor reports a manifest it cannot load and still checks the machine', async (t) => {
  const { temp, env } = setup(t)
  const result = await cli(['--manifest', join(temp, 'missing.yaml'), '--json', '--port', '0'], env, temp)
  assert.equal(result.code, 1)
  const report = JSON.parse(result.out) as { checks: { id: string; status: string; fix?: string }[] }
  assert.equal(report.checks[0]?.id, 'manifest')
  assert.equal(report.checks[0]?.status, 'fail')
  assert.match(report.checks[0]?.fix ?? '', /localhub manifest validate/)
  assert.ok(report.checks.some((check) => check.id === 'sqlite' && check.status === 'ok'))
  assert.equal(
    report.checks.some((check) => check.id === 'model'),
    false,
  )
})

test('doctor refuses a bad option with the usage', async (t) => {
  const { temp, env } = setup(t)
  const result = await cli(['--port', 'eighty'], env, temp)
  assert.equal(result.code, 2)
  assert.match(result.err, /usage: localhub doctor/)
})
