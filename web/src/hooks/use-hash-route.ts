import { useEffect, useState } from 'react'

export const VIEWS = [
  'chat',
  'events',
  'timeline',
  'approvals',
  'ledger',
  'nudges',
  'timers',
  'health',
  'registry',
] as const
export type View = (typeof VIEWS)[number]

export interface Route {
  view: View
  /** The rest of the hash path, e.g. a traceId for #/timeline/<traceId>. */
  argument?: string
}

export function parseHash(hash: string): Route {
  const [name, ...rest] = hash.replace(/^#\/?/, '').split('/')
  const view = (VIEWS as readonly string[]).includes(name ?? '') ? (name as View) : 'chat'
  const argument = rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined
  return argument ? { view, argument } : { view }
}

export function routeHref(view: View, argument?: string): string {
  return argument ? `#/${view}/${encodeURIComponent(argument)}` : `#/${view}`
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash))
  useEffect(() => {
    const update = () => setRoute(parseHash(window.location.hash))
    window.addEventListener('hashchange', update)
    return () => window.removeEventListener('hashchange', update)
  }, [])
  return route
}
