import { shortcutLabel, type Shortcut } from '../state/useShortcuts';

export function ShortcutsHelp(props: { shortcuts: readonly Shortcut[]; onClose: () => void }) {
  return (
    <div className="dialog-backdrop" role="presentation" onClick={props.onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" onClick={(e) => e.stopPropagation()}>
        <header className="view-header">
          <h3>Keyboard shortcuts</h3>
          <button type="button" className="icon-button" aria-label="Close" onClick={props.onClose} autoFocus>
            ×
          </button>
        </header>
        <table className="shortcuts">
          <tbody>
            {props.shortcuts.map((s) => (
              <tr key={s.keys}>
                <td>
                  <kbd>{shortcutLabel(s.keys)}</kbd>
                </td>
                <td>{s.description}</td>
              </tr>
            ))}
            <tr>
              <td>
                <kbd>wheel</kbd> / <kbd>drag</kbd>
              </td>
              <td>zoom a heatmap; double-click resets</td>
            </tr>
          </tbody>
        </table>
      </div>
    </div>
  );
}
