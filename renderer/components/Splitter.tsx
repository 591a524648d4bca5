import { useRef } from 'react';

export interface SplitterProps {
  readonly label: string;
  readonly value: number;
  readonly min: number;
  readonly max: number;
  /** +1: dragging right grows the pane (a left pane); -1: a right pane. */
  readonly direction: 1 | -1;
  readonly onChange: (value: number) => void;
}

/** A vertical separator that resizes the pane next to it, by pointer or by arrow keys. */
export function Splitter(props: SplitterProps) {
  const start = useRef<{ x: number; value: number } | null>(null);
  const clamp = (v: number) => Math.round(Math.min(props.max, Math.max(props.min, v)));
  return (
    <div
      className="splitter"
      role="separator"
      aria-orientation="vertical"
      aria-label={props.label}
      aria-valuenow={props.value}
      aria-valuemin={props.min}
      aria-valuemax={props.max}
      tabIndex={0}
      onPointerDown={(e) => {
        start.current = { x: e.clientX, value: props.value };
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e) => {
        if (start.current) props.onChange(clamp(start.current.value + props.direction * (e.clientX - start.current.x)));
      }}
      onPointerUp={() => {
        start.current = null;
      }}
      onKeyDown={(e) => {
        const step = e.shiftKey ? 64 : 16;
        if (e.key === 'ArrowLeft') props.onChange(clamp(props.value - props.direction * step));
        else if (e.key === 'ArrowRight') props.onChange(clamp(props.value + props.direction * step));
        else return;
        e.preventDefault();
      }}
    />
  );
}
