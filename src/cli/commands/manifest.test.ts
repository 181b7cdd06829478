import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, describe, test } from 'node:test'
import type { CommandIo } from '../io.ts'
import { run } from './manifest.ts'

const repoRoot = resolve(import.meta.dirname, '../../..')
const seedManifest = resolve(repoRoot, '../shared/seeds/jarvis-hub.manifest.yaml')

function memoryIo(cwd: string): { io: CommandIo; stdout: () => string; stderr: () => string } {
  const out = new PassThrough()
  const err = new PassThrough()
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] }
  out.on('data', (chunk: Buffer) => chunks.out.push(chunk))
  err.on('data', (chunk: Buffer) => chunks.err.push(chunk))
  return {
    io: { stdin: new PassThrough(), stdout: out, stderr: err, env: {}, cwd },
    stdout: () => Buffer.concat(chunks.out).toString('utf8'),
    stderr: () => Buffer.concat(chunks.err).toString('utf8'),
  }
}

async function invoke(args: string[], cwd = repoRoot) {
  const streams = memoryIo(cwd)
  const code = await run(args, streams.io)
  return { code, stdout: streams.stdout(), stderr: streams.stderr() }
}

describe('localhub manifest validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'localhub-manifest-cli-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('checks what the skill modules require: an unknown condition is reported with its line', async () => {
    const text = readFileSync(resolve(repoRoot, 'examples/skills/fs-nudge/manifest.yaml'), 'utf8')
      .replace('./index.ts', resolve(repoRoot, 'examples/skills/fs-nudge/index.ts'))
      .replace('if: "touches_watched_file"', 'if: "touches_watched_fiel"')
    const file = join(dir, 'typo.yaml')
    writeFileSync(file, text)
    const result = await invoke(['validate', file])
    assert.equal(result.code, 1)
    assert.match(
      result.stderr,
      /typo\.yaml:\d+:\d+ \/pipelines\/0\/steps\/2\/if: no enabled skill registers the condition touches_watched_fiel — use one of: touches_watched_file/,
    )
  })

  test('prints ok with the counts for the default manifest (path relative to cwd)', async () => {
    const result = await invoke(['validate', 'manifests/default.yaml'])
    assert.equal(result.code, 0)
    assert.equal(result.stdout, 'ok: manifests/default.yaml (16 skills, 4 pipelines)\n')
    assert.equal(result.stderr, '')
  })

  test('--json prints a result envelope', async () => {
    const result = await invoke(['validate', '--json', 'manifests/examples/minimal.yaml'])
    assert.equal(result.code, 0)
    assert.deepEqual(JSON.parse(result.stdout), {
      ok: true,
      data: { file: 'manifests/examples/minimal.yaml', skills: 1, pipelines: 1, catalogChecked: true },
    })
  })

  test('one line per defect: file:line:col path: problem — fix, exit 1', {
    skip: !existsSync(seedManifest),
  }, async () => {
    const result = await invoke(['validate', seedManifest, '--no-catalog'])
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    const lines = result.stderr.trimEnd().split('\n')
    // 6 schema defects + 5 keys that would not act (/ws/avatar, storage paths and engine; decision 1400)
    assert.equal(lines.length, 11)
    for (const line of lines) {
      assert.ok(line.startsWith(`${seedManifest}:`))
      assert.match(line, /:\d+:\d+ \/\S+: .+ — .+$/)
    }
    assert.ok(
      lines.includes(
        `${seedManifest}:225:5 /skills/10/policy: unknown key policy in skill "skill.proactive.triage" — did you mean policies?`,
      ),
    )
  })

  test('with the catalog, unknown types are reported too; --json carries the issues', async () => {
    const file = join(dir, 'typo.yaml')
    const text = readFileSync(resolve(repoRoot, 'manifests/examples/minimal.yaml'), 'utf8')
    writeFileSync(file, text.replace('consumes: [chat.prompt]', 'consumes: [chat.promt]'))
    const plain = await invoke(['validate', 'typo.yaml'], dir)
    assert.equal(plain.code, 1)
    assert.match(
      plain.stderr,
      /^typo\.yaml:\d+:\d+ \/skills\/0\/consumes\/0: .*chat\.promt is not a catalog type — did you mean chat\.prompt\?\n$/,
    )
    const json = await invoke(['validate', 'typo.yaml', '--json'], dir)
    assert.equal(json.code, 1)
    const envelope = JSON.parse(json.stdout)
    assert.equal(envelope.ok, false)
    assert.equal(envelope.error.code, 'E_VALIDATION')
    assert.equal(envelope.error.details.issues[0].path, '/skills/0/consumes/0')
    assert.equal(typeof envelope.error.details.issues[0].line, 'number')
    const unchecked = await invoke(['validate', 'typo.yaml', '--no-catalog'], dir)
    assert.equal(unchecked.code, 0)
  })

  test('--catalog takes type names from another registry.yaml', async () => {
    const registry = join(dir, 'registry.yaml')
    writeFileSync(registry, 'entries:\n  - { type: chat.query, version: 1 }\n')
    const result = await invoke([
      'validate',
      resolve(repoRoot, 'manifests/examples/minimal.yaml'),
      '--catalog',
      registry,
    ])
    assert.equal(result.code, 1)
    assert.match(result.stderr, /llm\.token is not a catalog type/)
  })

  test('a missing file, a binary file and hostile YAML give one clear line, never a stack trace', async () => {
    const missing = await invoke(['validate', 'nope.yaml'], dir)
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^nope\.yaml: cannot read manifest .*nope\.yaml: ENOENT\n$/)
    writeFileSync(join(dir, 'binary.yaml'), Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x00]))
    const binary = await invoke(['validate', 'binary.yaml'], dir)
    assert.equal(binary.code, 1)
    assert.match(binary.stderr, /^binary\.yaml:1:1 \/: the file is not UTF-8 text/)
    writeFileSync(join(dir, 'deep.yaml'), `a: ${'['.repeat(100_000)}`)
    const deep = await invoke(['validate', 'deep.yaml'], dir)
    assert.equal(deep.code, 1)
    assert.match(deep.stderr, /nesting is deeper than/)
    assert.doesNotMatch(missing.stderr + binary.stderr + deep.stderr, /\n\s+at /)
  })

  test('usage errors exit 2; --help exits 0', async () => {
    assert.equal((await invoke([])).code, 2)
    assert.equal((await invoke(['check', 'x.yaml'])).code, 2)
    assert.equal((await invoke(['validate'])).code, 2)
    assert.equal((await invoke(['validate', 'a.yaml', 'b.yaml'])).code, 2)
    assert.equal((await invoke(['validate', 'a.yaml', '--strict'])).code, 2)
    const help = await invoke(['--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /usage: localhub manifest validate <file>/)
  })
})
