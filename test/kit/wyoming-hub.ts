// A real hub (in process, port 0) running full.yaml's voice turn, with the Wyoming server for
// satellites switched on (kernel.api.wyoming) on a free loopback port.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { type HubOptions, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { voiceManifestText } from './voice-hub.ts'

export async function openWyomingHub(
  folder: string,
  llmBaseUrl: string,
  section: Record<string, unknown> = { port: 0 },
  ttsConfig?: Record<string, unknown>,
  /** More of the hub's options (wyomingPartialEventMs, say). */
  hubOptions: Pick<HubOptions, 'wyomingPartialEventMs'> = {},
): Promise<RunningHub & { wyoming: { host: string; port: number } }> {
  const workspace = join(folder, 'workspace')
  mkdirSync(workspace, { recursive: true })
  const manifest = parse(voiceManifestText(llmBaseUrl, workspace, undefined, ttsConfig)) as {
    kernel: { api?: Record<string, unknown> }
  }
  manifest.kernel.api = { ...manifest.kernel.api, wyoming: section }
  const manifestPath = join(folder, 'wyoming.yaml')
  writeFileSync(manifestPath, stringify(manifest))
  const hub = await openHub({
    dataDir: join(folder, 'data'),
    manifestPath,
    port: 0,
    transport: 'memory',
    logger: false,
    ...hubOptions,
  })
  if (hub.wyoming === undefined) {
    await hub.close()
    throw new Error('the hub started without its Wyoming server')
  }
  return hub as RunningHub & { wyoming: { host: string; port: number } }
}
