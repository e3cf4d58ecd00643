import {
  columnFilteringFeature,
  columnVisibilityFeature,
  createFilteredRowModel,
  createPaginatedRowModel,
  createSortedRowModel,
  filterFn_includesString,
  globalFilteringFeature,
  rowPaginationFeature,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_basic,
  tableFeatures,
  useTable,
  type ColumnDef,
  type RowData,
} from '@tanstack/react-table';
import { countOf } from '../format.js';

/** Sorting, a search box over all columns, and paging: enough for thousands of rows without a virtual list. */
export const gridFeatures = tableFeatures({
  columnVisibilityFeature,
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, basic: sortFn_basic },
  columnFilteringFeature,
  globalFilteringFeature,
  filteredRowModel: createFilteredRowModel(),
  filterFns: { includesString: filterFn_includesString },
  rowPaginationFeature,
  paginatedRowModel: createPaginatedRowModel(),
});

export type GridFeatures = typeof gridFeatures;
export type GridColumn<TRow extends RowData> = ColumnDef<GridFeatures, TRow>;

interface DataGridProps<TRow extends RowData> {
  columns: readonly GridColumn<TRow>[];
  data: TRow[];
  label: string;
  pageSize?: number;
  testId: string;
  searchPlaceholder?: string;
  onRowActivate?: (row: TRow) => void;
  /** Columns to hide, by id (the others are shown). */
  hiddenColumns?: readonly string[];
  /** Extra class of the grid, for screen-specific spacing. */
  className?: string;
}

export function DataGrid<TRow extends RowData>({
  columns,
  data,
  label,
  pageSize = 25,
  testId,
  searchPlaceholder = 'Filter rows…',
  onRowActivate,
  hiddenColumns = [],
  className,
}: DataGridProps<TRow>) {
  const columnVisibility = Object.fromEntries(hiddenColumns.map((id) => [id, false]));
  const table = useTable({
    features: gridFeatures,
    columns,
    data,
    globalFilterFn: 'includesString',
    getColumnCanGlobalFilter: () => true,
    initialState: { pagination: { pageIndex: 0, pageSize } },
    state: { columnVisibility },
  });
  const pagination = table.state.pagination;
  const pageCount = Math.max(1, table.getPageCount());
  const matching = table.getFilteredRowModel().rows.length;

  return (
    <div className={className === undefined ? 'grid' : `grid ${className}`} data-testid={testId}>
      <div className="grid-toolbar">
        <input
          type="search"
          className="grid-search"
          aria-label={`Filter ${label}`}
          placeholder={searchPlaceholder}
          value={String(table.state.globalFilter ?? '')}
          onChange={(event) => table.setGlobalFilter(event.target.value)}
        />
        <span className="muted" data-testid={`${testId}-count`}>
          {matching === data.length ? countOf(data.length, 'row') : `${matching} of ${countOf(data.length, 'row')}`}
        </span>
      </div>
      <div className="grid-scroll">
        <table aria-label={label}>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  return (
                    <th
                      key={header.id}
                      aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                    >
                      {header.isPlaceholder ? null : header.column.getCanSort() ? (
                        <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                          <table.FlexRender header={header} />
                          <span className="sort-mark" aria-hidden="true">
                            {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                          </span>
                        </button>
                      ) : (
                        <table.FlexRender header={header} />
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr
                key={row.id}
                tabIndex={onRowActivate ? 0 : undefined}
                className={onRowActivate ? 'activatable' : undefined}
                onDoubleClick={onRowActivate ? () => onRowActivate(row.original) : undefined}
                onKeyDown={
                  onRowActivate
                    ? (event) => {
                        if (event.key === 'Enter' && event.target === event.currentTarget) onRowActivate(row.original);
                      }
                    : undefined
                }
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))}
            {table.getRowModel().rows.length === 0 ? (
              <tr>
                <td colSpan={columns.length - hiddenColumns.length} className="muted empty-row">
                  {data.length === 0 ? "Nothing here yet." : "No rows match the filter."}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <div className="grid-pager">
        <button type="button" onClick={() => table.firstPage()} disabled={!table.getCanPreviousPage()} aria-label="First page">
          «
        </button>
        <button type="button" onClick={() => table.previousPage()} disabled={!table.getCanPreviousPage()} aria-label="Previous page">
          ‹
        </button>
        <span>
          Page {pagination.pageIndex + 1} of {pageCount}
        </span>
        <button type="button" onClick={() => table.nextPage()} disabled={!table.getCanNextPage()} aria-label="Next page">
          ›
        </button>
        <button type="button" onClick={() => table.lastPage()} disabled={!table.getCanNextPage()} aria-label="Last page">
          »
        </button>
        <label className="page-size">
          Rows per page{' '}
          <select value={pagination.pageSize} onChange={(event) => table.setPageSize(Number(event.target.value))}>
            {[10, 25, 50, 100].map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
      </div>
    </div>
  );
}
