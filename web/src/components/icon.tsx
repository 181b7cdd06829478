import { GLYPH_PATHS, glyphFor } from '../lib/icons.ts'

/** A catalog icon as inline SVG; decorative unless a label is given. */
export function Icon({ name, label, size = 16 }: { name: string; label?: string; size?: number }) {
  const glyph = glyphFor(name)
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      role={label === undefined ? undefined : 'img'}
      aria-hidden={label === undefined ? true : undefined}
      aria-label={label}
      data-glyph={glyph}
    >
      <path d={GLYPH_PATHS[glyph]} />
    </svg>
  )
}
