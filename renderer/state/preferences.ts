import { useEffect, useState } from 'react';

/**
 * Small UI preferences kept across sessions in localStorage (theme, pane widths, recent
 * paths). Unreadable or missing values fall back to the default; storage may be shut (private
 * windows, file://), which only means nothing is remembered.
 */
function read<T>(key: string, fallback: T, valid: (v: unknown) => v is T): T {
  try {
    const raw = localStorage.getItem(`fp4lab.${key}`);
    if (raw === null) return fallback;
    const v: unknown = JSON.parse(raw);
    return valid(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(`fp4lab.${key}`, JSON.stringify(value));
  } catch {
    // storage unavailable: the preference lives for this session only
  }
}

export function usePreference<T>(key: string, fallback: () => T, valid: (v: unknown) => v is T): [T, (v: T | ((old: T) => T)) => void] {
  const [value, setValue] = useState<T>(() => read(key, fallback(), valid));
  useEffect(() => write(key, value), [key, value]);
  return [value, setValue];
}

export type ThemeName = 'light' | 'dark';
export const isThemeName = (v: unknown): v is ThemeName => v === 'light' || v === 'dark';
export const isPaneWidths = (v: unknown): v is { left: number; right: number } =>
  typeof v === 'object' && v !== null && typeof (v as { left: unknown }).left === 'number' && typeof (v as { right: unknown }).right === 'number';
export const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

export function systemTheme(): ThemeName {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
