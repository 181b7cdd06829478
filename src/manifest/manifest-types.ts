// Hand-written mirror of catalog/hub-manifest.schema.json. Keep the two in step: the schema is the
// contract, these types are what the kernel reads after loadManifest has validated a file.

export const LATENCY_CLASSES = [
  'realtime_audio',
  'realtime_video',
  'realtime_text',
  'hybrid',
  'background',
] as const
export type LatencyClass = (typeof LATENCY_CLASSES)[number]

export const TRANSPORT_TYPES = ['inproc', 'http', 'ws', 'stdio', 'nats'] as const
export type TransportType = (typeof TRANSPORT_TYPES)[number]

export const LLM_PROVIDERS = ['ollama', 'openai', 'llamacpp'] as const
export type LlmProvider = (typeof LLM_PROVIDERS)[number]

export const STEP_KINDS = ['emit', 'call', 'recv', 'if'] as const
export type StepKind = (typeof STEP_KINDS)[number]

export type CapabilityTier =
  | 'read_only'
  | 'write_local_confirm'
  | 'destructive_two_step'
  | 'network_off_by_default'

/** Keys starting with `x-` are free-form extensions. */
export type Extensions = { readonly [key: `x-${string}`]: unknown }

export interface SystemSection extends Extensions {
  readonly id: string
  readonly name: string
  readonly mode: 'local-first' | 'hybrid' | 'remote'
  readonly principles?: readonly string[]
}

export interface ContractsSection extends Extensions {
  readonly eventEnvelope: {
    readonly fields: readonly string[]
    readonly example?: Readonly<Record<string, unknown>>
  }
  readonly resultEnvelope: {
    readonly ok: Readonly<Record<string, unknown>>
    readonly fail: Readonly<Record<string, unknown>>
    readonly errorCodes: readonly string[]
  }
  readonly streaming: { readonly messageTypes: readonly ('stream.start' | 'stream.chunk' | 'stream.end')[] }
  readonly security: {
    readonly capabilityTiers: readonly CapabilityTier[]
    readonly audit: { readonly ledgerEnabled: boolean; readonly fields: readonly string[] }
  }
  readonly observability: {
    readonly tracing: boolean
    readonly metrics: readonly string[]
    readonly logs: { readonly correlatedBy: 'traceId' }
  }
}

export interface HttpEndpoint {
  readonly path: string
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  readonly stream?: boolean
}

export interface WsEndpoint {
  readonly path: string
  readonly direction: 'in' | 'out' | 'bi'
  readonly stream?: boolean
}

export interface Transition {
  /** Catalog type or subject pattern (`error.*`). */
  readonly on: string
  /** A state, a list of states, or `*` for any. */
  readonly from: string | readonly string[]
  readonly to: string
}

export interface StateMachine {
  readonly initial?: string
  readonly states: readonly string[]
  readonly transitions: readonly Transition[]
}

export interface KernelSection extends Extensions {
  readonly id: string
  readonly api?: {
    readonly http?: { readonly base: string; readonly endpoints?: readonly HttpEndpoint[] }
    readonly ws?: readonly WsEndpoint[]
    readonly wyoming?: WyomingServerSection
  }
  readonly stateMachine?: StateMachine
}

/** kernel.api.wyoming: the Wyoming server for satellites (docs/voice.md), off when absent. */
export interface WyomingServerSection {
  readonly host?: string
  /** The server listens only when a port is given; `satellites` alone dials out without a listener. */
  readonly port?: number
  readonly allowRemote?: boolean
  readonly endOfSpeechMs?: number
  /** Satellites that wait to be called (wyoming-satellite's server mode): the hub dials each one. */
  readonly satellites?: readonly WyomingSatelliteEntry[]
}

/** One entry of kernel.api.wyoming.satellites. */
export interface WyomingSatelliteEntry {
  readonly name: string
  readonly host: string
  readonly port: number
}

export interface LlmSection extends Extensions {
  readonly provider: LlmProvider
  readonly baseUrl?: string
  readonly model?: string
  readonly embedModel?: string
  readonly ggufPath?: string
  readonly threads?: number
  readonly contextSize?: number
  readonly gpuLayers?: number
  /** Name of the environment variable holding the API key (never the key itself). */
  readonly apiKeyEnv?: string
  readonly temperature?: number
  readonly timeoutMs?: number
  readonly firstTokenTimeoutMs?: number
}

export interface WorkspaceRoot {
  readonly name?: string
  readonly path: string
  readonly access: 'read' | 'read_write'
}

