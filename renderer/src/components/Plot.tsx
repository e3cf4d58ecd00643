import Plotly, { type PlotlyElement } from 'plotly.js-dist-min';
import { useEffect, useRef } from 'react';
import type { ChartFigure } from '../charts.js';

interface PlotProps {
  figure: ChartFigure;
  title: string;
  /** Called with the layer (x value) of a clicked point; only for figures whose x axis is the layer. */
  onLayerClick?: (layer: number) => void;
  height?: number;
  testId: string;
}

const FONT = { family: 'system-ui, -apple-system, "Segoe UI", sans-serif', size: 13, color: '#2d3748' };

/** One interactive Plotly chart; hover shows values, clicking a point on a layer axis reports its layer. */
export function Plot({ figure, title, onLayerClick, height = 320, testId }: PlotProps) {
  const element = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const target = element.current;
    if (!target) return;
    let cancelled = false;
    const heatmap = figure.traces[0]?.type === 'heatmap';
    void Plotly.react(
      target,
      figure.traces,
      {
        title: { text: title, font: { ...FONT, size: 15 }, x: 0, xanchor: 'left' },
        height,
        margin: { l: heatmap ? 150 : 64, r: 24, t: 44, b: 84 },
        showlegend: true,
        font: FONT,
        paper_bgcolor: '#ffffff',
        plot_bgcolor: '#ffffff',
        hovermode: 'closest',
        bargap: 0.05,
        xaxis: { title: { text: figure.xTitle }, gridcolor: '#edf0f4', zeroline: false, dtick: figure.layerAxis && !heatmap ? 1 : undefined },
        yaxis: { title: { text: figure.yTitle }, gridcolor: '#edf0f4', zeroline: false, automargin: true, range: figure.yRange, dtick: figure.yDtick },
        legend: { orientation: 'h', x: 0, y: -0.3, yanchor: 'top' },
      },
      { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['select2d', 'lasso2d'] },
    ).then((plot: PlotlyElement) => {
      if (cancelled) return;
      plot.removeAllListeners('plotly_click');
      if (!onLayerClick || !figure.layerAxis) return;
      plot.on('plotly_click', (event) => {
        const layer = Number(event.points[0]?.x);
        if (Number.isInteger(layer)) onLayerClick(layer);
      });
    });
    return () => {
      cancelled = true;
    };
  }, [figure, title, height, onLayerClick]);

  useEffect(() => {
    const target = element.current;
    return () => {
      if (target) Plotly.purge(target);
    };
  }, []);

  return <div ref={element} className="plot" data-testid={testId} role="img" aria-label={title} />;
}
