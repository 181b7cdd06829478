// A windowed list with fixed row height: only the rows in view (plus a few) exist in the DOM, so
// 20,000 events cost as much to render as 40. Follows the tail while scrolled to the bottom.
import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react'

const OVERSCAN_ROWS = 8

export interface VirtualListProps {
  count: number
  rowHeight: number
  renderRow(index: number): ReactNode
  follow: boolean
  onFollowChange(follow: boolean): void
  label: string
}

export function VirtualList({
  count,
  rowHeight,
  renderRow,
  follow,
  onFollowChange,
  label,
}: VirtualListProps) {
  const ref = useRef<HTMLElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(400)
  const frame = useRef<number | undefined>(undefined)

  useLayoutEffect(() => {
    const element = ref.current
    if (element === null) return
    setHeight(element.clientHeight)
    const observer = new ResizeObserver(() => setHeight(element.clientHeight))
    observer.observe(element)
    return () => observer.disconnect()
  }, [])

  // biome-ignore lint/correctness/useExhaustiveDependencies: re-pin to the bottom whenever rows are added
  useLayoutEffect(() => {
    const element = ref.current
    if (follow && element !== null) {
      element.scrollTop = element.scrollHeight
      setScrollTop(element.scrollTop)
    }
  }, [count, follow])

  useEffect(
    () => () => {
      if (frame.current !== undefined) cancelAnimationFrame(frame.current)
    },
    [],
  )

  const onScroll = () => {
    if (frame.current !== undefined) return
    frame.current = requestAnimationFrame(() => {
      frame.current = undefined
      const element = ref.current
      if (element === null) return
      setScrollTop(element.scrollTop)
      const atBottom = element.scrollTop + element.clientHeight >= element.scrollHeight - rowHeight
      if (atBottom !== follow) onFollowChange(atBottom)
    })
  }

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN_ROWS)
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN_ROWS)
  const rows: ReactNode[] = []
  for (let index = first; index < last; index++) {
    rows.push(
      <li key={index} className="vrow" style={{ top: index * rowHeight, height: rowHeight }}>
        {renderRow(index)}
      </li>,
    )
  }
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it
    <section ref={ref} className="vlist" onScroll={onScroll} aria-label={label} tabIndex={0}>
      <ul className="vlist-inner" style={{ height: count * rowHeight }}>
        {rows}
      </ul>
    </section>
  )
}
