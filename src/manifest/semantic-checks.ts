import { renderValue } from '../contracts/index.ts'
import { asObject, draftAt, type Lookup, list } from './check-kit.ts'
import { hostToolTierDrafts } from './host-tool-tiers.ts'
import { typeReferenceProblem } from './known-types.ts'
import { type IssueDraft, pointerJoin, valueAt } from './manifest-issue.ts'
import { suggest } from './manifest-labels.ts'
import { mcpDrafts } from './mcp-servers.ts'
import { sectionDrafts } from './section-checks.ts'
import { collectSteps } from './step-issues.ts'
import { builtinSkillDrafts } from './storage-checks.ts'
import { toolDrafts } from './tool-checks.ts'

// What the schema cannot say: references between parts of the manifest (a call names a skill,
// a transition names states), names that must exist in the catalog, and the seed's safety rules.
// Runs on the raw document even when the schema found problems, so one run reports everything;
// every access is guarded because nothing here is known to be well-formed yet.

export interface SemanticContext {
  knownTypes: ReadonlySet<string> | undefined
  typeName: RegExp
  typePattern: RegExp
}

function duplicateIdDrafts(root: unknown, section: 'skills' | 'pipelines'): IssueDraft[] {
  const drafts: IssueDraft[] = []
  const firstIndex = new Map<string, number>()
  list(asObject(root)?.[section]).forEach((item, index) => {
    const id = asObject(item)?.id
    if (typeof id !== 'string') return
    const earlier = firstIndex.get(id)
    if (earlier === undefined) firstIndex.set(id, index)
    else {
      const path = `/${section}/${index}/id`
      drafts.push({
        path,
        problem: `id ${id} is used twice (also ${section}[${earlier}])`,
        fix: `give each of the ${section} its own id`,
        expected: 'a unique id',
        got: renderValue(id),
      })
    }
  })
  return drafts
}

function typeDrafts(
  root: unknown,
  path: string,
  reference: unknown,
  pattern: RegExp,
  context: SemanticContext,
) {
  if (context.knownTypes === undefined || typeof reference !== 'string' || !pattern.test(reference)) return []
  const found = typeReferenceProblem(reference, context.knownTypes)
  return found === undefined ? [] : [draftAt(root, path, found.problem, found.fix, 'a catalog type')]
}

// Actions, their tools and tiers are checked in tool-checks.ts.
function skillDrafts(root: unknown, context: SemanticContext): IssueDraft[] {
  const drafts: IssueDraft[] = []
  list(asObject(root)?.skills).forEach((raw, index) => {
    const skill = asObject(raw)
    if (skill === undefined) return
    const path = `/skills/${index}`
    list(skill.provides).forEach((type, position) => {
      drafts.push(...typeDrafts(root, `${path}/provides/${position}`, type, context.typeName, context))
    })
    list(skill.consumes).forEach((type, position) => {
      drafts.push(...typeDrafts(root, `${path}/consumes/${position}`, type, context.typePattern, context))
    })
    const tier = skill.capabilityTier
    if ((tier === 'write_local_confirm' || tier === 'destructive_two_step') && skill.auditLedger !== true) {
      drafts.push(
        draftAt(
          root,
          path,
          `capabilityTier ${tier} requires the audit ledger (every such action is logged)`,
          'add auditLedger: true',
          'auditLedger: true',
        ),
      )
    }
  })
  return drafts
}

function stepReferenceDrafts(root: unknown, context: SemanticContext): IssueDraft[] {
  const drafts: IssueDraft[] = []
  const skills = new Map<string, Lookup>()
  for (const raw of list(asObject(root)?.skills)) {
    const skill = asObject(raw)
    if (typeof skill?.id === 'string') skills.set(skill.id, skill)
  }
  const checkCall = (path: string, id: unknown, optional: boolean) => {
    if (typeof id !== 'string') return
    const skill = skills.get(id)
    if (skill === undefined) {
      const guess = suggest(id, skills.keys())
      const fix =
        guess === undefined
          ? `declare a skill with id ${id}, or call one of the declared skills`
          : `did you mean ${guess}?`
      drafts.push(draftAt(root, path, `no skill has the id ${id}`, fix, 'the id of a declared skill'))
    } else if (skill.enabled === false && !optional) {
      drafts.push(
        draftAt(
          root,
          path,
          `skill ${id} is disabled (enabled: false) but the step is not optional`,
          'add optional: true to the step, or enable the skill',
          'an enabled skill',
        ),
      )
    }
  }
  for (const step of collectSteps(root)) {
    if (step.kinds.length !== 1) continue
    const value = step.value as Lookup
    const kind = step.kinds[0]!
    if (kind === 'call') checkCall(`${step.path}/call`, value.call, value.optional === true)
    if (kind === 'emit')
      drafts.push(...typeDrafts(root, `${step.path}/emit`, value.emit, context.typeName, context))
    if (kind === 'recv')
      drafts.push(...typeDrafts(root, `${step.path}/recv`, value.recv, context.typePattern, context))
    if (kind !== 'if') continue
    for (const branch of ['then', 'else'] as const) {
      const shorthand = value[branch]
      if (typeof shorthand !== 'string') continue
      const path = pointerJoin(step.path, branch)
      const [, verb, target] = /^(emit|call):(.+)$/.exec(shorthand) ?? []
      if (verb === 'call') checkCall(path, target, false)
      if (verb === 'emit') drafts.push(...typeDrafts(root, path, target, context.typeName, context))
    }
  }
  return drafts
}

function stateMachineDrafts(root: unknown, context: SemanticContext): IssueDraft[] {
  const machine = asObject(valueAt(root, '/kernel/stateMachine'))
  if (machine === undefined) return []
  const drafts: IssueDraft[] = []
  const states = list(machine.states).filter((state): state is string => typeof state === 'string')
  const known = new Set(states)
  const checkState = (path: string, state: unknown, allowAny: boolean) => {
    if (typeof state !== 'string' || known.has(state) || (allowAny && state === '*')) return
    const guess = suggest(state, states)
    const fix =
      guess === undefined
        ? `add ${state} to states, or use one of ${states.join(', ')}`
        : `did you mean ${guess}?`
    drafts.push(draftAt(root, path, `${state} is not one of the states`, fix, `one of ${states.join(', ')}`))
  }
  checkState('/kernel/stateMachine/initial', machine.initial, false)
  list(machine.transitions).forEach((raw, index) => {
    const transition = asObject(raw)
    if (transition === undefined) return
    const path = `/kernel/stateMachine/transitions/${index}`
    if (Array.isArray(transition.from)) {
      transition.from.forEach((state, position) => {
        checkState(`${path}/from/${position}`, state, true)
      })
    } else checkState(`${path}/from`, transition.from, true)
    checkState(`${path}/to`, transition.to, false)
    drafts.push(...typeDrafts(root, `${path}/on`, transition.on, context.typePattern, context))
  })
  return drafts
}

export function semanticDrafts(root: unknown, context: SemanticContext): IssueDraft[] {
  return [
    ...duplicateIdDrafts(root, 'skills'),
    ...duplicateIdDrafts(root, 'pipelines'),
    ...skillDrafts(root, context),
    ...stepReferenceDrafts(root, context),
    ...stateMachineDrafts(root, context),
    ...toolDrafts(root),
    ...mcpDrafts(root),
    ...hostToolTierDrafts(root),
    ...builtinSkillDrafts(root),
    ...sectionDrafts(root),
  ]
}
