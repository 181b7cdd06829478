import type { FastifyInstance } from 'fastify'
import type { BusClient, Clock, EventHandler, SubscribeOptions } from '../bus/index.ts'
import type { Envelope, EventType, PayloadOf, Severity } from '../contracts/index.ts'
import type { CallStep, HubManifest, Pipeline, Skill } from '../manifest/index.ts'
import type { RunPart, RunState } from './run-state.ts'

/** Seed 000's metric names, observed in milliseconds. */
export type StepMetric = 'ttft_ms' | 'rag_ms' | 'tool_ms' | 'stt_ms' | 'tts_ms' | 'avatar_ms' | 'voice_rtt_ms'

export interface MetricsSink {
  observe(metric: StepMetric | 'turn_ms', milliseconds: number, labels?: Record<string, string>): void
}

export interface EmitOptions {
  severity?: Severity
  source?: string
}

/** Publishes events in a run's causal chain (traceId, sessionId, causationId filled in). */
export interface RunEmitter {
  /** A catalog type with its payload, checked by the compiler against the generated types. */
  emit<T extends EventType>(type: T, payload: PayloadOf<T>, options?: EmitOptions): Promise<Envelope>
  /** A type known only at run time (a manifest's emit step, a remote skill's answer); checked by the bus. */
  emitUntyped(type: string, payload: Record<string, unknown>, options?: EmitOptions): Promise<Envelope>
}

/** What a skill gets when a `call` step reaches it. */
export interface StepContext {
  readonly run: RunState
  readonly step: CallStep
  readonly pipeline: Pipeline
  /** Emits as this skill: only the types of its `provides` are allowed. */
  readonly emitter: RunEmitter
  readonly signal: AbortSignal
  readonly metrics: MetricsSink
  /** Streams answer text to the run's client. */
  readonly onPart: (part: RunPart) => void
}

export type SkillStatus = 'ready' | 'degraded' | 'unavailable' | 'failed'

export interface SkillHealth {
  state: SkillStatus
  reason?: string
}

/** A skill as the pipeline runner sees it, whatever its transport. */
export interface SkillRuntime {
  readonly id: string
  status(): SkillHealth
  invoke(context: StepContext): Promise<void>
  /**
   * The step reads the text of the `stream: true` step before it while that step writes it
   * (`answerStreamOf(run)`), so the runner starts both together (docs/decisions/1509).
   */
  readonly readsAnswerStream?: boolean
}

/** Named predicates for `if` steps, registered by skills. */
export type Condition = (run: RunState) => boolean | Promise<boolean>

export interface SkillLogger {
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/**
 * Values skills share through the hub that opened them (never through module globals): a skill
 * provides one under a name, another looks it up when it runs. Names are documented contracts
 * (docs/adding-a-skill.md lists them).
 */
export interface SkillServices {
  provide<T>(name: string, value: T): void
  get<T>(name: string): T | undefined
}

/** What the host hands a skill module when it opens it. */
export interface SkillContext {
  /** The skill's manifest entry: id, config, provides, consumes, storage, policies. */
  readonly skill: Skill
  /** The whole validated manifest (workspace roots, the llm section). Read-only. */
  readonly manifest: HubManifest
  /** `skill.config` after the module's own defaults, frozen. */
  readonly config: Readonly<Record<string, unknown>>
  /** The bus as this skill's principal: publish only its `provides`, subscribe only its `consumes`. */
  readonly bus: BusClient
  readonly clock: Clock
  readonly logger: SkillLogger
  readonly metrics: MetricsSink
  /** The hub's data directory; the skill keeps its files here. */
  readonly dataDir: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** Settings from the command line for this module; they win over the environment and the manifest. */
  readonly overrides: Readonly<Record<string, unknown>>
  readonly services: SkillServices
  /** Aborted when the hub starts closing. */
  readonly signal: AbortSignal
}

/** A subscription the host makes for the skill, as its principal, and closes with it. */
export interface SkillSubscription {
  readonly pattern: string
  readonly handler: EventHandler
  readonly options?: SubscribeOptions
}

/** HTTP routes, registered behind the kernel's authentication like every route. */
export type SkillRoutes = (app: FastifyInstance) => void | Promise<void>

/** What a module's open() returns. Every part is optional. */
export interface OpenedSkill {
  /**
   * Reports health and, with `invoke`, serves `call` steps. A skill without `invoke` (a watcher, a
   * skill that only subscribes or serves routes) refuses a `call` step with E_BAD_REQUEST.
   */
  readonly runtime?: Omit<SkillRuntime, 'id' | 'invoke'> & { invoke?: SkillRuntime['invoke'] }
  readonly routes?: readonly SkillRoutes[]
  readonly subscriptions?: readonly SkillSubscription[]
  /** Implementations of the conditions the module declared. */
  readonly conditions?: Readonly<Record<string, Condition>>
  /**
   * Runs inside a pipeline run just before it emits one of the types this skill consumes (the
   * memory skill writes the turn before turn.end, so its receipt precedes turn.end in the chain).
   */
  readonly beforeEmit?: (type: string, context: Omit<StepContext, 'step'>) => Promise<void>
  close?(): void | Promise<void>
}

/**
 * What a map in a skill's `config` or `policies` may hold (docs/adding-a-skill.md): each key it
 * takes maps to `true` when its value is not looked into (a number, a string, a list of strings, a
 * free-form map), to the shape of the map it holds, or to `[shape]` for a list whose items are maps
 * (an item that is not a map, such as a short form written as a string, is left to the module).
 * Any other key is a manifest error, reported with its path and the keys that are known.
 */
export interface SettingShape {
  readonly [key: string]: true | SettingShape | readonly [SettingShape]
}

/** A skill implementation: what `transport: { type: inproc, module }` names. */
export interface SkillModule {
  /** The module's name, as the manifest's `transport.module` says it. */
  readonly name: string
  /** Condition names this module registers for `if` steps (checked when the manifest loads). */
  readonly conditions?: readonly string[]
  /** Types the module publishes; the manifest's `provides` must list each (checked at load). */
  readonly emits?: readonly string[]
  /** Keys `skill.config` may have; any other key is a manifest error. Omitted: any key. */
  readonly configKeys?: readonly string[]
  /**
   * What the config keys that hold maps, or lists of maps, hold in turn (`configKeys` still lists
   * the top-level keys): `{ rateLimits: { maxToastsPerHour: true }, rules: [{ id: true, … }] }`.
   * An unknown key inside them is a manifest error. Omitted, or a key not named: not looked into.
   */
  readonly configShape?: SettingShape
  /**
   * The keys `skill.policies` may have, and what those holding maps or lists of maps hold (as
   * `configShape`); any other key is a manifest error. Omitted: any policies (not looked into).
   */
  readonly policyShape?: SettingShape
  open(context: SkillContext): OpenedSkill | Promise<OpenedSkill>
}
