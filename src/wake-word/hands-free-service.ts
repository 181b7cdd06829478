import type { HandsFreeControl } from './hands-free-control.ts'

/**
 * The service name under which the wake skill shares its settings with the kernel's hands-free
 * entry (`/ws/voice/listen`): the control, and how listeners are tuned.
 */
export const HANDS_FREE_SERVICE = 'voice.hands_free'

export interface HandsFreeService {
  readonly control: HandsFreeControl
  readonly preRollMs: number
  readonly talkSilenceMs: number
}
