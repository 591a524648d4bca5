import type { ReactNode } from 'react';

/** A labelled control with its error underneath (errors sit next to what caused them). */
export function Field(props: { id: string; label: ReactNode; hint?: string; error?: string; children: ReactNode; inline?: boolean }) {
  return (
    <div className={`field${props.inline ? ' field-inline' : ''}${props.error ? ' field-invalid' : ''}`}>
      <label htmlFor={props.id} title={props.hint}>
        {props.label}
      </label>
      {props.children}
      {props.error && (
        <p className="field-error" id={`${props.id}-error`} role="alert" data-testid={`error-${props.id}`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** aria attributes tying a control to its Field's error. */
export function invalidProps(id: string, error: string | undefined): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  return error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};
}

/** A library kwarg name, as users know it from the Python API. */
export function KwargName(props: { name: string }) {
  return <code className="kwarg">{props.name}</code>;
}
