import type { CapabilityTier, HubManifest, Skill } from './manifest-types.ts'

// Which file tools a manifest offers and which need the person's confirmation
// (docs/decisions/1403). The manifest folder keeps its own table of the built-in tools so that it
// depends on no skill; src/skills/tools-fs/tool-policy-table.test.ts keeps the two in step.

export interface BuiltinTool {
  readonly tier: CapabilityTier
  /** Argument names the tool's JSON Schema accepts. */
  readonly params: readonly string[]
  /** Changes files: always planned, previewed and confirmed. */
  readonly writes: boolean
}

/** The built-in file tools (src/skills/tools-fs) in the order they are offered to the model. */
export const BUILTIN_TOOLS: Readonly<Record<string, BuiltinTool>> = Object.freeze({
  read_file: { tier: 'read_only', params: ['path', 'offset', 'maxBytes'], writes: false },
  list_dir: { tier: 'read_only', params: ['path', 'maxEntries'], writes: false },
  search_in_files: {
    tier: 'read_only',
    params: ['query', 'path', 'regex', 'caseSensitive', 'maxMatches'],
    writes: false,
  },
  write_file: { tier: 'write_local_confirm', params: ['path', 'content'], writes: true },
  // The seed names the argument `diff`; the tool's schema calls it `patch`. Both are accepted here.
  apply_patch: { tier: 'write_local_confirm', params: ['patch', 'diff'], writes: true },
  delete_path: { tier: 'destructive_two_step', params: ['path', 'recursive'], writes: true },
  move_path: { tier: 'destructive_two_step', params: ['from', 'to'], writes: true },
})

/** Seed 000's tiers, weakest first; a skill may offer tools of its tier and below. */
export const CAPABILITY_TIER_ORDER: readonly CapabilityTier[] = Object.freeze([
  'read_only',
  'write_local_confirm',
  'destructive_two_step',
  'network_off_by_default',
])

/** The module name of the built-in file tools (`transport.module`). */
export const TOOLS_MODULE = 'tools-fs'

export function tierRank(tier: CapabilityTier): number {
  return CAPABILITY_TIER_ORDER.indexOf(tier)
}

/**
 * True when the built-in file tools implement the skill: `transport.module: tools-fs`, or (no
 * module named) seed 000's tool roles and `skill.action.*` ids.
 */
export function isToolsSkill(skill: Pick<Skill, 'id' | 'role' | 'transport'>): boolean {
  const module = skill.transport?.module
  if (module !== undefined) return module === TOOLS_MODULE
  if ((skill.transport?.type ?? 'inproc') !== 'inproc') return false
  return skill.role === 'tools.read' || skill.role === 'tools.write' || skill.id.startsWith('skill.action.')
}

export interface ToolPolicy {
  /** Tools offered to the model and served by POST /tools/:name, in BUILTIN_TOOLS order. */
  readonly offered: readonly string[]
  /** Offered tools that go through an approval (every writing tool). */
  readonly confirm: readonly string[]
  /** The enabled skill that offers each tool (the first one when several do). */
  readonly skillOf: Readonly<Record<string, string>>
}

/** A tools skill without `actions` offers every built-in tool of its capabilityTier and below. */
function actionNamesOf(skill: Skill): string[] {
  if (skill.actions !== undefined) return skill.actions.map((action) => action.name)
  const rank = tierRank(skill.capabilityTier ?? 'read_only')
  return Object.entries(BUILTIN_TOOLS)
    .filter(([, tool]) => tierRank(tool.tier) <= rank)
    .map(([name]) => name)
}

/**
 * The file tools a validated manifest offers: the actions of its enabled tools skills. A tool no
 * enabled tools skill lists is neither offered to the model nor served.
 */
export function toolPolicyOf(manifest: Pick<HubManifest, 'skills'>): ToolPolicy {
  const skillOf: Record<string, string> = {}
  for (const skill of manifest.skills) {
    if (skill.enabled === false || !isToolsSkill(skill)) continue
    for (const name of actionNamesOf(skill)) {
      if (Object.hasOwn(BUILTIN_TOOLS, name) && !Object.hasOwn(skillOf, name)) skillOf[name] = skill.id
    }
  }
  const offered = Object.keys(BUILTIN_TOOLS).filter((name) => Object.hasOwn(skillOf, name))
  return Object.freeze({
    offered: Object.freeze(offered),
    confirm: Object.freeze(offered.filter((name) => BUILTIN_TOOLS[name]!.writes)),
    skillOf: Object.freeze(skillOf),
  })
}
