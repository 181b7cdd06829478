// Only types at load time: Skia costs ~27 MB of memory, paid when a client asks for rendered frames.
import type { Canvas, SKRSContext2D } from '@napi-rs/canvas'
import type { AvatarKeyframe } from './keyframes.ts'
import { mouthAt } from './mouth-shapes.ts'
import { encodePng, encodePngSync } from './png-encoder.ts'

/** Colours of the server-rendered face; the mouth's inside is what tests look for. */
export const FACE_COLOURS = Object.freeze({
  background: '#1d2233',
  skin: '#f1c7a1',
  eyeWhite: '#ffffff',
  pupil: '#2b2b3a',
  brow: '#5b3a29',
  lips: '#c0615e',
  mouth: '#5a1620',
  teeth: '#f7f7f2',
})

/** Largest mouth, as fractions of the face's size. */
const MOUTH_MAX = { width: 0.34, height: 0.16 } as const

export interface FaceGeometry {
  /** Centre of the mouth and its largest half-width and half-height, in pixels (head at rest). */
  mouth: { x: number; y: number; halfWidth: number; halfHeight: number }
}

/** Where the mouth sits on a face of `width` × `height` pixels (tests measure this region). */
export function faceGeometry(width: number, height: number): FaceGeometry {
  const size = Math.min(width, height)
  return {
    mouth: {
      x: width / 2,
      y: height / 2 + size * 0.2,
      halfWidth: (size * MOUTH_MAX.width) / 2,
      halfHeight: (size * MOUTH_MAX.height) / 2,
    },
  }
}

/** Draws one keyframe of the simple 2D face with @napi-rs/canvas (Skia). */
export function paintFace(
  context: SKRSContext2D,
  width: number,
  height: number,
  frame: AvatarKeyframe,
): void {
  const size = Math.min(width, height)
  const { mouth } = faceGeometry(width, height)
  context.setTransform(1, 0, 0, 1, 0, 0)
  context.fillStyle = FACE_COLOURS.background
  context.fillRect(0, 0, width, height)
  // The head turns (shifts), nods and tilts by the keyframe's pose, a few pixels at most.
  const degrees = Math.PI / 180
  context.translate(width / 2 + frame.head.yaw * size * 0.006, height / 2 + frame.head.pitch * size * 0.006)
  context.rotate(frame.head.roll * degrees)
  context.translate(-width / 2, -height / 2)
  context.fillStyle = FACE_COLOURS.skin
  context.beginPath()
  context.ellipse(width / 2, height / 2, size * 0.36, size * 0.44, 0, 0, Math.PI * 2)
  context.fill()
  const eyeY = height / 2 - size * 0.1
  for (const side of [-1, 1]) {
    const eyeX = width / 2 + side * size * 0.14
    context.fillStyle = FACE_COLOURS.eyeWhite
    context.beginPath()
    context.ellipse(eyeX, eyeY, size * 0.065, size * 0.045, 0, 0, Math.PI * 2)
    context.fill()
    context.fillStyle = FACE_COLOURS.pupil
    context.beginPath()
    context.arc(eyeX + frame.head.yaw * size * 0.002, eyeY, size * 0.025, 0, Math.PI * 2)
    context.fill()
    // The lid comes down over the eye as the blink closes it.
    if (frame.blink > 0) {
      context.fillStyle = FACE_COLOURS.skin
      const lidHeight = size * 0.1 * frame.blink
      context.fillRect(eyeX - size * 0.075, eyeY - size * 0.05, size * 0.15, lidHeight)
    }
    context.strokeStyle = FACE_COLOURS.brow
    context.lineWidth = Math.max(1, size * 0.018)
    context.beginPath()
    context.moveTo(eyeX - size * 0.06, eyeY - size * 0.08)
    context.lineTo(eyeX + size * 0.06, eyeY - size * 0.085)
    context.stroke()
  }
  const shape = mouthAt(frame.viseme, frame.weight)
  const halfWidth = mouth.halfWidth * shape.width
  const halfHeight = mouth.halfHeight * shape.open
  context.lineWidth = Math.max(1, size * 0.016)
  context.strokeStyle = FACE_COLOURS.lips
  if (halfHeight < size * 0.006) {
    context.beginPath()
    context.moveTo(mouth.x - halfWidth, mouth.y)
    context.quadraticCurveTo(mouth.x, mouth.y + size * 0.012, mouth.x + halfWidth, mouth.y)
    context.stroke()
    return
  }
  context.fillStyle = FACE_COLOURS.mouth
  context.beginPath()
  context.ellipse(mouth.x, mouth.y, halfWidth, halfHeight, 0, 0, Math.PI * 2)
  context.fill()
  if (shape.teeth) {
    context.save()
    context.clip()
    context.fillStyle = FACE_COLOURS.teeth
    context.fillRect(mouth.x - halfWidth, mouth.y - halfHeight, halfWidth * 2, Math.max(1, halfHeight * 0.45))
    context.restore()
  }
  context.stroke()
}

/** Renders keyframes to PNG images of one size; one canvas is reused for every frame. */
export class FaceRenderer {
  readonly #canvas: Canvas
  readonly #context: SKRSContext2D

  private constructor(
    readonly width: number,
    readonly height: number,
    canvas: Canvas,
  ) {
    this.#canvas = canvas
    this.#context = this.#canvas.getContext('2d')
  }

  /** Loads @napi-rs/canvas on first use (decision 1711). */
  static async create(width: number, height: number): Promise<FaceRenderer> {
    const { createCanvas } = await import('@napi-rs/canvas')
    return new FaceRenderer(width, height, createCanvas(width, height))
  }

  #pixels(frame: AvatarKeyframe): Uint8ClampedArray {
    paintFace(this.#context, this.width, this.height, frame)
    return this.#context.getImageData(0, 0, this.width, this.height).data
  }

  /** The frame as a PNG, compressed on the thread pool. */
  render(frame: AvatarKeyframe): Promise<Buffer> {
    return encodePng(this.#pixels(frame), this.width, this.height)
  }

  /** The same on the calling thread (the benchmark's one core). */
  renderSync(frame: AvatarKeyframe): Buffer {
    return encodePngSync(this.#pixels(frame), this.width, this.height)
  }
}
