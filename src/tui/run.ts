/**
 * Shows the overlay on a terminal until the user quits or the fleet stops. `start` and `watch` call
 * this; the streams are injectable so tests render into their own.
 */
import { render } from 'ink';
import { createElement } from 'react';
import { Overlay, type ExitKind } from './components/overlay.js';
import type { LiveFleet } from './live-fleet.js';
import type { FleetSource } from './source.js';

export interface OverlayOptions {
  readonly live: LiveFleet;
  readonly source: FleetSource;
  readonly mode: 'start' | 'watch';
  /** Called for `q` / `Q` / Ctrl-C; the overlay stays up until {@link OverlayHandle.close}. */
  readonly onQuit: (kind: ExitKind) => void;
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
}

export interface OverlayHandle {
  /** Takes the overlay off the screen (its last frame stays). */
  close(): Promise<void>;
}

/** Most frames per second: a busy fleet redraws at most this often. */
export const MAX_FPS = 10;

export function showOverlay(options: OverlayOptions): OverlayHandle {
  const instance = render(createElement(Overlay, { live: options.live, source: options.source, mode: options.mode, onQuit: options.onQuit }), {
    exitOnCtrlC: false,
    patchConsole: true,
    maxFps: MAX_FPS,
    ...(options.stdout ? { stdout: options.stdout } : {}),
    ...(options.stdin ? { stdin: options.stdin } : {}),
  });
  return {
    close: async () => {
      instance.unmount();
      await instance.waitUntilExit().catch(() => undefined);
    },
  };
}
