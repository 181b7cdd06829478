import { useEffect, useRef } from 'react'
import { FACE_MOUTH, mouthAt } from './avatar-shapes.ts'
import { type AvatarKeyframe, AvatarStream } from './avatar-stream.ts'

interface Props {
  /** The voice connection's session: the face follows its answers on /ws/avatar. */
  sessionId: string
  /** The answer whose audio plays now (tts.start's traceId). */
  traceId: string
  /** Where that audio is being heard now, in ms on its audio clock; undefined when none plays. */
  clock: () => number | undefined
}

/** Idle blinks: every this many ms, for DEFAULT_IDLE_BLINK_MS. */
const IDLE_BLINK_EVERY_MS = 3_700
const IDLE_BLINK_MS = 140

function idleFrame(now: number): AvatarKeyframe {
  const intoBlink = now % IDLE_BLINK_EVERY_MS
  return {
    seq: -1,
    startMs: 0,
    endMs: 0,
    viseme: 'sil',
    weight: 0,
    blink: intoBlink < IDLE_BLINK_MS ? 1 : 0,
    head: {
      yaw: Math.sin(now / 2_100) * 2.5,
      pitch: Math.sin(now / 1_700) * 1.5,
      roll: Math.sin(now / 2_900) * 1,
    },
  }
}

/**
 * The dashboard's face: an SVG whose mouth takes the viseme of the keyframe under the audio that
 * plays now (so it stays in step with what is heard), and blinks and sways gently otherwise.
 * Attributes for tests and tools: data-state (idle|speaking), data-viseme, data-weight, data-seq,
 * data-audio-ms (the audio position drawn) and data-trace (the answer) on the svg.
 */
export function AvatarFace({ sessionId, traceId, clock }: Props) {
  const svgRef = useRef<SVGSVGElement>(null)
  const headRef = useRef<SVGGElement>(null)
  const mouthRef = useRef<SVGEllipseElement>(null)
  const teethRef = useRef<SVGRectElement>(null)
  const lipsRef = useRef<SVGPathElement>(null)
  const lidsRef = useRef<SVGGElement>(null)
  const streamRef = useRef<AvatarStream | undefined>(undefined)
  const traceRef = useRef(traceId)
  const clockRef = useRef(clock)
  traceRef.current = traceId
  clockRef.current = clock

  useEffect(() => {
    if (sessionId === '') return
    const stream = new AvatarStream(sessionId)
    stream.open()
    streamRef.current = stream
    return () => {
      stream.close()
      if (streamRef.current === stream) streamRef.current = undefined
    }
  }, [sessionId])

  useEffect(() => {
    let handle = 0
    let shown = ''
    const draw = () => {
      handle = requestAnimationFrame(draw)
      const now = performance.now()
      const at = clockRef.current()
      const spoken = at === undefined ? undefined : streamRef.current?.frameAt(traceRef.current, at)
      const frame = spoken ?? idleFrame(now)
      const shape = mouthAt(frame.viseme, frame.weight)
      const halfWidth = FACE_MOUTH.halfWidth * shape.width
      const halfHeight = FACE_MOUTH.halfHeight * shape.open
      const key = `${frame.seq}:${frame.viseme}:${frame.weight}:${frame.blink}:${frame.head.yaw.toFixed(2)}`
      const svg = svgRef.current
      if (svg !== null) {
        svg.dataset.audioMs = at === undefined ? '' : String(Math.round(at))
        svg.dataset.trace = traceRef.current
      }
      if (key === shown || svg === null) return
      shown = key
      svg.dataset.state = spoken === undefined ? 'idle' : 'speaking'
      svg.dataset.viseme = frame.viseme
      svg.dataset.weight = String(frame.weight)
      svg.dataset.seq = String(frame.seq)
      headRef.current?.setAttribute(
        'transform',
        `translate(${(frame.head.yaw * 1.2).toFixed(2)} ${(frame.head.pitch * 1.2).toFixed(2)}) rotate(${frame.head.roll.toFixed(2)} 100 100)`,
      )
      lidsRef.current?.setAttribute('transform', `scale(1 ${Math.max(0.001, frame.blink).toFixed(3)})`)
      const open = halfHeight >= 1.2
      mouthRef.current?.setAttribute('rx', halfWidth.toFixed(2))
      mouthRef.current?.setAttribute('ry', open ? halfHeight.toFixed(2) : '0')
      // The upper teeth: a band inside the top of the opening.
      teethRef.current?.setAttribute('width', open && shape.teeth ? (halfWidth * 1.5).toFixed(2) : '0')
      teethRef.current?.setAttribute('x', (FACE_MOUTH.x - halfWidth * 0.75).toFixed(2))
      teethRef.current?.setAttribute('y', (FACE_MOUTH.y - halfHeight * 0.8).toFixed(2))
      teethRef.current?.setAttribute('height', Math.max(0, halfHeight * 0.35).toFixed(2))
      lipsRef.current?.setAttribute(
        'd',
        open
          ? ''
          : `M ${FACE_MOUTH.x - halfWidth} ${FACE_MOUTH.y} Q ${FACE_MOUTH.x} ${FACE_MOUTH.y + 2.5} ${FACE_MOUTH.x + halfWidth} ${FACE_MOUTH.y}`,
      )
    }
    handle = requestAnimationFrame(draw)
    return () => cancelAnimationFrame(handle)
  }, [])

  return (
    <svg
      ref={svgRef}
      className="avatar-face"
      viewBox="0 0 200 200"
      width="160"
      height="160"
      role="img"
      aria-label="The assistant's face"
      data-testid="avatar-face"
      data-state="idle"
      data-viseme="sil"
      style={{ display: 'block', margin: '0.5rem 0' }}
    >
      <rect width="200" height="200" rx="12" fill="#1d2233" />
      <g ref={headRef}>
        <ellipse cx="100" cy="100" rx="72" ry="88" fill="#f1c7a1" />
        {[72, 128].map((x) => (
          <g key={x}>
            <ellipse cx={x} cy="80" rx="13" ry="9" fill="#ffffff" />
            <circle cx={x} cy="80" r="5" fill="#2b2b3a" />
            <path
              d={`M ${x - 12} 64 L ${x + 12} 63`}
              stroke="#5b3a29"
              strokeWidth="3.5"
              strokeLinecap="round"
            />
          </g>
        ))}
        <g ref={lidsRef} style={{ transformOrigin: '100px 70px' }}>
          <rect x="56" y="70" width="32" height="20" fill="#f1c7a1" />
          <rect x="112" y="70" width="32" height="20" fill="#f1c7a1" />
        </g>
        <g data-testid="avatar-mouth">
          <ellipse
            ref={mouthRef}
            cx={FACE_MOUTH.x}
            cy={FACE_MOUTH.y}
            rx="18"
            ry="0"
            fill="#5a1620"
            stroke="#c0615e"
            strokeWidth="3"
          />
          <rect ref={teethRef} x="0" y="0" width="0" height="0" fill="#f7f7f2" />
          <path ref={lipsRef} d="" stroke="#c0615e" strokeWidth="3" fill="none" strokeLinecap="round" />
        </g>
      </g>
    </svg>
  )
}
