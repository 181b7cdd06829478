import { asObject, draftAt, list, rawSkills } from './check-kit.ts'
import type { IssueDraft } from './manifest-issue.ts'

// kernel.api.wyoming, the Wyoming server for satellites (docs/voice.md, decisions 1516-1519): a
// value the server cannot honour is refused here, with its line.

/** Where the Wyoming server binds when the section names no host. */
export const DEFAULT_WYOMING_SERVER_HOST = '127.0.0.1'
/** Silence that ends a satellite's utterance when it sends no audio-stop, in milliseconds. */
export const DEFAULT_WYOMING_END_OF_SPEECH_MS = 800

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare)
}

function voicePipelineExists(root: unknown): boolean {
  return list(asObject(root)?.pipelines).some(
    (pipeline) => asObject(list(asObject(pipeline)?.steps)[0])?.recv === 'voice.chunk',
  )
}

export function wyomingDrafts(root: unknown): IssueDraft[] {
  const section = asObject(asObject(asObject(asObject(root)?.kernel)?.api)?.wyoming)
  if (section === undefined) return []
  const drafts: IssueDraft[] = [...satelliteDrafts(root, section)]
  const host = typeof section.host === 'string' ? section.host : DEFAULT_WYOMING_SERVER_HOST
  if (section.port === undefined && section.satellites === undefined)
    drafts.push(
      draftAt(
        root,
        '/kernel/api/wyoming',
        'the section neither listens (port) nor dials satellites (satellites), so it would do nothing',
        'add port: 10700 for satellites that dial the hub, or satellites: [{name, host, port}] for those that wait to be called',
        'port or satellites',
      ),
    )
  // Without a port nothing listens (satellites only): host and allowRemote would do nothing.
  if (section.port === undefined)
    for (const key of ['host', 'allowRemote'] as const)
      if (section[key] !== undefined)
        drafts.push(
          draftAt(
            root,
            `/kernel/api/wyoming/${key}`,
            'the Wyoming server listens only with a port, so this key would do nothing',
            'add port: 10700 to serve satellites that dial the hub, or remove the key',
            'a port beside it',
          ),
        )
  if (section.port !== undefined && !isLoopbackHost(host) && section.allowRemote !== true)
    drafts.push(
      draftAt(
        root,
        typeof section.host === 'string' ? '/kernel/api/wyoming/host' : '/kernel/api/wyoming',
        `${host} is not a loopback address, and the Wyoming protocol has no authentication: anyone who reaches the port could talk to the hub`,
        'write host: 127.0.0.1, or add allowRemote: true on a network you trust (docs/voice.md)',
        'a loopback host, or allowRemote: true',
      ),
    )
  if (!voicePipelineExists(root))
    drafts.push(
      draftAt(
        root,
        '/kernel/api/wyoming',
        'the Wyoming server runs voice turns, and no pipeline starts with recv: voice.chunk',
        'add pipeline.voice.turn (manifests/examples/full.yaml) or remove kernel.api.wyoming',
        'a voice pipeline',
      ),
    )
  else if (
    !rawSkills(root).some(
      ({ skill }) => skill.enabled !== false && list(skill.consumes).includes('voice.chunk'),
    )
  )
    drafts.push(
      draftAt(
        root,
        '/kernel/api/wyoming',
        'the Wyoming server needs speech recognition, and no enabled skill consumes voice.chunk',
        'enable skill.voice.stt or remove kernel.api.wyoming',
        'an enabled skill that consumes voice.chunk',
      ),
    )
  return drafts
}

/** kernel.api.wyoming.satellites: names are unique (they name the source), one dial per address. */
function satelliteDrafts(root: unknown, section: Record<string, unknown>): IssueDraft[] {
  const drafts: IssueDraft[] = []
  const names = new Set<string>()
  const addresses = new Set<string>()
  list(section.satellites).forEach((raw, index) => {
    const entry = asObject(raw)
    if (entry === undefined) return
    const path = `/kernel/api/wyoming/satellites/${index}`
    if (typeof entry.name === 'string') {
      if (names.has(entry.name))
        drafts.push(
          draftAt(
            root,
            `${path}/name`,
            'another satellite has this name, and the name tells their wakes and turns apart',
            'give each satellite its own name',
            'a unique name',
          ),
        )
      names.add(entry.name)
    }
    const address = `${String(entry.host)}:${String(entry.port)}`
    if (addresses.has(address))
      drafts.push(
        draftAt(
          root,
          path,
          `${address} is listed twice: the hub would call the same satellite twice`,
          'list each satellite once',
          'a unique host and port',
        ),
      )
    addresses.add(address)
  })
  return drafts
}
