import { HubError } from '../../contracts/index.ts'
import { booleanSetting, defineSkill, type SkillSubscription } from '../../skill-api/index.ts'
import { avatarRoute, DEFAULT_AVATAR_MAX_BUFFERED_BYTES } from './avatar-route.ts'
import { AvatarStreams } from './avatar-streams.ts'

/** Keyframes per second of audio (the face's frame rate). */
export const DEFAULT_AVATAR_FPS = 25
/** The size of the face the keyframes describe, and of rendered frames unless a client asks. */
export const DEFAULT_AVATAR_RESOLUTION = '256x256'
/** Seed of the blinks and head motion. */
export const DEFAULT_AVATAR_SEED = 1
/** How long the pipeline's avatar step waits for the answer's avatar.end, in milliseconds. */
export const DEFAULT_AVATAR_STEP_WAIT_MS = 3_000

/** The TTS events the face follows, and the run's end (a barge-in stops the face with the voice). */
const FOLLOWED_TYPES = ['tts.audio', 'tts.viseme_timing', 'tts.end', 'error.raised', 'turn.end'] as const

function integerSetting(
  value: unknown,
  fallback: number,
  name: string,
  minimum: number,
  maximum: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum)
    throw new HubError(
      'E_VALIDATION',
      `skill.avatar config ${name} must be an integer from ${minimum} to ${maximum}`,
    )
  return value
}

/**
 * The face that speaks with the voice (docs/avatar.md): from the TTS skill's viseme timings and
 * audio it publishes avatar.start, avatar.frames (keyframes on the audio's clock) and avatar.end,
 * and serves them, or PNG frames of a simple 2D face, on WS /ws/avatar.
 */
export const avatarSkillModule = defineSkill({
  name: 'avatar',
  configKeys: ['fps', 'resolution', 'seed', 'render', 'maxBufferedBytes'],
  emits: ['avatar.start', 'avatar.frames', 'avatar.end'],
  open(context) {
    const fps = integerSetting(context.config.fps, DEFAULT_AVATAR_FPS, 'fps', 1, 60)
    const seed = integerSetting(context.config.seed, DEFAULT_AVATAR_SEED, 'seed', 0, 2 ** 32 - 1)
    const maxBufferedBytes = integerSetting(
      context.config.maxBufferedBytes,
      DEFAULT_AVATAR_MAX_BUFFERED_BYTES,
      'maxBufferedBytes',
      0,
      64 * 1024 * 1024,
    )
    const resolution = String(context.config.resolution ?? DEFAULT_AVATAR_RESOLUTION)
    if (!/^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$/.test(resolution))
      throw new HubError(
        'E_VALIDATION',
        `skill.avatar config resolution must be WIDTHxHEIGHT, not ${resolution}`,
      )
    const streams = new AvatarStreams(
      context.bus,
      { fps, resolution, seed, source: context.skill.id },
      context.metrics,
      context.logger,
    )
    const subscriptions: SkillSubscription[] = FOLLOWED_TYPES.filter((type) =>
      context.skill.consumes.includes(type),
    ).map((pattern) => ({
      pattern,
      // A failure is logged by the stream; a redelivery would only repeat the same event.
      handler: (event) => streams.handle(event).catch(() => undefined),
    }))
    return {
      runtime: {
        status: () => ({ state: 'ready' }),
        // The stream runs beside the TTS step; this step waits for its end, so avatar.end comes
        // before the run's turn.end.
        async invoke(step) {
          if (!/[\p{L}\p{N}]/u.test(step.run.answer)) return
          await streams.whenEnded(step.run.traceId, DEFAULT_AVATAR_STEP_WAIT_MS)
        },
      },
      subscriptions,
      routes: [
        avatarRoute({
          streams,
          logger: context.logger,
          render: booleanSetting(context.config.render, false, 'skill.avatar config render'),
          fps,
          resolution,
          maxBufferedBytes,
        }),
      ],
      close: () => streams.close(),
    }
  },
})
