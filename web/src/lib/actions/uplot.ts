import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Action } from 'svelte/action';

export interface UplotParams {
  /** uPlot options without size (width follows the element, height is `height`). */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  /** Plot height in CSS px (default 240). */
  height?: number;
}

/**
 * `use:uplot={{ options, data }}`: mounts a uPlot chart in the element, keeps its width in sync
 * with the element (ResizeObserver) and calls `setData` whenever the parameter changes. A new
 * `options` object recreates the chart.
 */
export const uplot: Action<HTMLElement, UplotParams> = (node, initial) => {
  let params = initial;
  let chart = create(params);

  function create(p: UplotParams): uPlot {
    return new uPlot({ ...p.options, width: Math.max(200, node.clientWidth), height: p.height ?? 240 }, p.data, node);
  }

  let lastWidth = node.clientWidth;
  const ro = new ResizeObserver(() => {
    const width = node.clientWidth;
    if (width === lastWidth || width === 0) return;
    lastWidth = width;
    chart.setSize({ width: Math.max(200, width), height: params.height ?? 240 });
  });
  ro.observe(node);

  return {
    update(next) {
      if (next.options !== params.options || next.height !== params.height) {
        chart.destroy();
        params = next;
        chart = create(next);
        return;
      }
      params = next;
      chart.setData(next.data);
    },
    destroy() {
      ro.disconnect();
      chart.destroy();
    },
  };
};
