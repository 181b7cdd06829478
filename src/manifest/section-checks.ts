import { busDrafts } from './bus-checks.ts'
import { asObject, draftAt, type Lookup, list, rawSkills } from './check-kit.ts'
import {
  baseProblem,
  findKernelRoute,
  KERNEL_HTTP_ROUTES,
  KERNEL_WS_ROUTES,
  SKILL_WS_ROUTES,
} from './kernel-api.ts'
import type { IssueDraft } from './manifest-issue.ts'
import { suggest } from './manifest-labels.ts'
import { wyomingDrafts } from './wyoming-checks.ts'

// Sections whose values the kernel reads: kernel.api, llm, retention, contracts
// (docs/decisions/1400..1406). A value the hub cannot honour is refused here, with its line.

function apiDrafts(root: unknown): IssueDraft[] {
  const api = asObject(asObject(asObject(root)?.kernel)?.api)
  if (api === undefined) return []
  const drafts: IssueDraft[] = []
  const http = asObject(api.http)
  if (typeof http?.base === 'string') {
    let problem: string | undefined
    try {
      problem = baseProblem(new URL(http.base))
    } catch {
      problem = 'not a URL'
    }
    if (problem !== undefined)
      drafts.push(
        draftAt(root, '/kernel/api/http/base', problem, 'write http://127.0.0.1:<port>', 'http://host:port'),
      )
  }
  list(http?.endpoints).forEach((raw, index) => {
    const endpoint = asObject(raw)
    if (typeof endpoint?.path !== 'string' || typeof endpoint.method !== 'string') return
    const path = `/kernel/api/http/endpoints/${index}`
    const route = findKernelRoute(endpoint.method, endpoint.path)
    if (route === undefined) {
      const guess = suggest(
        `${endpoint.method} ${endpoint.path}`,
        KERNEL_HTTP_ROUTES.map((r) => `${r.method} ${r.path}`),
      )
      drafts.push(
        draftAt(
          root,
          `${path}/path`,
          `the kernel serves no ${endpoint.method} ${endpoint.path}`,
          guess === undefined
            ? 'remove the entry; the served routes are listed in docs/decisions/1404'
            : `did you mean ${guess}?`,
          'a route the kernel serves',
        ),
      )
    } else if (endpoint.stream === true && route.stream !== true) {
      drafts.push(
        draftAt(
          root,
          `${path}/stream`,
          `${endpoint.method} ${endpoint.path} does not stream`,
          'remove stream: true',
          'no stream',
        ),
      )
    }
  })
  list(api.ws).forEach((raw, index) => {
    drafts.push(...wsDrafts(root, asObject(raw), `/kernel/api/ws/${index}`))
  })
  return drafts
}

function enabledSkillHandles(root: unknown, key: 'consumes' | 'provides', type: string): boolean {
  return rawSkills(root).some(({ skill }) => skill.enabled !== false && list(skill[key]).includes(type))
}

function wsDrafts(root: unknown, entry: Lookup | undefined, path: string): IssueDraft[] {
  if (typeof entry?.path !== 'string') return []
  const served = KERNEL_WS_ROUTES.find((route) => route.path === entry.path)
  const planned = SKILL_WS_ROUTES.find((route) => route.path === entry.path)
  const known = served ?? planned
  if (known === undefined) {
    const guess = suggest(
      entry.path,
      [...KERNEL_WS_ROUTES, ...SKILL_WS_ROUTES].map((route) => route.path),
    )
    return [
      draftAt(
        root,
        `${path}/path`,
        `the kernel serves no WebSocket ${entry.path}`,
        guess === undefined
          ? `remove the entry; the kernel serves ${KERNEL_WS_ROUTES.map((r) => r.path).join(', ')}`
          : `did you mean ${guess}?`,
        'a WebSocket route the kernel serves',
      ),
    ]
  }
  if (typeof entry.direction === 'string' && entry.direction !== known.direction) {
    return [
      draftAt(
        root,
        `${path}/direction`,
        `${entry.path} is ${known.direction}`,
        `write direction: ${known.direction}`,
        known.direction,
      ),
    ]
  }
  if (planned !== undefined && !enabledSkillHandles(root, planned.needs.key, planned.needs.type)) {
    return [
      draftAt(
        root,
        `${path}/path`,
        `${entry.path} is served by a skill that ${planned.needs.key} ${planned.needs.type} (${planned.feature}), and no enabled skill of this manifest does`,
        `remove the entry, or enable a skill that ${planned.needs.key} ${planned.needs.type}`,
        'a route some enabled skill serves',
      ),
    ]
  }
  return []
}

