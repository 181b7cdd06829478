// Shared by the approvals tests: a recording ledger, an event sink that validates every payload
// against the catalog, a fake file system whose versions act as fingerprints, and a service factory.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { ManualClock } from '../../test/kit/manual-clock.ts'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { loadCatalog } from '../catalog/index.ts'
import { type AnyDraft, createContracts, type EnvelopeDraft, HubError } from '../contracts/index.ts'
import type { ApprovalServiceOptions } from './approval-options.ts'
import { type ApprovalService, createApprovalService } from './approval-service.ts'
import { type ApprovalStore, openApprovalStore } from './approval-store.ts'
import type { ActionPlan, ApprovalLedgerDraft, LedgerPort } from './approval-types.ts'

const contracts = createContracts(loadCatalog().document)

export const ROOT = '/workspace'
export const START_MS = Date.parse('2030-01-01T00:00:00Z')

export class RecordingLedger implements LedgerPort {
  readonly entries: (ApprovalLedgerDraft & { hash: string })[] = []
  failing = false

  append(draft: ApprovalLedgerDraft): { hash: string } {
    if (this.failing) throw new Error('disk full')
    const previous = this.entries.at(-1)?.hash ?? '0'.repeat(64)
    const hash = createHash('sha256').update(previous).update(JSON.stringify(draft)).digest('hex')
    this.entries.push({ ...draft, hash })
    return { hash }
  }

  about(approvalId: string): (ApprovalLedgerDraft & { hash: string })[] {
    return this.entries.filter((entry) => entry.approvalId === approvalId)
  }
}

/** Collects published events and fails the test on any payload the catalog rejects. */
export class EventSink {
  readonly events: EnvelopeDraft[] = []

  readonly publish = (draft: AnyDraft): void => {
    const issues = contracts.validatePayload(draft.type, draft.version ?? 1, draft.payload)
    assert.deepEqual(issues, [], `${draft.type} payload must validate: ${JSON.stringify(issues)}`)
    this.events.push(draft as EnvelopeDraft)
  }

  ofType(type: string): Record<string, unknown>[] {
    return this.events.filter((event) => event.type === type).map((event) => event.payload)
  }
}

/** Files with a version counter: the fingerprint of a plan is the version it saw. */
export class FakeFiles {
  readonly versions = new Map<string, number>()
  readonly executed: ActionPlan[] = []

  version(path: string): number {
    return this.versions.get(path) ?? 0
  }

  touch(path: string): void {
    this.versions.set(path, this.version(path) + 1)
  }

  fingerprint(targets: readonly string[]): string {
    return targets.map((target) => `${target}@${this.version(target)}`).join('|')
  }

  readonly fingerprintOf = (plan: ActionPlan): string => this.fingerprint(plan.targets)

  /** Re-checks the fingerprint (yielding in between, as real I/O does), then "writes". */
  readonly execute = async (plan: ActionPlan): Promise<{ beforeHash: string; afterHash: string }> => {
    const seen = this.fingerprint(plan.targets)
    await new Promise((resolve) => setImmediate(resolve))
    if (seen !== plan.fingerprint) {
      throw new HubError('E_PERMISSION_REQUIRED', `stale plan: ${plan.targets.join(', ')} changed`)
    }
    await new Promise((resolve) => setImmediate(resolve))
    const before = this.fingerprint(plan.targets)
    for (const target of plan.targets) this.touch(target)
    this.executed.push(plan)
    return { beforeHash: sha(before), afterHash: sha(this.fingerprint(plan.targets)) }
  }

  writePlan(path: string, diff = `--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n`): ActionPlan {
    return {
      tool: 'fs.write_file',
      tier: 'write_local_confirm',
      targets: [path],
      preview: { kind: 'diff', diff },
      fingerprint: this.fingerprint([path]),
      content: 'new\n',
    }
  }

  deletePlan(...paths: string[]): ActionPlan {
    return {
      tool: 'fs.delete',
      tier: 'destructive_two_step',
      targets: paths,
      preview: { kind: 'paths', paths },
      fingerprint: this.fingerprint(paths),
    }
  }
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

export interface Fixture {
  dir: string
  storePath: string
  clock: ManualClock
  ledger: RecordingLedger
  sink: EventSink
  files: FakeFiles
  store: ApprovalStore
  service: ApprovalService
  /** Closes the service and store and opens both again on the same file (a restart). */
  reopen(overrides?: Partial<ApprovalServiceOptions>): ApprovalService
  close(): void
}

export function makeFixture(overrides: Partial<ApprovalServiceOptions> = {}): Fixture {
  const temp = makeTempDir('localhub-approvals-')
  const storePath = join(temp.path, 'approvals.sqlite')
  const clock = new ManualClock(START_MS)
  const ledger = new RecordingLedger()
  const sink = new EventSink()
  const files = new FakeFiles()
  const open = (extra: Partial<ApprovalServiceOptions>) => {
    const store = openApprovalStore({ path: storePath })
    const service = createApprovalService({
      store,
      ledger,
      publish: sink.publish,
      clock,
      execute: files.execute,
      fingerprintOf: files.fingerprintOf,
      rootDir: ROOT,
      onPublishError: (error) => {
        throw error
      },
      ...overrides,
      ...extra,
    })
    return { store, service }
  }
  const fixture: Fixture = {
    dir: temp.path,
    storePath,
    clock,
    ledger,
    sink,
    files,
    ...open({}),
    reopen(extra = {}) {
      fixture.service.close()
      fixture.store.close()
      const next = open(extra)
      fixture.store = next.store
      fixture.service = next.service
      return next.service
    },
    close() {
      fixture.service.close()
      fixture.store.close()
      temp.remove()
    },
  }
  return fixture
}

export const CONTEXT = Object.freeze({
  traceId: 'trace-1',
  sessionId: 'session-1',
  actorSkill: 'skill.tools-fs',
})
