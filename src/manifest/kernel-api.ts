import { HubError } from '../contracts/index.ts'
import { DEFAULT_KERNEL_BASE_URL } from './manifest-defaults.ts'
import type { HubManifest } from './manifest-types.ts'

// kernel.api of the manifest against what the kernel really serves (docs/decisions/1404).
// Keep these tables in step with src/kernel/server and src/kernel/routes: the e2e test
// test/e2e/manifest-keys.test.ts calls every listed route on a running hub.

export interface KernelRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Fastify-style path: `:name` matches one segment. */
  readonly path: string
  /** Answers with Server-Sent Events when asked to stream. */
  readonly stream?: boolean
}

export const KERNEL_HTTP_ROUTES: readonly KernelRoute[] = Object.freeze([
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/sessions' },
  { method: 'POST', path: '/chat', stream: true },
  { method: 'POST', path: '/events' },
  { method: 'GET', path: '/events' },
  { method: 'GET', path: '/tools' },
  { method: 'POST', path: '/tools/:name' },
  { method: 'GET', path: '/approvals' },
  { method: 'GET', path: '/approvals/:id' },
  { method: 'POST', path: '/approvals/:id/:decision' },
  { method: 'GET', path: '/grants' },
  { method: 'POST', path: '/grants' },
  { method: 'DELETE', path: '/grants/:id' },
  { method: 'POST', path: '/consent/revoke' },
  { method: 'GET', path: '/ledger' },
  { method: 'GET', path: '/ledger/verify' },
  { method: 'GET', path: '/dlq' },
  { method: 'POST', path: '/dlq/retry' },
  { method: 'POST', path: '/dlq/purge' },
  { method: 'GET', path: '/memory' },
  { method: 'DELETE', path: '/memory/:id' },
  { method: 'POST', path: '/memory/forget' },
  { method: 'GET', path: '/runs' },
  { method: 'POST', path: '/runs/cancel' },
  { method: 'GET', path: '/doctor' },
] satisfies KernelRoute[])

export interface KernelWsRoute {
  readonly path: string
  readonly direction: 'in' | 'out' | 'bi'
}

export const KERNEL_WS_ROUTES: readonly KernelWsRoute[] = Object.freeze([
  { path: '/ws/events', direction: 'out' },
  { path: '/ws/frames', direction: 'bi' },
])

/**
 * WebSocket routes a skill brings: accepted only when an enabled skill of the manifest handles the
 * event type named here (the STT skill consumes voice.chunk, the avatar skill provides
 * avatar.frame), with the issue that delivers the skill in the refusal.
 */
export interface SkillWsRoute extends KernelWsRoute {
  readonly needs: { readonly key: 'consumes' | 'provides'; readonly type: string }
  readonly feature: string
}

export const SKILL_WS_ROUTES: readonly SkillWsRoute[] = Object.freeze([
  {
    path: '/ws/voice',
    direction: 'bi',
    needs: { key: 'consumes', type: 'voice.chunk' },
    feature: 'the voice turn (issue 12)',
  },
  {
    path: '/ws/avatar',
    direction: 'out',
    needs: { key: 'provides', type: 'avatar.frame' },
    feature: 'the avatar (issue 13)',
  },
] satisfies SkillWsRoute[])

function segments(path: string): string[] {
  return path.split('/').filter((part) => part !== '')
}

/** The served route a manifest endpoint names, matching `:name` segments either way. */
export function findKernelRoute(method: string, path: string): KernelRoute | undefined {
  const wanted = segments(path)
  return KERNEL_HTTP_ROUTES.find((route) => {
    if (route.method !== method) return false
    const have = segments(route.path)
    return (
      have.length === wanted.length &&
      have.every(
        (part, index) => part.startsWith(':') || wanted[index]!.startsWith(':') || part === wanted[index],
      )
    )
  })
}

/** Environment variables for the server address, between the command line and the manifest. */
export const HOST_ENV = 'LOCALHUB_HOST'
export const PORT_ENV = 'LOCALHUB_PORT'

export interface ServerAddress {
  host: string
  port: number
  /** Where each part came from, for messages. */
  hostSource: 'flag' | 'env' | 'manifest' | 'default'
  portSource: 'flag' | 'env' | 'manifest' | 'default'
}

/** Host and port of `kernel.api.http.base` (or the default base); throws on a base the server cannot bind. */
export function baseAddress(base: string): { host: string; port: number } {
  let url: URL
  try {
    url = new URL(base)
  } catch {
    throw new HubError('E_VALIDATION', `kernel.api.http.base is not a URL: ${base.slice(0, 200)}`)
  }
  const problem = baseProblem(url)
  if (problem !== undefined)
    throw new HubError('E_VALIDATION', `kernel.api.http.base ${base.slice(0, 200)}: ${problem}`)
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  return { host, port: url.port === '' ? 80 : Number(url.port) }
}

/** Why the server cannot bind what a base URL says, or undefined. */
export function baseProblem(url: URL): string | undefined {
  if (url.protocol !== 'http:')
    return 'the kernel serves plain http on loopback (put a TLS proxy in front for https)'
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
    return 'the kernel serves its routes at the root; a path, query or fragment would not act'
  if (url.username !== '' || url.password !== '') return 'credentials never go into the manifest'
  return undefined
}

function portOf(text: string, source: string): number {
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535)
    throw new HubError('E_VALIDATION', `${source} must be a port number 0..65535, got ${text.slice(0, 40)}`)
  return port
}

/**
 * Where the server binds: command-line flag > environment (LOCALHUB_HOST, LOCALHUB_PORT) >
 * `kernel.api.http.base` > DEFAULT_KERNEL_BASE_URL, host and port each on their own.
 */
export function serverAddressOf(
  manifest: Pick<HubManifest, 'kernel'>,
  options: {
    flags?: { host?: string; port?: number }
    env?: Readonly<Record<string, string | undefined>>
  } = {},
): ServerAddress {
  const env = options.env ?? {}
  const manifestBase = manifest.kernel?.api?.http?.base
  const fromManifest = manifestBase === undefined ? undefined : baseAddress(manifestBase)
  const fallback = baseAddress(DEFAULT_KERNEL_BASE_URL)
  const envHost = env[HOST_ENV] === '' ? undefined : env[HOST_ENV]
  const envPort = env[PORT_ENV] === '' ? undefined : env[PORT_ENV]
  const host =
    options.flags?.host !== undefined
      ? { value: options.flags.host, source: 'flag' as const }
      : envHost !== undefined
        ? { value: envHost, source: 'env' as const }
        : fromManifest !== undefined
          ? { value: fromManifest.host, source: 'manifest' as const }
          : { value: fallback.host, source: 'default' as const }
  const port =
    options.flags?.port !== undefined
      ? { value: options.flags.port, source: 'flag' as const }
      : envPort !== undefined
        ? { value: portOf(envPort, PORT_ENV), source: 'env' as const }
        : fromManifest !== undefined
          ? { value: fromManifest.port, source: 'manifest' as const }
          : { value: fallback.port, source: 'default' as const }
  return { host: host.value, port: port.value, hostSource: host.source, portSource: port.source }
}