export interface WorkspaceSection extends Extensions {
  readonly roots: readonly WorkspaceRoot[]
}

export interface RetentionRule {
  readonly maxAgeDays?: number
  readonly maxCount?: number
  /** Events only: the log's used size cap (decision 1612). */
  readonly maxBytes?: number
  readonly userControlled?: boolean
}

export interface RetentionSection extends Extensions {
  readonly events?: RetentionRule
  readonly memory?: RetentionRule
  readonly rag?: RetentionRule
  readonly deadLetters?: RetentionRule
  readonly ledger?: RetentionRule
}

/** Which bus the hub runs on (decision 1600); secrets are named by file or variable, never written here. */
export interface BusSection extends Extensions {
  readonly transport?: 'sqlite' | 'nats' | 'memory'
  readonly servers?: readonly string[]
  readonly hubId?: string
  readonly credentials?: {
    readonly user?: string
    readonly passwordEnv?: string
    readonly passwordFile?: string
    readonly tokenEnv?: string
    readonly tokenFile?: string
    /** A user nkey seed file, relative to the data directory (decision 2021). */
    readonly nkeySeedFile?: string
  }
  /** TLS to the NATS server (decision 1604); files relative to the data directory. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string }
}

export interface Transport {
  readonly type: TransportType
  readonly module?: string
  readonly base?: string
  readonly endpoint?: string
  readonly framework?: string
  readonly command?: string
  readonly args?: readonly string[]
  readonly cwd?: string
  readonly env?: Readonly<Record<string, string>>
  readonly subject?: string
  readonly timeoutMs?: number
}

export interface SkillAction {
  readonly name: string
  readonly params: readonly string[]
  readonly requiresConfirm?: boolean
}

export interface Skill extends Extensions {
  readonly id: string
  readonly version: string
  readonly role: string
  readonly description?: string
  readonly enabled?: boolean
  /** Absent: inproc, the built-in skill chosen by id. */
  readonly transport?: Transport
  readonly provides: readonly string[]
  readonly consumes: readonly string[]
  readonly latencyClass: LatencyClass
  readonly resources?: {
    readonly cpu?: 'low' | 'medium' | 'high' | 'optional'
    readonly gpu?: 'required' | 'preferred' | 'optional' | 'none'
    readonly vram?: string
  }
  readonly config?: Readonly<Record<string, unknown>>
  readonly storage?: {
    readonly type: 'sqlite' | 'vectordb' | 'filesystem' | 'none'
    readonly engine?: string
    readonly path?: string
  }
  readonly policies?: Readonly<Record<string, unknown>>
  readonly capabilityTier?: CapabilityTier
  readonly actions?: readonly SkillAction[]
  readonly auditLedger?: boolean
}

/** `emit:<type>` / `call:<skill id>` shorthand, or a list of steps. */
export type Branch = string | readonly PipelineStep[]

export interface EmitStep {
  readonly emit: string
}

export interface CallStep {
  readonly call: string
  readonly stream?: boolean
  readonly optional?: boolean
  readonly mode?: string
  readonly timeoutMs?: number
}

export interface RecvStep {
  readonly recv: string
  readonly via?: string
}

export interface IfStep {
  readonly if: string
  readonly then: Branch
  readonly else?: Branch
}

export type PipelineStep = EmitStep | CallStep | RecvStep | IfStep

export interface Pipeline extends Extensions {
  readonly id: string
  readonly description?: string
  readonly steps: readonly PipelineStep[]
}

export interface HubManifest extends Extensions {
  readonly manifestVersion: string
  readonly system: SystemSection
  readonly contracts?: ContractsSection
  readonly kernel?: KernelSection
  readonly llm?: LlmSection
  readonly workspace?: WorkspaceSection
  readonly retention?: RetentionSection
  readonly bus?: BusSection
  readonly skills: readonly Skill[]
  readonly pipelines: readonly Pipeline[]
  readonly acceptance?: Extensions & { readonly mvp?: readonly string[] }
  /** Seed 001's federation: the scenario files the hub loads by name (docs/scenarios.md). */
  readonly federation?: Extensions & { readonly scenarios?: readonly string[] }
}

/** Which of emit/call/recv/if a validated step is. */
export function stepKind(step: PipelineStep): StepKind {
  if ('emit' in step) return 'emit'
  if ('call' in step) return 'call'
  if ('recv' in step) return 'recv'
  return 'if'
}
