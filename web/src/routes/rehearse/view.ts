/** /rehearse's two views: `focus` (camera, the current nudge large, one metric) and `dashboard` (every card). */
export type RehearseView = 'focus' | 'dashboard';

/** localStorage key of the presenter's chosen view. */
export const VIEW_KEY = 'lectern.rehearse.view';

const isView = (v: string | null | undefined): v is RehearseView => v === 'focus' || v === 'dashboard';

/**
 * The view to open: `?view=` when valid, else the stored choice, else `focus`.
 * @param query the `view` search parameter (null when absent).
 * @param storage localStorage (undefined or throwing: not available).
 */
export function storedView(query: string | null, storage: Pick<Storage, 'getItem'> | undefined): RehearseView {
  if (isView(query)) return query;
  try {
    const v = storage?.getItem(VIEW_KEY);
    return isView(v) ? v : 'focus';
  } catch {
    return 'focus';
  }
}

/** Keeps the choice (ignored when storage is unavailable, e.g. some private modes). */
export function storeView(storage: Pick<Storage, 'setItem'> | undefined, view: RehearseView): void {
  try {
    storage?.setItem(VIEW_KEY, view);
  } catch {
    // no storage: the choice lasts for this page
  }
}
