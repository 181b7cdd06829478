import type { Viseme } from './viseme-timeline.ts'

/**
 * How each viseme shapes the mouth of the 2D face: `open` is the opening's height and `width` its
 * width, as fractions of the largest; `teeth` shows the upper teeth. The dashboard's SVG face keeps
 * the same table (web/src/components/avatar-shapes.ts), so both faces say the same thing.
 */
export interface MouthShape {
  open: number
  width: number
  teeth: boolean
}

export const MOUTH_SHAPES: Readonly<Record<Viseme, MouthShape>> = Object.freeze({
  sil: { open: 0, width: 0.55, teeth: false },
  PP: { open: 0, width: 0.5, teeth: false },
  FF: { open: 0.12, width: 0.6, teeth: true },
  TH: { open: 0.2, width: 0.6, teeth: true },
  DD: { open: 0.3, width: 0.62, teeth: true },
  kk: { open: 0.35, width: 0.6, teeth: false },
  CH: { open: 0.3, width: 0.45, teeth: true },
  SS: { open: 0.12, width: 0.7, teeth: true },
  nn: { open: 0.25, width: 0.6, teeth: false },
  RR: { open: 0.3, width: 0.45, teeth: false },
  aa: { open: 1, width: 0.7, teeth: false },
  E: { open: 0.6, width: 0.8, teeth: true },
  I: { open: 0.4, width: 0.85, teeth: true },
  O: { open: 0.75, width: 0.42, teeth: false },
  U: { open: 0.45, width: 0.3, teeth: false },
})

/** The mouth between rest (`sil`) and the viseme's shape, by `weight` (0..1). */
export function mouthAt(viseme: Viseme, weight: number): MouthShape {
  const rest = MOUTH_SHAPES.sil
  const shape = MOUTH_SHAPES[viseme]
  const amount = Math.min(1, Math.max(0, weight))
  return {
    open: rest.open + (shape.open - rest.open) * amount,
    width: rest.width + (shape.width - rest.width) * amount,
    teeth: shape.teeth && amount > 0.3,
  }
}
