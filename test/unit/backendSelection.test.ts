import { describe, expect, it } from 'vitest';
import type { BackendName, BackendStatus } from '../../app/backends/backend';
import { referenceFallbackNotice, selectBackend } from '../../app/backends/selection';

const status = (name: BackendName, available: boolean, reason?: string): BackendStatus => ({ name, available, ...(reason ? { reason } : {}) });

describe('the reference-fallback notice', () => {
  const noAddon = [status('cuda', false, 'the native addon is not loaded'), status('cpu', false, 'build failed: no C++ compiler'), status('reference', true)];

  it('says why when auto lands on the reference because the native backend is missing', () => {
    expect(selectBackend('auto', noAddon)).toBe('reference');
    expect(referenceFallbackNotice('auto', noAddon)).toBe(
      'the native CPU backend is unavailable (build failed: no C++ compiler); using the reference backend, which gives the same numbers but is much slower',
    );
    expect(referenceFallbackNotice(' AUTO ', noAddon)).not.toBeNull();
  });

  it('stays quiet when the user named a backend, when a fast backend runs, or where no native backend exists', () => {
    expect(referenceFallbackNotice('reference', noAddon)).toBeNull();
    expect(referenceFallbackNotice('pytorch', noAddon)).toBeNull();
    expect(referenceFallbackNotice('auto', [status('cpu', true), status('reference', true)])).toBeNull();
    // The GPU picked by auto: the CPU backend's absence does not slow this run.
    expect(referenceFallbackNotice('auto', [status('cuda', true), status('cpu', false, 'x'), status('reference', true)])).toBeNull();
    // The static demo lists only the in-page reference engine.
    expect(referenceFallbackNotice('auto', [status('reference', true)])).toBeNull();
  });
});
