import { asObject, draftAt, list, rawSkills } from './check-kit.ts'
import type { IssueDraft } from './manifest-issue.ts'
import { suggest } from './manifest-labels.ts'
import type { CapabilityTier } from './manifest-types.ts'
import { BUILTIN_TOOLS, CAPABILITY_TIER_ORDER, isToolsSkill, tierRank } from './tool-policy.ts'

// capabilityTier / actions / requiresConfirm on skills (docs/decisions/1403): the actions of a
// tools skill are the file tools it offers, so every name, parameter and confirmation flag must
// be one the built-in tools honour.

function tierOf(value: unknown): CapabilityTier | undefined {
  return typeof value === 'string' && (CAPABILITY_TIER_ORDER as readonly string[]).includes(value)
    ? (value as CapabilityTier)
    : undefined
}

function actionDrafts(
  root: unknown,
  path: string,
  action: Record<string, unknown>,
  tier: CapabilityTier,
): IssueDraft[] {
  const name = action.name
  if (typeof name !== 'string') return []
  const tool = Object.hasOwn(BUILTIN_TOOLS, name) ? BUILTIN_TOOLS[name] : undefined
  if (tool === undefined) {
    const guess = suggest(name, Object.keys(BUILTIN_TOOLS))
    return [
      draftAt(
        root,
        `${path}/name`,
        `${name} is not a tool of the built-in file tools`,
        guess === undefined
          ? `use one of ${Object.keys(BUILTIN_TOOLS).join(', ')}`
          : `did you mean ${guess}?`,
        'a built-in file tool',
      ),
    ]
  }
  const drafts: IssueDraft[] = []
  list(action.params).forEach((param, position) => {
    if (typeof param === 'string' && !tool.params.includes(param)) {
      drafts.push(
        draftAt(
          root,
          `${path}/params/${position}`,
          `${name} takes no parameter ${param}`,
          `list only parameters of ${name}: ${tool.params.join(', ')}`,
          `one of ${tool.params.join(', ')}`,
        ),
      )
    }
  })
  if (tool.writes && action.requiresConfirm === false) {
    drafts.push(
      draftAt(
        root,
        `${path}/requiresConfirm`,
        `${name} changes files, and every change needs the person's confirmation`,
        'remove requiresConfirm: false (or grant a standing permission for a folder at run time)',
        'requiresConfirm: true or absent',
      ),
    )
  }
  if (!tool.writes && action.requiresConfirm === true) {
    drafts.push(
      draftAt(
        root,
        `${path}/requiresConfirm`,
        `${name} only reads; this hub runs read tools without asking, so the flag would not act`,
        `remove requiresConfirm, or leave ${name} out of actions so that it is not offered at all`,
        'requiresConfirm: false or absent',
      ),
    )
  }
  if (tierRank(tool.tier) > tierRank(tier)) {
    drafts.push(
      draftAt(
        root,
        `${path}/name`,
        `${name} is a ${tool.tier} tool, above the skill's capabilityTier ${tier}`,
        `raise capabilityTier to ${tool.tier}, or move ${name} to a skill of that tier`,
        `a tool of tier ${tier} or below`,
      ),
    )
  }
  return drafts
}

/** Actions on skills: names, parameters and confirmation of the file tools they offer. */
export function toolDrafts(root: unknown): IssueDraft[] {
  const drafts: IssueDraft[] = []
  for (const { skill, path } of rawSkills(root)) {
    if (skill.actions === undefined) continue
    const shape = {
      id: typeof skill.id === 'string' ? skill.id : '',
      role: typeof skill.role === 'string' ? skill.role : '',
      transport: asObject(skill.transport) as { type: 'inproc'; module?: string } | undefined,
    }
    if (!isToolsSkill(shape)) {
      drafts.push(
        draftAt(
          root,
          `${path}/actions`,
          'actions are served only by the built-in file tools (transport.module tools-fs), so these would not act',
          'remove actions, or set transport: { type: inproc, module: tools-fs }',
          'no actions',
        ),
      )
      continue
    }
    const tier = tierOf(skill.capabilityTier) ?? 'read_only'
    list(skill.actions).forEach((raw, position) => {
      const action = asObject(raw)
      if (action !== undefined)
        drafts.push(...actionDrafts(root, `${path}/actions/${position}`, action, tier))
    })
  }
  return drafts
}