function llmDrafts(root: unknown): IssueDraft[] {
  const llm = asObject(asObject(root)?.llm)
  if (llm === undefined) return []
  const provider = typeof llm.provider === 'string' ? llm.provider : 'ollama'
  const drafts: IssueDraft[] = []
  if (llm.apiKeyEnv !== undefined && provider !== 'openai') {
    drafts.push(
      draftAt(
        root,
        '/llm/apiKeyEnv',
        `only the openai provider sends an API key; ${provider} would never read it`,
        'remove apiKeyEnv, or set provider: openai',
        'no apiKeyEnv',
      ),
    )
  }
  for (const key of ['ggufPath', 'threads'] as const) {
    if (llm[key] !== undefined && provider !== 'llamacpp') {
      drafts.push(
        draftAt(
          root,
          `/llm/${key}`,
          `only the llamacpp provider reads ${key}`,
          `remove ${key}, or set provider: llamacpp`,
          `no ${key}`,
        ),
      )
    }
  }
  if (typeof llm.gpuLayers === 'number' && llm.gpuLayers !== 0) {
    drafts.push(
      draftAt(
        root,
        '/llm/gpuLayers',
        'the built-in llama.cpp runs on the CPU (docs/decisions/0403); layers on a GPU would not act',
        'remove gpuLayers (or write 0), or serve the model with a GPU build of llama-server and provider: openai',
        '0 or absent',
      ),
    )
  }
  return drafts
}

const RULE_KEYS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  events: ['maxAgeDays', 'maxCount', 'maxBytes', 'userControlled'],
  deadLetters: ['maxAgeDays', 'maxCount', 'userControlled'],
  memory: ['maxAgeDays', 'userControlled'],
  rag: ['userControlled'],
  ledger: ['userControlled'],
})

const WHY_NOT: Readonly<Record<string, string>> = Object.freeze({
  memory: 'memory expires by age only (maxAgeDays); `localhub memory forget` removes the rest',
  rag: 'the RAG index mirrors your workspace files: remove or re-index files to drop them',
  ledger: 'the audit ledger is kept until you delete it; a hash chain cannot lose its old entries',
  deadLetters: 'dead letters are capped by age and count; a size cap is for the event log',
})

function retentionDrafts(root: unknown): IssueDraft[] {
  const section = asObject(asObject(root)?.retention)
  if (section === undefined) return []
  const drafts: IssueDraft[] = []
  for (const [store, allowed] of Object.entries(RULE_KEYS)) {
    const rule = asObject(section[store])
    if (rule === undefined) continue
    const path = `/retention/${store}`
    for (const key of ['maxAgeDays', 'maxCount', 'maxBytes'] as const) {
      if (rule[key] !== undefined && !allowed.includes(key)) {
        drafts.push(
          draftAt(
            root,
            `${path}/${key}`,
            `${key} is not applied to ${store}: ${WHY_NOT[store]}`,
            `remove ${key}${store === 'ledger' ? ' (write userControlled: true)' : ''}`,
            `one of ${allowed.join(', ')}`,
          ),
        )
      }
    }
    const limited =
      rule.maxAgeDays !== undefined || rule.maxCount !== undefined || rule.maxBytes !== undefined
    if (rule.userControlled === true && limited) {
      drafts.push(
        draftAt(
          root,
          `${path}/userControlled`,
          'userControlled: true means nothing is deleted automatically, yet the rule sets a limit',
          'remove userControlled, or remove the limits',
          'one or the other',
        ),
      )
    }
    if (rule.userControlled === false && !limited) {
      drafts.push(
        draftAt(
          root,
          `${path}/userControlled`,
          `userControlled: false says ${store} are deleted automatically, but no limit says when`,
          allowed.includes('maxAgeDays')
            ? 'add maxAgeDays (or maxCount), or write userControlled: true'
            : 'write userControlled: true',
          'a limit',
        ),
      )
    }
  }
  return drafts
}

function contractDrafts(root: unknown): IssueDraft[] {
  const audit = asObject(asObject(asObject(asObject(root)?.contracts)?.security)?.audit)
  if (audit?.ledgerEnabled !== false) return []
  return [
    draftAt(
      root,
      '/contracts/security/audit/ledgerEnabled',
      'the audit ledger cannot be turned off: every write and delete is ledgered',
      'write ledgerEnabled: true',
      'true',
    ),
  ]
}

export function sectionDrafts(root: unknown): IssueDraft[] {
  return [
    ...apiDrafts(root),
    ...llmDrafts(root),
    ...retentionDrafts(root),
    ...contractDrafts(root),
    ...busDrafts(root),
    ...wyomingDrafts(root),
  ]
}
