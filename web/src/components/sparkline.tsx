import { sparklinePoints } from '../lib/prometheus.ts'

const WIDTH = 120
const HEIGHT = 28

export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  return (
    <svg
      className="sparkline"
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={label}
    >
      <polyline
        points={sparklinePoints(values, WIDTH, HEIGHT - 2)}
        fill="none"
        stroke="currentColor"
        strokeWidth={1.5}
      />
    </svg>
  )
}
