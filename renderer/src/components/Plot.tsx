import Plotly, { type PlotlyElement, type PlotlyPoint } from 'plotly.js-dist-min';
import { useEffect, useRef } from 'react';
import type { ChartFigure } from '../charts.js';

interface PlotProps {
  figure: ChartFigure;
  title: string;
  /** Called with the layer (x value) of a clicked point; only for figures whose x axis is the layer. */
  onLayerClick?: (layer: number) => void;
  /** Called with the clicked point's customdata (e.g. which sample it is). */
  onPointClick?: (customdata: unknown[]) => void;
  height?: number;
  testId: string;
}

const FONT = { family: 'system-ui, -apple-system, "Segoe UI", sans-serif', size: 13, color: '#2d3748' };

/**
 * Plotly's options for every chart of the workbench: no logo, and no way to send a chart (and its clinical data) to
 * Plotly's cloud or Chart Studio; the page is an offline tool.
 */
export const PLOT_CONFIG = {
  displaylogo: false,
  showSendToCloud: false,
  showEditInChartStudio: false,
  responsive: true,
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'sendDataToCloud'],
} as const;

/**
 * The layout of a chart. The legend sits at the bottom edge of the figure (container coordinates) and Plotly
 * grows the bottom margin to fit it, so however many rows its entries take it never covers the x axis title.
 */
export function plotLayout(figure: ChartFigure, title: string, height: number): Record<string, unknown> {
  const heatmap = figure.traces[0]?.type === 'heatmap';
  return {
    title: { text: title, font: { ...FONT, size: 15 }, x: 0, xanchor: 'left' },
    height,
    margin: { l: heatmap && !figure.categorical ? 150 : 64, r: 24, t: 44, b: 16, autoexpand: true },
    showlegend: !heatmap,
    font: FONT,
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    hovermode: 'closest',
    bargap: 0.05,
    barmode: figure.barmode,
    xaxis: {
      type: figure.categorical ? 'category' : undefined,
      title: { text: figure.xTitle, standoff: 8 },
      gridcolor: '#edf0f4',
      zeroline: false,
      automargin: true,
      dtick: figure.layerAxis && !heatmap ? 1 : undefined,
    },
    yaxis: {
      type: figure.categorical ? 'category' : undefined,
      title: { text: figure.yTitle },
      gridcolor: '#edf0f4',
      zeroline: false,
      automargin: true,
      range: figure.yRange,
      dtick: figure.yDtick,
      tickformat: figure.yDtick === undefined ? undefined : 'd',
      rangemode: figure.yDtick === undefined ? undefined : 'nonnegative',
    },
    legend: { orientation: 'h', x: 0, xanchor: 'left', xref: 'container', y: 0, yanchor: 'bottom', yref: 'container' },
  };
}

/** One interactive Plotly chart; hover shows values, clicking a point on a layer axis reports its layer. */
export function Plot({ figure, title, onLayerClick, onPointClick, height = 320, testId }: PlotProps) {
  const element = useRef<HTMLDivElement>(null);
  // Draws run one after another and the chart is purged only after the last one ends: Plotly fails when a chart is
  // purged, or drawn again, while an earlier draw (its auto-margin redraws) is still under way.
  const drawing = useRef<Promise<void>>(Promise.resolve());

  useEffect(() => {
    const target = element.current;
    if (!target) return;
    let cancelled = false;
    const draw = drawing.current.then(async () => {
      if (cancelled) return;
      const plot: PlotlyElement = await Plotly.react(target, figure.traces, plotLayout(figure, title, height), PLOT_CONFIG);
      if (cancelled) return;
      plot.removeAllListeners('plotly_click');
      plot.on('plotly_click', (event) => {
        const point: PlotlyPoint | undefined = event.points[0];
        if (point === undefined) return;
        if (onLayerClick && figure.layerAxis) {
          const layer = Number(point.x);
          if (Number.isInteger(layer)) onLayerClick(layer);
        }
        if (onPointClick && Array.isArray(point.customdata)) onPointClick(point.customdata);
      });
    });
    drawing.current = draw.catch((error: unknown) => console.error(error));
    return () => {
      cancelled = true;
    };
  }, [figure, title, height, onLayerClick, onPointClick]);

  useEffect(() => {
    const target = element.current;
    return () => {
      if (target) void drawing.current.then(() => Plotly.purge(target));
    };
  }, []);

  return <div ref={element} className="plot" data-testid={testId} role="img" aria-label={title} />;
}
