import { useEffect, useRef } from 'react';

export interface Shortcut {
  /** e.g. "Mod+O" (Mod = Ctrl, or Cmd on macOS), "Mod+Enter", "Escape", "?" */
  readonly keys: string;
  readonly description: string;
  readonly run: () => void;
  /** Also fires while typing in a text field (Escape, Mod+Enter do; "?" must not). */
  readonly inInputs?: boolean;
}

function matches(e: KeyboardEvent, keys: string): boolean {
  const parts = keys.split('+');
  const key = parts.pop()!;
  const mod = parts.includes('Mod');
  const shift = parts.includes('Shift');
  if (mod !== (e.ctrlKey || e.metaKey)) return false;
  if (key.length === 1 && /[a-z]/i.test(key)) {
    if (shift !== e.shiftKey) return false;
    return e.key.toLowerCase() === key.toLowerCase();
  }
  return e.key === key;
}

function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || (el.tagName === 'INPUT' && !['checkbox', 'radio', 'button'].includes((el as HTMLInputElement).type)) || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
}

/** Window-wide keyboard shortcuts; the list is also what the help dialog shows. */
export function useShortcuts(shortcuts: readonly Shortcut[]): void {
  const current = useRef(shortcuts);
  current.current = shortcuts;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      for (const s of current.current) {
        if (matches(e, s.keys) && (s.inInputs || !typingIn(e.target))) {
          e.preventDefault();
          s.run();
          return;
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function shortcutLabel(keys: string): string {
  const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
  return keys.replace('Mod', mac ? '⌘' : 'Ctrl');
}
