import { type Contracts, type Envelope, HubError } from '../contracts/index.ts'
import type { PublishReceipt, RequestOptions, Subscription } from './bus-types.ts'
import type { Clock } from './clock.ts'
import { uuidV7 } from './uuid-v7.ts'

interface Waiter {
  resolve(reply: Envelope): void
  reject(error: Error): void
  timer: unknown
}

export interface RequesterDependencies {
  clock: Clock
  contracts: Contracts
  defaultTimeoutMs: number
  publish(draft: Record<string, unknown>, principal: string | undefined): Promise<PublishReceipt>
  /** Subscribes as the bus itself (no principal) to replies of one type, from now on. */
  listen(replyType: string, handler: (reply: Envelope) => void): Promise<Subscription>
  checkReplyAllowed(principal: string | undefined, replyType: string): void
}

/** The reply type of a command: `<command>.result` (seed 001's naming rule). */
export function replyTypeOf(commandType: string): string {
  return `${commandType}.result`
}

/**
 * Request/reply on top of publish and subscribe, so every transport gets it with the same
 * semantics: the command is published (and logged when stored), the reply is the first
 * `<command>.result` whose causationId is the command's id.
 */
export function createRequester(dependencies: RequesterDependencies) {
  const { clock, contracts } = dependencies
  const waiters = new Map<string, Waiter>()
  const listeners = new Map<string, Promise<Subscription>>()

  function onReply(reply: Envelope): void {
    const waiter = reply.causationId === undefined ? undefined : waiters.get(reply.causationId)
    if (waiter === undefined) return
    waiters.delete(reply.causationId!)
    clock.clearTimeout(waiter.timer)
    waiter.resolve(reply)
  }

  function listenerFor(replyType: string): Promise<Subscription> {
    let listener = listeners.get(replyType)
    if (listener === undefined) {
      listener = dependencies.listen(replyType, onReply)
      listeners.set(replyType, listener)
      listener.catch(() => listeners.delete(replyType))
    }
    return listener
  }

  async function request(
    type: string,
    payload: Record<string, unknown>,
    options: RequestOptions,
    principal: string | undefined,
  ): Promise<Envelope> {
    const entry = contracts.entry(type, options.version)
    if (entry === undefined) throw new HubError('E_VALIDATION', `unknown command type ${type}`)
    if (entry.kind !== 'command') {
      throw new HubError(
        'E_BAD_REQUEST',
        `${type} is ${entry.kind === 'reply' ? 'a reply' : 'an event'}, not a command`,
      )
    }
    const replyType = replyTypeOf(type)
    if (contracts.entry(replyType) === undefined) {
      throw new HubError('E_BAD_REQUEST', `${type} has no reply type ${replyType} in the catalog`)
    }
    dependencies.checkReplyAllowed(principal, replyType)
    const timeoutMs = options.timeoutMs ?? dependencies.defaultTimeoutMs
    if (!(timeoutMs > 0)) throw new HubError('E_BAD_REQUEST', `timeoutMs must be positive, got ${timeoutMs}`)
    await listenerFor(replyType)
    const id = uuidV7(clock.now())
    const answer = new Promise<Envelope>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        waiters.delete(id)
        reject(
          new HubError('E_TIMEOUT', `no reply to ${type} within ${timeoutMs} ms`, {
            details: { id, type, timeoutMs },
          }),
        )
      }, timeoutMs)
      waiters.set(id, { resolve, reject, timer })
    })
    const draft: Record<string, unknown> = { id, type, version: entry.version, payload }
    for (const field of ['sessionId', 'traceId', 'tenant', 'source'] as const) {
      if (options[field] !== undefined) draft[field] = options[field]
    }
    try {
      await dependencies.publish(draft, principal)
    } catch (error) {
      const waiter = waiters.get(id)
      waiters.delete(id)
      if (waiter !== undefined) clock.clearTimeout(waiter.timer)
      answer.catch(() => undefined)
      throw error
    }
    return answer
  }

  function close(): void {
    for (const [id, waiter] of waiters) {
      clock.clearTimeout(waiter.timer)
      waiter.reject(
        new HubError('E_DEPENDENCY_UNAVAILABLE', `the bus closed before request ${id} was answered`),
      )
    }
    waiters.clear()
  }

  return { request, close }
}
