import { type PairingView, pairWithHub } from '../../pairing/index.ts'
import type { PrincipalView } from '../../principals/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { dataDirFor } from './data-dir.ts'
import { openOwnerHub } from './owner-hub.ts'

const USAGE = [
  'usage: localhub pair --hub URL --peer-id ID [--name N] [--timeout SECONDS]',
  '       localhub pair list | approve PAIRING_ID | revoke PEER_ID',
  '',
  'On a device: pair with the hub at URL (seed 004). Makes or reuses the ed25519 key',
  '<data>/keys/pairing-ed25519.pem, starts, waits until the owner approves, answers the',
  'challenge and saves the member token in <data>/paired-hubs.json. Compare the fingerprint it',
  'prints with the one the owner sees.',
  '',
  'On the hub (owner, running hub of --data DIR):',
  '  list                 pairings waiting for approval, with their fingerprints',
  '  approve PAIRING_ID   a person confirms the device',
  "  revoke PEER_ID       revoke the paired peer's token",
].join('\n')

const OPTIONS = {
  data: { type: 'string' },
  hub: { type: 'string' },
  'peer-id': { type: 'string' },
  name: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function pairingLine(pairing: PairingView): string {
  return `${pairing.pairingId}  ${pairing.status}  peer ${pairing.peerId}${pairing.deviceName ? ` (${pairing.deviceName})` : ''}  ${pairing.fingerprint}  expires ${pairing.expiresAt}`
}

async function execute(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  if (printedHelp(values, io, USAGE)) return 0
  const dataDir = dataDirFor(values.data, io)
  const [verb, ...rest] = positionals
  if (verb === undefined) {
    if (values.hub === undefined || values['peer-id'] === undefined)
      throw new UsageError('pairing a device needs --hub URL and --peer-id ID')
    const timeout = values.timeout === undefined ? undefined : Number(values.timeout)
    if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0))
      throw new UsageError('--timeout takes a number of seconds')
    const result = await pairWithHub({
      hubUrl: values.hub,
      peerId: values['peer-id'],
      dataDir,
      ...(values.name === undefined ? {} : { deviceName: values.name }),
      ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }),
      onWaiting: (pairingId, fingerprint) =>
        writeLine(
          io.stderr,
          `waiting for the owner: localhub pair approve ${pairingId}\nthis device's fingerprint: ${fingerprint}`,
        ),
    })
    if (values.json === true) writeLine(io.stdout, JSON.stringify({ ...result, token: undefined }))
    else
      writeLine(
        io.stdout,
        `paired with ${result.hubUrl} as ${result.peerId} (principal ${result.principalId}); token saved in ${result.savedTo}`,
      )
    return 0
  }
  if (!['list', 'approve', 'revoke'].includes(verb)) throw new UsageError(`unknown verb '${verb}'`)
  if (verb === 'list' && rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`)
  if (verb !== 'list' && rest.length !== 1) throw new UsageError(`${verb} takes exactly one id`)
  const hub = await openOwnerHub(dataDir, io)
  if (verb === 'list') {
    const { pairings } = await hub.call<{ pairings: PairingView[] }>('GET', '/pairing')
    if (values.json === true) writeLine(io.stdout, JSON.stringify({ pairings }))
    else if (pairings.length === 0) writeLine(io.stderr, 'no pairing waits')
    else for (const pairing of pairings) writeLine(io.stdout, pairingLine(pairing))
    return 0
  }
  if (verb === 'approve') {
    const { pairing } = await hub.call<{ pairing: PairingView }>(
      'POST',
      `/pairing/${encodeURIComponent(rest[0]!)}/approve`,
    )
    writeLine(
      io.stdout,
      values.json === true ? JSON.stringify({ pairing }) : `approved ${pairingLine(pairing)}`,
    )
    return 0
  }
  const { principal } = await hub.call<{ principal: PrincipalView }>(
    'DELETE',
    `/pairing/peers/${encodeURIComponent(rest[0]!)}`,
  )
  writeLine(
    io.stdout,
    values.json === true ? JSON.stringify({ principal }) : `revoked peer ${rest[0]} (${principal.id})`,
  )
  return 0
}

export const run: CommandGroup = guardCommand('pair', USAGE, execute)
