import type { ReactNode } from 'react'

// The list panels (registry, ledger, timers) show a loaded resource the same way: a quiet line when
// it answered with nothing, else a scrolling table whose body the panel renders.

/** A column heading; `hidden` keeps it for screen readers only (a column of buttons). */
export type TableColumn = string | { readonly label: string; readonly hidden: true }

export interface ResourceTableProps {
  /** The resource answered: with no rows, `empty` is shown instead of the table. */
  loaded: boolean
  rowCount: number
  empty: ReactNode
  className: string
  columns: readonly TableColumn[]
  /** The table's rows. */
  children: ReactNode
}

export function ResourceTable({ loaded, rowCount, empty, className, columns, children }: ResourceTableProps) {
  if (rowCount === 0) return loaded ? <p className="muted">{empty}</p> : null
  return (
    <div className="table-scroll">
      <table className={className}>
        <thead>
          <tr>
            {columns.map((column) =>
              typeof column === 'string' ? (
                <th key={column} scope="col">
                  {column}
                </th>
              ) : (
                <th key={column.label} scope="col">
                  <span className="visually-hidden">{column.label}</span>
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  )
}
