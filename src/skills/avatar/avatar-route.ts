import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import { HubError, toHubError } from '../../contracts/index.ts'
import type { SkillLogger } from '../../skill-api/index.ts'
import { AvatarConnection, type PngRequest } from './avatar-connection.ts'
import type { AvatarStreams } from './avatar-streams.ts'
import { FrameWriter } from './frame-writer.ts'

export const AVATAR_ROUTE = '/ws/avatar'
/** Clients on /ws/avatar at once, and how many of them may ask for rendered frames (CPU). */
export const DEFAULT_AVATAR_MAX_CONNECTIONS = 16
export const DEFAULT_AVATAR_MAX_RENDERING_CONNECTIONS = 2
/** Unsent bytes a client may have waiting before frame messages to it are dropped. */
export const DEFAULT_AVATAR_MAX_BUFFERED_BYTES = 512 * 1024
/** Bounds of what a client may ask for rendered frames. */
export const AVATAR_MAX_FPS = 60
export const AVATAR_MAX_SIDE_PX = 1024
const AVATAR_MIN_SIDE_PX = 16
const SESSION_ID = /^[A-Za-z0-9:._-]{1,200}$/
const RESOLUTION = /^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$/
const CLOSE_TRY_AGAIN_LATER = 1013
const CLOSE_POLICY_VIOLATION = 1008

export interface AvatarRouteOptions {
  streams: AvatarStreams
  logger: SkillLogger
  /** Whether clients may ask for server-rendered PNG frames (`render: true` in the skill's config). */
  render: boolean
  fps: number
  resolution: string
  maxBufferedBytes: number
}

interface Subscription {
  sessionId: string
  png: PngRequest | undefined
}

/** Reads the query: `sessionId`, `frames` (keyframes | png), and for png `fps` and `resolution`. */
export function parseAvatarQuery(query: Record<string, unknown>, options: AvatarRouteOptions): Subscription {
  const sessionId = query.sessionId
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId))
    throw new HubError(
      'E_VALIDATION',
      'sessionId is required: the session whose face to follow (letters, digits, : . _ -)',
    )
  const frames = query.frames ?? 'keyframes'
  if (frames === 'keyframes') {
    // Keyframes come at the skill's fps for every client; taking these without a word would let
    // a client believe it chose them.
    if (query.fps !== undefined || query.resolution !== undefined)
      throw new HubError(
        'E_VALIDATION',
        "fps and resolution choose rendered frames (frames=png); keyframes come at the skill's fps",
      )
    return { sessionId, png: undefined }
  }
  if (frames !== 'png')
    throw new HubError('E_VALIDATION', `frames is keyframes or png, not ${String(frames)}`)
  if (!options.render)
    throw new HubError(
      'E_BAD_REQUEST',
      'rendered frames are off on this hub: set render: true in skill.avatar config (they cost CPU)',
    )
  const fps = query.fps === undefined ? options.fps : Number(query.fps)
  if (!Number.isInteger(fps) || fps < 1 || fps > AVATAR_MAX_FPS)
    throw new HubError('E_VALIDATION', `fps is an integer from 1 to ${AVATAR_MAX_FPS}`)
  const match = RESOLUTION.exec(String(query.resolution ?? options.resolution))
  const width = Number(match?.[1])
  const height = Number(match?.[2])
  if (
    match === null ||
    [width, height].some((side) => side < AVATAR_MIN_SIDE_PX || side > AVATAR_MAX_SIDE_PX)
  )
    throw new HubError(
      'E_VALIDATION',
      `resolution is WIDTHxHEIGHT, each ${AVATAR_MIN_SIDE_PX} to ${AVATAR_MAX_SIDE_PX} pixels`,
    )
  return { sessionId, png: { fps, width, height } }
}

function errorFrame(error: unknown) {
  const failure = toHubError(error)
  return {
    type: 'error.raised',
    payload: { code: failure.code, message: failure.message, where: AVATAR_ROUTE },
  }
}

/** WS /ws/avatar (docs/avatar.md), behind the kernel's authentication like every route. */
export function avatarRoute(options: AvatarRouteOptions): (app: FastifyInstance) => void {
  let connections = 0
  let rendering = 0
  return (app) => {
    app.get(AVATAR_ROUTE, { websocket: true }, (socket: WebSocket, request: FastifyRequest) => {
      const refuse = (error: HubError, code: number) => {
        socket.send(JSON.stringify(errorFrame(error)))
        socket.close(code, error.code)
      }
      let subscription: Subscription
      try {
        subscription = parseAvatarQuery(request.query as Record<string, unknown>, options)
      } catch (error) {
        return refuse(toHubError(error), CLOSE_POLICY_VIOLATION)
      }
      const renders = subscription.png !== undefined
      if (connections >= DEFAULT_AVATAR_MAX_CONNECTIONS)
        return refuse(
          new HubError(
            'E_RESOURCE_LIMIT',
            `more than ${DEFAULT_AVATAR_MAX_CONNECTIONS} avatar connections are open`,
          ),
          CLOSE_TRY_AGAIN_LATER,
        )
      if (renders && rendering >= DEFAULT_AVATAR_MAX_RENDERING_CONNECTIONS)
        return refuse(
          new HubError(
            'E_RESOURCE_LIMIT',
            `more than ${DEFAULT_AVATAR_MAX_RENDERING_CONNECTIONS} clients ask for rendered frames`,
          ),
          CLOSE_TRY_AGAIN_LATER,
        )
      connections++
      if (renders) rendering++
      const connection = new AvatarConnection(
        options.streams,
        subscription.sessionId,
        new FrameWriter(socket, options.maxBufferedBytes),
        subscription.png,
        (error) => {
          options.logger.warn('avatar connection failed', { message: (error as Error).message })
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(errorFrame(error)))
        },
      )
      connection.start()
      // The stream goes one way: anything the client sends is ignored.
      socket.on('close', () => {
        connections--
        if (renders) rendering--
        connection.close()
      })
    })
  }
}
