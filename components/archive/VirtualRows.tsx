"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";

/**
 * A windowed list: only the rows in view (plus a margin) are in the DOM, so a folder of 100,000
 * entries scrolls like one of 100. Rows have a fixed height; the spacer gives the scrollbar its size.
 * `onRange` reports which rows are needed, so the caller can fetch them page by page. Give it a new
 * React key for a new folder or sort: it starts again at the top.
 */
export function VirtualRows({
  count,
  rowHeight,
  height,
  overscan = 10,
  renderRow,
  onRange,
  label,
}: {
  count: number;
  rowHeight: number;
  height: number;
  overscan?: number;
  renderRow: (index: number) => ReactNode;
  onRange: (start: number, end: number) => void;
  label: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);

  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useEffect(() => {
    onRange(start, end);
  }, [start, end, onRange]);

  const rows: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    rows.push(
      <div key={i} role="row" aria-rowindex={i + 2} style={{ position: "absolute", top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div
      ref={scroller}
      role="rowgroup"
      aria-label={label}
      tabIndex={0}
      className="overflow-y-auto"
      style={{ height: Math.min(height, Math.max(count, 1) * rowHeight + 2) }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div style={{ position: "relative", height: count * rowHeight }}>{rows}</div>
    </div>
  );
}
