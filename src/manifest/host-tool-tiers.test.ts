// config.tools of stdio and nats skills (decision 1850): the MCP shape, checked with its line.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse, stringify } from 'yaml'
import { checkManifestText, hostToolTiersOf } from './index.ts'

// biome-ignore lint/suspicious/noExplicitAny: raw YAML, edited in place by each test
type Json = Record<string, any>

const DEFAULT_TEXT = readFileSync(new URL('../../manifests/default.yaml', import.meta.url), 'utf8')

function hostSkill(type: 'stdio' | 'nats', tools: unknown, extra: Json = {}): Json {
  return {
    id: `skill.tiers_${type}`,
    version: '1',
    role: 'echo',
    transport: type === 'stdio' ? { type, command: 'node' } : { type, subject: 'localhub.t.frames.x' },
    provides: [],
    consumes: [],
    latencyClass: 'realtime_text',
    capabilityTier: 'write_local_confirm',
    auditLedger: true,
    config: { tools },
    ...extra,
  }
}

function problems(...skills: Json[]): string[] {
  const manifest = parse(DEFAULT_TEXT) as Json
  manifest.skills.push(...skills)
  const result = checkManifestText(stringify(manifest))
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.problem}`)
}

test('tiers up to the skill’s and off are accepted, for stdio and nats skills alike', () => {
  const tools = { echo: 'read_only', publish: 'write_local_confirm', crash: 'off' }
  assert.deepEqual(problems(hostSkill('stdio', tools), hostSkill('nats', tools)), [])
  assert.deepEqual(hostToolTiersOf({ config: { tools } }), tools)
  assert.deepEqual(hostToolTiersOf({}), {})
})

test('a tier above the skill’s, an unknown tier, a bad tool id and a non-map are refused with their paths', () => {
  const found = problems(
    hostSkill('stdio', { wipe: 'destructive_two_step', echo: 'sometimes', 'Bad-Id': 'off' }),
    hostSkill('nats', ['echo']),
  )
  const at = (suffix: string) => found.find((line) => line.includes(suffix))
  assert.match(at('/config/tools/wipe') ?? '', /above the skill's capabilityTier write_local_confirm/)
  assert.match(at('/config/tools/echo') ?? '', /read_only, write_local_confirm, destructive_two_step or off/)
  assert.match(at('/config/tools/Bad-Id') ?? '', /not a skill tool id/)
  assert.match(at('tiers_nats/config/tools') ?? found.join('\n'), /map tool ids to tiers/)
})

test('config.tools without capabilityTier would not act, so it is refused', () => {
  const skill = hostSkill('stdio', { echo: 'off' })
  delete skill.capabilityTier
  delete skill.auditLedger
  const found = problems(skill)
  assert.equal(found.length, 1, found.join('\n'))
  assert.match(found[0]!, /config\/tools: .*would not act: without capabilityTier/)
})
