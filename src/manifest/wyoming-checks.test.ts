// kernel.api.wyoming (docs/voice.md, decision 1517): off when absent; loopback unless allowRemote;
// refused without a voice pipeline or a skill that hears voice.chunk.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse, stringify } from 'yaml'
import { checkManifestText } from './index.ts'
import { isLoopbackHost } from './wyoming-checks.ts'

// biome-ignore lint/suspicious/noExplicitAny: raw YAML, edited in place by each test
type Json = Record<string, any>

const DEFAULT_TEXT = readFileSync(new URL('../../manifests/default.yaml', import.meta.url), 'utf8')

function check(edit: (manifest: Json) => void) {
  const manifest = parse(DEFAULT_TEXT) as Json
  edit(manifest)
  return checkManifestText(stringify(manifest))
}

function problems(edit: (manifest: Json) => void): string[] {
  const result = check(edit)
  assert.equal(result.ok, false, 'expected the manifest to be refused')
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.problem} | ${issue.fix}`)
}

test('a loopback Wyoming server is accepted, and the section is typed', () => {
  const result = check((manifest) => {
    manifest.kernel.api.wyoming = { port: 10_700, endOfSpeechMs: 600 }
  })
  assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.issues))
  assert.deepEqual(result.manifest.kernel?.api?.wyoming, { port: 10_700, endOfSpeechMs: 600 })
  const absent = check(() => undefined)
  assert.ok(absent.ok)
  assert.equal(absent.manifest.kernel?.api?.wyoming, undefined, 'off by default')
})

test('a network address needs allowRemote: true, said in so many words', () => {
  const found = problems((manifest) => {
    manifest.kernel.api.wyoming = { host: '0.0.0.0', port: 10_700 }
  })
  assert.equal(found.length, 1)
  assert.match(
    found[0]!,
    /^\/kernel\/api\/wyoming\/host: .*0\.0\.0\.0 is not a loopback address.*no authentication/,
  )
  assert.match(found[0]!, /allowRemote: true/)
  const allowed = check((manifest) => {
    manifest.kernel.api.wyoming = { host: '0.0.0.0', port: 10_700, allowRemote: true }
  })
  assert.ok(allowed.ok)
})

test('the schema refuses unknown keys and out-of-range values', () => {
  for (const section of [
    { port: 70_000 },
    { host: '127.0.0.1' },
    { port: 10_700, token: 'x' },
    { port: 10_700, endOfSpeechMs: 50 },
  ]) {
    const result = check((manifest) => {
      manifest.kernel.api.wyoming = section
    })
    assert.equal(result.ok, false, JSON.stringify(section))
  }
})

test('without a voice pipeline or a skill that hears voice.chunk, the section is refused', () => {
  const noPipeline = problems((manifest) => {
    manifest.kernel.api.wyoming = { port: 10_700 }
    manifest.pipelines = (manifest.pipelines as Json[]).filter(
      (pipeline) => pipeline.id !== 'pipeline.voice.turn',
    )
  })
  assert.ok(
    noPipeline.some((problem) => /no pipeline starts with recv: voice.chunk/.test(problem)),
    noPipeline.join('\n'),
  )
  const noStt = problems((manifest) => {
    manifest.kernel.api.wyoming = { port: 10_700 }
    for (const skill of manifest.skills as Json[]) if (skill.id === 'skill.voice.stt') skill.enabled = false
  })
  assert.ok(
    noStt.some((problem) => /no enabled skill consumes voice.chunk/.test(problem)),
    noStt.join('\n'),
  )
})

test('loopback hosts', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])
    assert.ok(isLoopbackHost(host), host)
  for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.org', '128.0.0.1'])
    assert.ok(!isLoopbackHost(host), host)
})

test('satellites to dial: accepted with or without a port; names and addresses unique; no listener keys without a port', () => {
  const dialOnly = check((manifest) => {
    manifest.kernel.api.wyoming = { satellites: [{ name: 'kitchen', host: '192.168.1.20', port: 10_700 }] }
  })
  assert.ok(dialOnly.ok, JSON.stringify(dialOnly.ok ? [] : dialOnly.issues))
  assert.deepEqual(dialOnly.manifest.kernel?.api?.wyoming?.satellites, [
    { name: 'kitchen', host: '192.168.1.20', port: 10_700 },
  ])
  const both = check((manifest) => {
    manifest.kernel.api.wyoming = { port: 0, satellites: [{ name: 'desk', host: '127.0.0.1', port: 10_701 }] }
  })
  assert.ok(both.ok)
  const twice = problems((manifest) => {
    manifest.kernel.api.wyoming = {
      satellites: [
        { name: 'kitchen', host: '10.0.0.2', port: 10_700 },
        { name: 'kitchen', host: '10.0.0.2', port: 10_700 },
      ],
    }
  })
  assert.ok(
    twice.some((problem) =>
      /^\/kernel\/api\/wyoming\/satellites\/1\/name: .*another satellite/.test(problem),
    ),
  )
  assert.ok(twice.some((problem) => /^\/kernel\/api\/wyoming\/satellites\/1: .*listed twice/.test(problem)))
  const idle = problems((manifest) => {
    manifest.kernel.api.wyoming = {
      host: '127.0.0.1',
      allowRemote: true,
      satellites: [{ name: 'kitchen', host: '10.0.0.2', port: 10_700 }],
    }
  })
  assert.equal(idle.length, 2, idle.join('\n'))
  assert.match(idle[0]!, /^\/kernel\/api\/wyoming\/host: .*listens only with a port/)
  assert.match(idle[1]!, /^\/kernel\/api\/wyoming\/allowRemote: /)
  const empty = problems((manifest) => {
    manifest.kernel.api.wyoming = { endOfSpeechMs: 800 }
  })
  assert.match(empty[0]!, /^\/kernel\/api\/wyoming: .*neither listens \(port\) nor dials satellites/)
  for (const satellites of [
    [],
    [{ name: 'Kitchen', host: 'x', port: 1 }],
    [{ name: 'kitchen', host: '', port: 1 }],
    [{ name: 'kitchen', host: 'x', port: 0 }],
    [{ name: 'kitchen', host: 'x', port: 1, token: 'y' }],
    [{ host: 'x', port: 1 }],
  ]) {
    const result = check((manifest) => {
      manifest.kernel.api.wyoming = { satellites }
    })
    assert.equal(result.ok, false, JSON.stringify(satellites))
  }
})
