// Shared by `localhub approvals` and `localhub grants`: talk to the running hub over HTTP when one
// runs (it executes approved actions and publishes the events), else open <data>/approvals.sqlite
// directly (decisions are ledgered; approved actions wait for the hub's next start).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  APPROVALS_FILE_NAME,
  type ApprovalService,
  type ApprovalView,
  type ApproveOutcome,
  createApprovalService,
  type GrantView,
  openApprovalStore,
  type PublishPort,
} from '../../approvals/index.ts'
import { HubError } from '../../contracts/index.ts'
import { findRunningServer } from '../../kernel/index.ts'
import { openLedger } from '../../ledger/index.ts'
import { type CommandIo, writeLine } from '../io.ts'
import { dataDirFor } from './data-dir.ts'
import { openLocalBus } from './events-bus-access.ts'
import { type OwnerHub, ownerHubAt, readOwnerToken } from './owner-hub.ts'

export interface ApprovalsAccess {
  /** Where decisions go: the hub's URL or the file. */
  readonly where: string
  readonly mode: 'server' | 'direct'
  list(status: string): Promise<ApprovalView[]>
  get(id: string): Promise<ApprovalView>
  approve(id: string, input: { reason?: string; confirmationToken?: string }): Promise<ApproveOutcome>
  deny(id: string, input: { reason?: string }): Promise<ApprovalView>
  listGrants(all: boolean): Promise<GrantView[]>
  revokeGrant(id: string, reason?: string): Promise<{ grant: GrantView; recordHash: string }>
  close(): Promise<void>
}

export function dataDirFrom(value: string | undefined, io: CommandIo): string {
  return dataDirFor(value, io)
}

function serverAccess({ url, call }: OwnerHub): ApprovalsAccess {
  const id = (value: string) => encodeURIComponent(value)
  return {
    where: url,
    mode: 'server',
    list: async (status) =>
      (await call<{ approvals: ApprovalView[] }>('GET', `/approvals?status=${encodeURIComponent(status)}`))
        .approvals,
    get: async (approvalId) =>
      (await call<{ approval: ApprovalView }>('GET', `/approvals/${id(approvalId)}`)).approval,
    approve: (approvalId, input) => call('POST', `/approvals/${id(approvalId)}/approve`, input),
    deny: async (approvalId, input) =>
      (await call<{ approval: ApprovalView }>('POST', `/approvals/${id(approvalId)}/deny`, input)).approval,
    listGrants: async (all) =>
      (await call<{ grants: GrantView[] }>('GET', `/grants${all ? '?all=true' : ''}`)).grants,
    revokeGrant: (grantId, reason) =>
      call('DELETE', `/grants/${id(grantId)}`, reason === undefined ? {} : { reason }),
    close: async () => {},
  }
}

async function directAccess(dataDir: string, io: CommandIo, by: string): Promise<ApprovalsAccess> {
  const path = join(dataDir, APPROVALS_FILE_NAME)
  const closers: (() => unknown)[] = []
  let service: ApprovalService | undefined
  // Opened on first use, so listing an empty data folder creates nothing.
  const open = async (): Promise<ApprovalService> => {
    if (service !== undefined) return service
    const store = openApprovalStore({ path })
    closers.push(() => store.close())
    const ledger = openLedger({ dataDir })
    closers.push(() => ledger.close())
    let publish: PublishPort | undefined
    try {
      const bus = await openLocalBus(dataDir, io)
      closers.push(() => bus.close())
      publish = (draft) => bus.publish(draft)
    } catch (error) {
      writeLine(
        io.stderr,
        `warning: events are not published (the event log did not open: ${(error as Error).message})`,
      )
    }
    service = createApprovalService({
      store,
      ledger,
      ...(publish === undefined ? {} : { publish }),
      onPublishError: (error) =>
        writeLine(io.stderr, `warning: an event was not published: ${(error as Error).message}`),
    })
    closers.push(() => service?.close())
    return service
  }
  const present = () => existsSync(path)
  const missing = (id: string) => new HubError('E_BAD_REQUEST', `no approval with id '${id}' (no ${path})`)
  return {
    where: path,
    mode: 'direct',
    list: async (status) => (present() ? (await open()).list({ status: status as 'open' }) : []),
    get: async (id) => {
      if (!present()) throw missing(id)
      return (await open()).get(id)
    },
    approve: async (id, input) => {
      if (!present()) throw missing(id)
      return (await open()).approve(id, { by, ...input })
    },
    deny: async (id, input) => {
      if (!present()) throw missing(id)
      return (await open()).deny(id, { by, ...input })
    },
    listGrants: async (all) => (present() ? (await open()).listGrants({ all }) : []),
    revokeGrant: async (id, reason) => {
      if (!present()) throw new HubError('E_BAD_REQUEST', `no grant with id '${id}' (no ${path})`)
      return (await open()).revokeGrant(id, { by, ...(reason === undefined ? {} : { reason }) })
    },
    close: async () => {
      for (const close of closers.reverse()) await close()
    },
  }
}

/** The running hub when there is one, else the data directory itself. */
export async function openApprovalsAccess(
  dataDir: string,
  io: CommandIo,
  by: string,
): Promise<ApprovalsAccess> {
  const running = await findRunningServer(dataDir)
  if (running === undefined) return directAccess(dataDir, io, by)
  return serverAccess(ownerHubAt(running.url, readOwnerToken(dataDir, io)))
}
