// MCP server skills (decisions 1720-1722): every config key acts or is refused with its line;
// a server that needs the network is off until networkEnabled: true.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse, stringify } from 'yaml'
import { checkManifestText, mcpServersOf } from './index.ts'

// biome-ignore lint/suspicious/noExplicitAny: raw YAML, edited in place by each test
type Json = Record<string, any>

const DEFAULT_TEXT = readFileSync(new URL('../../manifests/default.yaml', import.meta.url), 'utf8')

function mcpSkill(id: string, config: unknown, extra: Json = {}): Json {
  return {
    id,
    version: '1',
    role: 'tools.mcp',
    transport: { type: 'inproc', module: 'mcp' },
    provides: [],
    consumes: [],
    latencyClass: 'realtime_text',
    capabilityTier: 'read_only',
    config,
    ...extra,
  }
}

function check(...skills: Json[]) {
  const manifest = parse(DEFAULT_TEXT) as Json
  manifest.skills.push(...skills)
  return checkManifestText(stringify(manifest))
}

function problems(...skills: Json[]): string[] {
  const result = check(...skills)
  assert.equal(result.ok, false, 'expected the manifest to be refused')
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.problem} | ${issue.fix}`)
}

test('a stdio and a loopback HTTP server are accepted and declared; tiers and keys act', () => {
  const result = check(
    mcpSkill(
      'skill.mcp.notes',
      {
        command: 'node',
        args: ['server.js'],
        cwd: '/srv/notes',
        env: { A: 'b' },
        timeoutMs: 5000,
        tools: { add_note: 'write_local_confirm', crash: 'off' },
      },
      { capabilityTier: 'write_local_confirm', auditLedger: true },
    ),
    mcpSkill('skill.mcp.local', { url: 'http://127.0.0.1:9000/mcp', headers: { authorization: 'Bearer x' } }),
  )
  assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.issues))
  const [notes, local] = mcpServersOf(result.manifest)
  assert.deepEqual(notes, {
    skillId: 'skill.mcp.notes',
    prefix: 'notes',
    tier: 'write_local_confirm',
    toolTiers: { add_note: 'write_local_confirm', crash: 'off' },
    connection: { kind: 'stdio', command: 'node', args: ['server.js'], cwd: '/srv/notes', env: { A: 'b' } },
    needsNetwork: false,
    networkEnabled: false,
    timeoutMs: 5000,
  })
  assert.equal(local?.connection.kind, 'http')
  assert.equal(local?.needsNetwork, false, 'loopback needs no network')
  assert.equal(local?.timeoutMs, 60_000)
})

test('a server beyond loopback, or network: true, needs the network and is off until enabled', () => {
  const result = check(
    mcpSkill('skill.mcp.remote', { url: 'https://tools.example.com/mcp' }),
    mcpSkill('skill.mcp.fetcher', { command: 'fetch-server', network: true }),
    mcpSkill('skill.mcp.allowed', { url: 'http://192.0.2.7:9000/mcp', networkEnabled: true }),
  )
  assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.issues))
  const declared = mcpServersOf(result.manifest)
  assert.deepEqual(
    declared.map((server) => [server.skillId, server.needsNetwork, server.networkEnabled]),
    [
      ['skill.mcp.remote', true, false],
      ['skill.mcp.fetcher', true, false],
      ['skill.mcp.allowed', true, true],
    ],
  )
  const disabled = check(mcpSkill('skill.mcp.off', { command: 'x' }, { enabled: false }))
  assert.ok(disabled.ok)
  assert.equal(mcpServersOf(disabled.manifest).length, 0, 'enabled: false is not connected')
})

test('bad config is refused at its key, with a fix', () => {
  const cases: [Json, RegExp][] = [
    [mcpSkill('skill.mcp.a', {}), /config: .*neither command nor url/],
    [
      mcpSkill('skill.mcp.b', { command: 'x', url: 'http://127.0.0.1/mcp' }),
      /config: .*both command and url/,
    ],
    [mcpSkill('skill.mcp.c', { url: 'ftp://127.0.0.1/mcp' }), /config\/url: .*http or https/],
    [mcpSkill('skill.mcp.d', { command: 'x', args: [1] }), /config\/args: .*list of strings/],
    [mcpSkill('skill.mcp.e', { command: 'x', cwd: 'relative' }), /config\/cwd: .*absolute/],
    [
      mcpSkill('skill.mcp.f', { url: 'http://127.0.0.1/mcp', cwd: '/x' }),
      /config\/cwd: .*applies to a server started with command/,
    ],
    [mcpSkill('skill.mcp.g', { command: 'x', headers: { a: 'b' } }), /config\/headers: /],
    [
      mcpSkill('skill.mcp.h', { command: 'x', networkEnabled: 'yes' }),
      /config\/networkEnabled: .*true or false/,
    ],
    [
      mcpSkill('skill.mcp.i', { url: 'http://10.0.0.1/mcp', network: false }),
      /config\/network: .*needs the network/,
    ],
    [mcpSkill('skill.mcp.j', { command: 'x', timeoutMs: 0 }), /config\/timeoutMs: /],
    [
      mcpSkill('skill.mcp.k', { command: 'x', tools: { add: 'write_local_confirm' } }),
      /config\/tools\/add: .*above the skill's capabilityTier read_only/,
    ],
    [mcpSkill('skill.mcp.l', { command: 'x', tools: { add: 'sometimes' } }), /config\/tools\/add: /],
    [
      mcpSkill('skill.mcp.m', { command: 'x' }, { capabilityTier: undefined }),
      /skills\/\d+: .*say their tier/,
    ],
    [
      mcpSkill('skill.mcp.n', { command: 'x' }, { capabilityTier: 'network_off_by_default' }),
      /capabilityTier: .*config.network: true/,
    ],
    [
      mcpSkill('skill.mcp.p', { command: 'x' }, { actions: [{ name: 'lookup', params: [] }] }),
      /actions: .*would not act/,
    ],
  ]
  for (const [skill, expected] of cases) {
    if (skill.capabilityTier === undefined) delete skill.capabilityTier
    const found = problems(skill)
    assert.ok(
      found.some((line) => expected.test(line)),
      `${skill.id}: ${expected} not in\n${found.join('\n')}`,
    )
  }
})

test('two servers whose ids end alike would name their tools alike: refused', () => {
  const found = problems(
    mcpSkill('skill.mcp.notes', { command: 'a' }),
    mcpSkill('skill.other.notes', { command: 'b' }),
  )
  assert.ok(
    found.some((line) => /like those of skill\.mcp\.notes/.test(line)),
    found.join('\n'),
  )
})
