// Everything that enters the service from a tool, a route or the CLI is checked here: plain objects,
// bounded strings, absolute targets. Problems are ValidationIssues, never a bare string.
import { isAbsolute, normalize } from 'node:path'
import { HubError, type ValidationIssue } from '../contracts/index.ts'
import {
  MAX_ACTOR_CHARS,
  MAX_DIFF_CHARS,
  MAX_PLAN_BYTES,
  MAX_REASON_CHARS,
  MAX_TARGET_CHARS,
  MAX_TARGETS,
} from './approval-options.ts'
import { type ActionPlan, CONSENT_TIERS, type RequestContext } from './approval-types.ts'

/** True when text holds a C0 control character or DEL (ids, names and paths never need them). */
export function hasControlCharacters(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}

/** Replaces control characters except tab and newline (kept for multi-line reasons) with spaces. */
function blankControls(text: string): string {
  let result = ''
  for (const character of text) {
    const code = character.charCodeAt(0)
    result += (code < 0x20 && code !== 0x09 && code !== 0x0a) || code === 0x7f ? ' ' : character
  }
  return result
}

function render(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (value === null) return 'null'
  return Array.isArray(value) ? 'array' : typeof value
}

function issue(path: string, expected: string, got: unknown, message: string): ValidationIssue {
  return { path, expected, got: render(got), message }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function throwIssues(what: string, issues: ValidationIssue[]): void {
  if (issues.length > 0) {
    throw new HubError('E_BAD_REQUEST', `invalid ${what}: ${issues[0]!.message}`, { details: { issues } })
  }
}

function checkText(
  issues: ValidationIssue[],
  record: Record<string, unknown>,
  field: string,
  { required, max }: { required: boolean; max: number },
): void {
  const value = record[field]
  if (value === undefined && !required) return
  if (typeof value !== 'string' || value.length === 0 || value.length > max || hasControlCharacters(value)) {
    issues.push(
      issue(`/${field}`, `string of 1..${max} printable characters`, value, `${field} is not valid`),
    )
  }
}

/** A resolved target: absolute, already normalised (no `.`/`..` segments, no doubled separators). */
export function isResolvedPath(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_TARGET_CHARS &&
    !value.includes('\u0000') &&
    isAbsolute(value) &&
    normalize(value) === value
  )
}

/** Checks a plan from a tool and returns a deep copy (so later changes by the caller cannot leak in). */
export function validatePlan(input: unknown): ActionPlan {
  const issues: ValidationIssue[] = []
  if (!isPlainObject(input)) {
    throwIssues('plan', [issue('', 'object', input, 'a plan must be an object')])
  }
  const plan = input as Record<string, unknown>
  checkText(issues, plan, 'tool', { required: true, max: 200 })
  checkText(issues, plan, 'fingerprint', { required: true, max: 200 })
  if (!(CONSENT_TIERS as readonly unknown[]).includes(plan.tier)) {
    issues.push(issue('/tier', CONSENT_TIERS.join(' | '), plan.tier, 'tier must need consent'))
  }
  const targets = plan.targets
  if (!Array.isArray(targets) || targets.length === 0 || targets.length > MAX_TARGETS) {
    issues.push(issue('/targets', `1..${MAX_TARGETS} paths`, targets, 'targets must list the paths touched'))
  } else {
    targets.forEach((target, index) => {
      if (!isResolvedPath(target)) {
        issues.push(
          issue(`/targets/${index}`, 'absolute normalised path', target, 'target is not a resolved path'),
        )
      }
    })
  }
  const preview = plan.preview
  if (!isPlainObject(preview)) {
    issues.push(issue('/preview', 'object {kind, diff | paths}', preview, 'a plan must carry its preview'))
  } else if (preview.kind === 'diff') {
    if (typeof preview.diff !== 'string' || preview.diff.length > MAX_DIFF_CHARS) {
      issues.push(
        issue('/preview/diff', `string of at most ${MAX_DIFF_CHARS} chars`, preview.diff, 'bad diff'),
      )
    }
  } else if (preview.kind === 'paths') {
    const paths = preview.paths
    if (!Array.isArray(paths) || paths.length > MAX_TARGETS || !paths.every(isResolvedPath)) {
      issues.push(issue('/preview/paths', 'list of resolved paths', paths, 'bad preview paths'))
    }
  } else {
    issues.push(issue('/preview/kind', 'diff | paths', preview.kind, 'unknown preview kind'))
  }
  if (plan.tier === 'destructive_two_step' && isPlainObject(preview) && preview.kind !== 'paths') {
    issues.push(issue('/preview/kind', 'paths', preview.kind, 'a destructive plan must preview its paths'))
  }
  throwIssues('plan', issues)
  let text: string
  try {
    text = JSON.stringify(plan)
  } catch (error) {
    throw new HubError('E_BAD_REQUEST', 'the plan must be plain JSON', { cause: error })
  }
  if (Buffer.byteLength(text) > MAX_PLAN_BYTES) {
    throw new HubError('E_RESOURCE_LIMIT', `the plan is larger than ${MAX_PLAN_BYTES} bytes`)
  }
  return JSON.parse(text) as ActionPlan
}

export function validateContext(input: unknown): RequestContext {
  if (!isPlainObject(input)) throwIssues('context', [issue('', 'object', input, 'a context is required')])
  const context = input as Record<string, unknown>
  const issues: ValidationIssue[] = []
  checkText(issues, context, 'traceId', { required: true, max: 200 })
  checkText(issues, context, 'actorSkill', { required: true, max: MAX_ACTOR_CHARS })
  checkText(issues, context, 'sessionId', { required: false, max: 200 })
  checkText(issues, context, 'toolRequestId', { required: false, max: 200 })
  throwIssues('request context', issues)
  return {
    traceId: context.traceId as string,
    actorSkill: context.actorSkill as string,
    ...(context.sessionId === undefined ? {} : { sessionId: context.sessionId as string }),
    ...(context.toolRequestId === undefined ? {} : { toolRequestId: context.toolRequestId as string }),
  }
}

/** Who decided: `user:<name>` unless already prefixed (`grant:`, `system:`, `skill:`). */
export function normaliseActor(value: unknown, field = 'by'): string {
  if (typeof value !== 'string' || value.trim().length === 0 || hasControlCharacters(value)) {
    throw new HubError('E_BAD_REQUEST', `${field} must name who decides (e.g. user:owner)`, {
      details: { issues: [issue(`/${field}`, 'non-empty printable string', value, `${field} is missing`)] },
    })
  }
  const actor = value.includes(':') ? value.trim() : `user:${value.trim()}`
  if (actor.length > MAX_ACTOR_CHARS) {
    throw new HubError('E_BAD_REQUEST', `${field} is longer than ${MAX_ACTOR_CHARS} characters`)
  }
  return actor
}

/** Reasons are free text from people: kept, but capped (catalog `cap:500`) and stripped of controls. */
export function capReason(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new HubError('E_BAD_REQUEST', 'reason must be a string')
  const flat = blankControls(
    value.length > 4 * MAX_REASON_CHARS ? value.slice(0, 4 * MAX_REASON_CHARS) : value,
  ).trim()
  if (flat.length === 0) return undefined
  return flat.length <= MAX_REASON_CHARS ? flat : `${flat.slice(0, MAX_REASON_CHARS - 1)}…`
}

export function checkId(value: unknown, kind: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || hasControlCharacters(value)) {
    throw new HubError('E_BAD_REQUEST', `${render(value)} is not a valid ${kind} id`)
  }
  return value
}
