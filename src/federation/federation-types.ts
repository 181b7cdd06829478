import type { Clock } from '../bus/index.ts'
import type { DraftOf, Envelope, EventType, ValidationIssue } from '../contracts/index.ts'
import type { ExecTokenSigner } from './exec-token.ts'
import type { FederationOptions } from './federation-options.ts'
import type { Binding } from './resolver.ts'
import type { ScenarioBook } from './scenario-book.ts'

// The federation service's ports and answers (src/federation/federation-service.ts).

/** What the service needs of the bus (src/bus's Bus has it). */
export interface FederationBus {
  publish<T extends EventType>(draft: DraftOf<T>): Promise<unknown>
  /** filter: a type pattern; since: RFC 3339, on the envelope's ts (inclusive). */
  replay(options?: { filter?: string; since?: string }): AsyncIterable<Envelope>
  readonly contracts: { validatePayload(type: string, version: number, payload: unknown): ValidationIssue[] }
}

export interface FederationServiceDependencies {
  bus: FederationBus
  clock: Clock
  signer: ExecTokenSigner
  options?: FederationOptions
  /** ---- scenario DSL: scenarios by name for resolve requests that name one (federation.scenarios) ---- */
  scenarios?: ScenarioBook
  /** Told when publishing registry.lease.expired failed (the sweep is tried again after sweepRetryMs). */
  onError?: (error: unknown) => void
}

export interface CallContext {
  traceId?: string
  sessionId?: string
}

export interface LeasedBinding extends Binding {
  leaseId: string
  /** Absent when the hub dispatches the step: then only its agent receives the token. */
  execToken?: string
  expiresAt: string
  /** The hub dispatches this step to its agent (exec.step.dispatched). */
  dispatched?: true
}

export interface ResolveAnswer {
  planId: string
  bindings: LeasedBinding[]
  routeChanges: Array<{ stepId: string; fromAgent: string; toAgent: string; reason: string }>
  /** Every step is dispatched by the hub (all its agents announced a dispatchPublicKey). */
  dispatched?: true
}

export interface ExecRequest {
  token: string
  stepId: string
  slots?: Record<string, unknown>
}
