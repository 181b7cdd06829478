// A newcomer's first hour, cheaply: a clean `git clone` of this repository (plus the work tree's
// uncommitted changes, so the test checks what is being built), node_modules linked instead of
// `npm ci` and the server compiled to dist/ as `npm ci`'s prepare script does, no ./data anywhere. `localhub serve` runs from one folder; `localhub doctor` and
// `localhub chat` run from another and find it through the platform's data home.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { exited, REPO_ROOT, runToEnd } from '../kit/child-process.ts'
import { startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const HUB_START_TIMEOUT_MS = 60_000

function git(args: string[], cwd: string, input?: Buffer): Buffer {
  return execFileSync('git', args, {
    cwd,
    input,
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

/** A clone of HEAD with the work tree's changes on top: tracked edits as a patch, new files copied. */
function cloneWorkTree(target: string): void {
  git(['clone', '--quiet', '--no-checkout', REPO_ROOT, target], REPO_ROOT)
  git(['checkout', '--quiet', git(['rev-parse', 'HEAD'], REPO_ROOT).toString().trim()], target)
  const patch = git(['diff', 'HEAD', '--binary'], REPO_ROOT)
  if (patch.length > 0) git(['apply', '--binary', '--whitespace=nowarn'], target, patch)
  const untracked = git(['ls-files', '--others', '--exclude-standard', '-z'], REPO_ROOT)
    .toString()
    .split('\0')
    .filter((path) => path !== '')
  for (const path of untracked) {
    mkdirSync(dirname(join(target, path)), { recursive: true })
    copyFileSync(join(REPO_ROOT, path), join(target, path))
  }
}

test('a fresh clone: serve from one folder, doctor and chat from another find it', {
  timeout: 180_000,
  skip: existsSync(join(REPO_ROOT, '.git')) ? false : 'not a git checkout: nothing to clone',
}, async (t) => {
  const temp = makeTempDir('localhub-first-hour-')
  t.after(() => temp.remove())
  const clone = join(temp.path, 'localhub')
  cloneWorkTree(clone)
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'))
  const compiled = await runToEnd(process.execPath, ['scripts/build-server.mjs'], { cwd: clone })
  assert.equal(compiled.code, 0, compiled.stderr)
  assert.equal(existsSync(join(clone, 'data')), false, 'a clone has no ./data')
  const home = join(temp.path, 'home')
  mkdirSync(join(home, 'projects'), { recursive: true })
  const serveFolder = join(temp.path, 'somewhere')
  const otherFolder = join(temp.path, 'elsewhere')
  mkdirSync(serveFolder)
  mkdirSync(otherFolder)
  const ollama = await startOllamaServer({ models: ['tiny'] })
  t.after(() => ollama.close())
  // Nothing of whoever runs the tests (or of the test runner): their home, data dir, token, port or
  // model server. spawn leaves out variables whose value is undefined.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    OLLAMA_HOST: ollama.url,
    LOCALHUB_TOKEN: undefined,
    LOCALHUB_DATA: undefined,
    XDG_DATA_HOME: undefined,
    LOCALHUB_PORT: undefined,
  }
  const bin = join(clone, 'bin', 'localhub.js')

  const hub = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--model', 'tiny', '--log-level', 'warn'],
    {
      cwd: serveFolder,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  t.after(async () => {
    if (hub.exitCode === null && hub.signalCode === null) {
      hub.kill('SIGTERM')
      await exited(hub)
    }
  })
  let output = ''
  hub.stdout.on('data', (chunk) => (output += chunk))
  hub.stderr.on('data', (chunk) => (output += chunk))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the hub did not start:\n${output}`)),
      HUB_START_TIMEOUT_MS,
    )
    hub.stdout.on('data', () => {
      const match = /running at (http:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    hub.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the hub exited with ${code}:\n${output}`))
    })
  })
  const dataHome = join(home, '.local', 'share', 'localhub')
  assert.ok(existsSync(join(dataHome, 'server.json')))

  const port = new URL(url).port
  const doctor = await runToEnd(
    process.execPath,
    [bin, 'doctor', '--json', '--model', 'tiny', '--port', port],
    {
      env,
      cwd: otherFolder,
    },
  )
  assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr)
  const report = JSON.parse(doctor.stdout) as {
    dataDir: string
    checks: { id: string; status: string; summary: string }[]
  }
  assert.equal(report.dataDir, dataHome)
  assert.deepEqual(
    report.checks.find((check) => check.id === 'runtime'),
    { id: 'runtime', status: 'ok', summary: 'compiled JavaScript (dist/)' },
    'npm ci compiles the server, and bin/localhub.js runs what it compiled',
  )
  const hubCheck = report.checks.find((check) => check.id === 'hub')
  assert.equal(hubCheck?.status, 'ok')
  assert.match(hubCheck?.summary ?? '', new RegExp(`running at ${url}`))
  assert.match(
    report.checks.find((check) => check.id === 'port')?.summary ?? '',
    /the hub of this data dir listens here/,
  )

  // A compiled hub still loads a user's TypeScript skill module (tsx registered on demand).
  const validate = await runToEnd(
    process.execPath,
    [bin, 'manifest', 'validate', join(clone, 'examples', 'skills', 'fs-nudge', 'manifest.yaml')],
    { env, cwd: otherFolder },
  )
  assert.equal(validate.code, 0, validate.stdout + validate.stderr)

  const chat = await runToEnd(process.execPath, [bin, 'chat', 'hello from elsewhere'], {
    env,
    cwd: otherFolder,
  })
  assert.equal(chat.code, 0, chat.stderr)
  assert.match(chat.stdout, /hello from elsewhere/, 'the loopback model echoes the message')

  assert.match(output, new RegExp(`Data: ${dataHome} `))
  for (const folder of [clone, serveFolder, otherFolder])
    assert.equal(existsSync(join(folder, 'data')), false, `no ./data in ${folder}`)
  hub.kill('SIGTERM')
  assert.equal(await exited(hub), 0, output)
})
