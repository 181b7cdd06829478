import { HubError, toHubError } from '../../contracts/index.ts'
import { parseVoiceFormat, type VoiceFormat } from './voice-audio.ts'

/** rate/width/channels of an audio event; only 16-bit samples (width 2) are taken. */
export function audioFormat(data: Record<string, unknown>, type: string): VoiceFormat {
  if (data.width !== 2)
    throw new HubError(
      'E_VALIDATION',
      `${type} width must be 2 (16-bit samples), got ${JSON.stringify(data.width)}`,
    )
  try {
    return parseVoiceFormat({ sampleRate: data.rate, format: 'pcm16', channels: data.channels })
  } catch (error) {
    throw new HubError(
      'E_VALIDATION',
      `${type}: ${toHubError(error).message.replace('voice.start sampleRate', 'rate').replace('voice.start channels', 'channels')}`,
    )
  }
}
