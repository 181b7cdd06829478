import type { EnvelopeDraft, ResultError } from '../../contracts/index.ts'

/** A batch publish's answer for one event (the bus's `PublishOutcome`, as much as a run reads). */
export type PublishOutcome = { ok: true } | { ok: false; error: ResultError }

/** The part of the bus a pipeline needs. The real bus satisfies it; tests may pass a recorder. */
export interface EventPublisher {
  // Run events are typed by name at run time (a manifest's emit steps), so the untyped door.
  publishUntyped(draft: EnvelopeDraft): Promise<{ id: string; seq?: number }>
  /** A held turn's events in one batch, one outcome per event in order (decision 1785). */
  publishManyUntyped?(drafts: readonly EnvelopeDraft[]): Promise<readonly PublishOutcome[]>
}
