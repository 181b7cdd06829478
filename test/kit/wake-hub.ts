// A real hub (in process, port 0) running full.yaml's voice turn with the wake skill enabled:
// hands-free sources stream to /ws/voice/listen.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { voiceManifestText } from './voice-hub.ts'

export async function openWakeHub(
  folder: string,
  llmUrl: string,
  config: Record<string, unknown> = {
    mode: 'wake_word',
    phrases: [{ phrase: 'hey jarvis', threshold: 1e-20 }],
  },
  /** kernel.api.wyoming, when the hub should serve or dial Wyoming satellites too. */
  wyoming?: Record<string, unknown>,
  /** The TTS skill's whole config instead of full.yaml's (UNPACED_TTS_CONFIG, say). */
  ttsConfig?: Record<string, unknown>,
): Promise<RunningHub> {
  const workspace = join(folder, 'workspace')
  mkdirSync(workspace, { recursive: true })
  const manifest = parse(voiceManifestText(llmUrl, workspace, undefined, ttsConfig)) as {
    skills: Record<string, unknown>[]
    kernel: { api?: Record<string, unknown> }
  }
  if (wyoming !== undefined) manifest.kernel.api = { ...manifest.kernel.api, wyoming }
  manifest.skills.push({
    id: 'skill.voice.wake',
    version: '0.1',
    role: 'wake',
    transport: { type: 'inproc', module: 'wake' },
    provides: [],
    consumes: ['ui.interruptibility'],
    latencyClass: 'realtime_audio',
    resources: { cpu: 'low', gpu: 'none' },
    config,
  })
  const manifestPath = join(folder, 'wake.yaml')
  writeFileSync(manifestPath, stringify(manifest))
  return openHub({ dataDir: join(folder, 'data'), manifestPath, port: 0, transport: 'memory', logger: false })
}
