import type { Phone } from './flite.ts'

/**
 * The phoneme → viseme table (docs/voice.md): flite's US English phones (CMU set) onto 15 mouth
 * shapes, the set most avatar rigs ship blend shapes for. A phone missing here shows as `sil`.
 */
export const VISEME_OF_PHONE: Readonly<Record<string, string>> = Object.freeze({
  pau: 'sil',
  p: 'PP',
  b: 'PP',
  m: 'PP',
  em: 'PP',
  f: 'FF',
  v: 'FF',
  th: 'TH',
  dh: 'TH',
  t: 'DD',
  d: 'DD',
  k: 'kk',
  g: 'kk',
  ng: 'kk',
  hh: 'kk',
  ch: 'CH',
  jh: 'CH',
  sh: 'CH',
  zh: 'CH',
  s: 'SS',
  z: 'SS',
  n: 'nn',
  l: 'nn',
  el: 'nn',
  en: 'nn',
  r: 'RR',
  er: 'RR',
  axr: 'RR',
  aa: 'aa',
  ae: 'aa',
  ah: 'aa',
  ax: 'aa',
  ay: 'aa',
  aw: 'aa',
  eh: 'E',
  ey: 'E',
  ih: 'I',
  iy: 'I',
  y: 'I',
  ao: 'O',
  ow: 'O',
  oy: 'O',
  uh: 'U',
  uw: 'U',
  w: 'U',
})

/** Visemes with their start times, `offsetMs` after the start of the whole answer's audio. */
export function visemesOf(
  phones: readonly Phone[],
  offsetMs: number,
): { visemes: string[]; timingMs: number[] } {
  const visemes: string[] = []
  const timingMs: number[] = []
  let startMs = 0
  for (const { phone, endMs } of phones) {
    visemes.push(VISEME_OF_PHONE[phone] ?? 'sil')
    timingMs.push(Math.max(0, Math.round(offsetMs + startMs)))
    startMs = endMs
  }
  return { visemes, timingMs }
}
