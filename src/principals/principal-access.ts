import { compileTypePattern, createPermissionChecker, type TypeMatcher } from '../bus/index.ts'
import { HubError } from '../contracts/index.ts'

/** The patterns a principal was granted (an owner has none: it may do everything). */
export interface Grants {
  publish: readonly string[]
  subscribe: readonly string[]
}

/**
 * How a read (a replay filter or a tail's filter) is served: `all` when one granted pattern covers
 * the filter, `visible` when the filter reaches further and only the granted types are delivered.
 */
export type ReadScope = 'all' | 'visible'

export interface PrincipalAccess {
  /** Throws E_PERMISSION_REQUIRED naming the type and the allowed patterns. */
  checkPublish(type: string): void
  mayPublish(type: string): boolean
  /** Throws E_PERMISSION_REQUIRED when no granted pattern can match any type of `filter`. */
  readScope(filter: string): ReadScope
  mayRead(type: string): boolean
}

/** Whether some subject matches both patterns (NATS wildcard rules). */
export function patternsOverlap(left: string, right: string): boolean {
  const a = left.split('.')
  const b = right.split('.')
  for (let index = 0; ; index++) {
    const x = a[index]
    const y = b[index]
    if (x === '>' || y === '>') return x !== undefined && y !== undefined
    if (x === undefined || y === undefined) return x === y
    if (x !== '*' && y !== '*' && x !== y) return false
  }
}

/**
 * The bus's own checker (src/bus/permissions.ts) over one principal's grants, plus what the HTTP
 * side needs beyond it: whether a wide filter still reaches a granted type, and a per-type test
 * to drop what the principal may not see.
 */
export function principalAccess(principalId: string, grants: Grants): PrincipalAccess {
  const checker = createPermissionChecker({ [principalId]: grants })
  const publishMatchers: TypeMatcher[] = grants.publish.map((pattern) => compileTypePattern(pattern))
  const readMatchers: TypeMatcher[] = grants.subscribe.map((pattern) => compileTypePattern(pattern))
  return Object.freeze({
    checkPublish: (type: string) => checker.checkPublish(principalId, type),
    mayPublish: (type: string) => publishMatchers.some((matches) => matches(type)),
    readScope(filter: string): ReadScope {
      compileTypePattern(filter)
      try {
        checker.checkSubscribe(principalId, filter)
        return 'all'
      } catch (error) {
        if (grants.subscribe.some((granted) => patternsOverlap(granted, filter))) return 'visible'
        throw new HubError('E_PERMISSION_REQUIRED', `${principalId} may not read ${filter}`, {
          details: {
            principal: principalId,
            action: 'subscribe',
            pattern: filter,
            allowed: [...grants.subscribe],
          },
          cause: error,
        })
      }
    },
    mayRead: (type: string) => readMatchers.some((matches) => matches(type)),
  })
}
