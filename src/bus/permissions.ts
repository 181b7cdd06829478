import { HubError } from '../contracts/index.ts'
import { compileTypePattern, type TypeMatcher, validatePattern } from './subjects.ts'

/** What one principal (a role, a skill) may do: type patterns with NATS wildcards. */
export interface PrincipalPermissions {
  publish?: readonly string[]
  subscribe?: readonly string[]
}

export type PermissionTable = Readonly<Record<string, PrincipalPermissions>>

export interface PermissionChecker {
  checkPublish(principal: string, type: string): void
  /** A subscription (or replay filter) is allowed when one granted pattern covers every type it can match. */
  checkSubscribe(principal: string, pattern: string): void
}

/** Whether every subject matching `inner` also matches `outer` (NATS wildcard rules). */
export function patternCovers(outer: string, inner: string): boolean {
  const o = outer.split('.')
  const i = inner.split('.')
  for (let index = 0; index < o.length; index++) {
    const token = o[index]!
    if (token === '>') return i.length > index
    const other = i[index]
    if (other === undefined || other === '>') return false
    if (token !== '*' && token !== other) return false
  }
  return o.length === i.length
}

export function createPermissionChecker(table: PermissionTable): PermissionChecker {
  const compiled = new Map<string, { publish: TypeMatcher[]; subscribe: string[] }>()
  for (const [principal, grants] of Object.entries(table)) {
    compiled.set(principal, {
      publish: (grants.publish ?? []).map((pattern) => compileTypePattern(pattern)),
      subscribe: (grants.subscribe ?? []).map((pattern) => validatePattern(pattern)),
    })
  }

  function grantsOf(principal: string) {
    const grants = Object.hasOwn(table, principal) ? compiled.get(principal) : undefined
    if (grants === undefined) {
      throw new HubError(
        'E_PERMISSION_REQUIRED',
        `principal ${JSON.stringify(principal)} has no bus permissions`,
        {
          details: { principal },
        },
      )
    }
    return grants
  }

  return Object.freeze({
    checkPublish(principal: string, type: string): void {
      // A loop, not some(): no closure made per check.
      for (const matches of grantsOf(principal).publish) if (matches(type)) return
      throw new HubError('E_PERMISSION_REQUIRED', `${principal} may not publish ${type}`, {
        details: { principal, action: 'publish', type, allowed: table[principal]?.publish ?? [] },
      })
    },
    checkSubscribe(principal: string, pattern: string): void {
      if (grantsOf(principal).subscribe.some((granted) => patternCovers(granted, pattern))) return
      throw new HubError('E_PERMISSION_REQUIRED', `${principal} may not subscribe to ${pattern}`, {
        details: { principal, action: 'subscribe', pattern, allowed: table[principal]?.subscribe ?? [] },
      })
    },
  })
}
