import type { Action } from 'svelte/action';

/** `use:srcObject={stream}`: sets a <video>/<audio> element's `srcObject` (null clears it). */
export const srcObject: Action<HTMLMediaElement, MediaStream | null> = (node, stream) => {
  const set = (s: MediaStream | null) => {
    if (node.srcObject !== s) node.srcObject = s;
    if (s) node.play().catch(() => undefined);
  };
  set(stream ?? null);
  return {
    update: (s) => set(s ?? null),
    destroy: () => {
      node.srcObject = null;
    },
  };
};
