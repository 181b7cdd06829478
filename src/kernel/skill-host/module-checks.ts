import { compileTypePattern } from '../../bus/index.ts'
import type { Branch, HubManifest, ManifestProblem, PipelineStep, Skill } from '../../manifest/index.ts'
import type { SkillModule } from '../../skill-api/index.ts'
import type { ResolvedSkill } from './resolve-skill-module.ts'
import {
  keysProblems,
  pointerToken,
  type ShapeWalk,
  unknownKeyProblem,
  valueProblems,
} from './setting-shape-checks.ts'

/** Types a run publishes whatever its steps: a bus-triggered pipeline must not listen to them. */
export const RUNNER_EMITTED_TYPES = Object.freeze([
  'turn.start',
  'turn.end',
  'pipeline.status',
  'pipeline.step.skipped',
  'error.raised',
  'session.state.changed',
  'session.transition.rejected',
])

function* walkSteps(steps: readonly PipelineStep[], path: string): Generator<[PipelineStep, string]> {
  for (const [index, step] of steps.entries()) {
    const here = `${path}/${index}`
    yield [step, here]
    if ('if' in step) {
      yield* walkBranch(step.then, `${here}/then`)
      if (step.else !== undefined) yield* walkBranch(step.else, `${here}/else`)
    }
  }
}

function* walkBranch(branch: Branch, path: string): Generator<[PipelineStep, string]> {
  if (typeof branch !== 'string') {
    yield* walkSteps(branch, path)
    return
  }
  const colon = branch.indexOf(':')
  const verb = branch.slice(0, colon)
  const target = branch.slice(colon + 1)
  if (verb === 'emit') yield [{ emit: target }, path]
  else if (verb === 'call') yield [{ call: target }, path]
}

/** Transport keys of other transports would be ignored by a stdio skill host, so they are refused. */
const NOT_FOR_STDIO = ['module', 'base', 'endpoint', 'subject'] as const

function stdioTransportProblems(skill: HubManifest['skills'][number], index: number): ManifestProblem[] {
  const transport = skill.transport
  if (transport?.type !== 'stdio') return []
  return NOT_FOR_STDIO.filter((key) => transport[key] !== undefined).map((key) => ({
    path: `/skills/${index}/transport/${key}`,
    atKey: true,
    problem: `transport.${key} does not apply to a stdio skill, so it would be ignored`,
    fix: 'remove it: a stdio skill is command, args, cwd, env and timeoutMs',
    expected: 'command | args | cwd | env | timeoutMs | framework',
    got: key,
  }))
}

/**
 * Config and policies keys the module does not read, at any depth its configKeys, configShape and
 * policyShape describe: each is refused with its pointer and the keys that are known.
 */
function settingProblems(module: SkillModule, skill: Skill, index: number): ManifestProblem[] {
  const problems: ManifestProblem[] = []
  const config: ShapeWalk = {
    module: module.name,
    noun: 'setting',
    takesNothing: 'remove it: this module takes no config',
  }
  const base = `/skills/${index}/config`
  for (const [key, value] of Object.entries(skill.config ?? {})) {
    if (module.configKeys !== undefined && !module.configKeys.includes(key)) {
      problems.push(unknownKeyProblem(config, base, key, key, module.configKeys))
      continue
    }
    if (module.configShape !== undefined && Object.hasOwn(module.configShape, key))
      problems.push(
        ...valueProblems(config, value, module.configShape[key], `${base}/${pointerToken(key)}`, key),
      )
  }
  if (module.policyShape !== undefined && skill.policies !== undefined) {
    const policies: ShapeWalk = {
      module: module.name,
      noun: 'policy',
      takesNothing: 'remove it: this module reads no policies',
    }
    problems.push(
      ...keysProblems(policies, skill.policies, module.policyShape, `/skills/${index}/policies`, ''),
    )
  }
  return problems
}

/**
 * What the manifest asks of its skill modules that only the modules can answer: config and policies
 * keys they know (at any depth they describe), types they emit, conditions they register, and
 * pipelines that would trigger themselves.
 */
export function moduleProblems(manifest: HubManifest, resolved: readonly ResolvedSkill[]): ManifestProblem[] {
  const problems: ManifestProblem[] = []
  const conditions = new Map<string, string>()
  // resolved[i] is manifest.skills[i] (the manifest may be a fresh copy of the one resolved).
  for (const [index, entry] of resolved.entries()) {
    if (entry.kind !== 'module') continue
    const { module } = entry
    const skill = manifest.skills[index] ?? entry.skill
    problems.push(...settingProblems(module, skill, index))
    const missing = (module.emits ?? []).filter((type) => !skill.provides.includes(type))
    if (missing.length > 0) {
      problems.push({
        path: `/skills/${index}/provides`,
        problem: `module ${module.name} publishes ${missing.join(', ')}, which ${skill.id} does not provide (its bus rights)`,
        fix: `add ${missing.join(', ')} to provides`,
        expected: (module.emits ?? []).join(', '),
        got: skill.provides.join(', '),
      })
    }
    for (const name of module.conditions ?? []) conditions.set(name, skill.id)
    problems.push(...stdioTransportProblems(skill, index))
  }
  const missing = new Set(
    resolved.filter((entry) => entry.kind === 'unavailable').map((entry) => entry.skill.id),
  )
  for (const [pipelineIndex, pipeline] of manifest.pipelines.entries()) {
    const base = `/pipelines/${pipelineIndex}/steps`
    const emitted = new Set<string>(RUNNER_EMITTED_TYPES)
    // A pipeline that calls a skill this hub has no module for cannot run (its call step fails
    // first and /health says why); the conditions that skill would register are not known here.
    const steps = [...walkSteps(pipeline.steps, base)]
    const runnable = !steps.some(([step]) => 'call' in step && missing.has(step.call))
    for (const [step, path] of steps) {
      if ('if' in step && runnable && !conditions.has(step.if)) {
        problems.push({
          path: `${path}/if`,
          problem: `no enabled skill registers the condition ${step.if}`,
          fix:
            conditions.size === 0
              ? 'enable the skill whose module registers it, or remove the if step'
              : `use one of: ${[...conditions.keys()].join(', ')}, or enable the skill that registers ${step.if}`,
          expected: [...conditions.keys()].join(' | ') || 'a registered condition',
          got: step.if,
        })
      }
      if ('emit' in step) emitted.add(step.emit)
      if ('call' in step) {
        for (const type of manifest.skills.find((skill) => skill.id === step.call)?.provides ?? [])
          emitted.add(type)
      }
    }
    const first = pipeline.steps[0]
    if (first !== undefined && 'recv' in first && first.via === undefined) {
      const matches = compileTypePattern(first.recv)
      const loops = [...emitted].filter((type) => matches(type))
      if (loops.length > 0) {
        problems.push({
          path: `${base}/0/recv`,
          problem: `the pipeline starts on ${first.recv} and its own runs publish ${loops.join(', ')}: it would trigger itself`,
          fix: 'narrow the pattern (e.g. event.> instead of >)',
          expected: 'a pattern none of the run’s own events match',
          got: first.recv,
        })
      }
    }
  }
  return problems
}
