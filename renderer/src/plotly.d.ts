// The few plotly.js-dist-min entry points the workbench uses (the package ships no types).
declare module 'plotly.js-dist-min' {
  export interface PlotlyPoint {
    x: number | string;
    y: number | string;
    z?: number;
    customdata?: unknown;
    data: { meta?: unknown };
  }
  export interface PlotlyEvent {
    points: PlotlyPoint[];
  }
  export interface PlotlyElement extends HTMLDivElement {
    on(event: 'plotly_click', handler: (event: PlotlyEvent) => void): void;
    removeAllListeners(event: string): void;
    data: unknown[];
  }
  const Plotly: {
    react(element: HTMLElement, data: unknown[], layout: Record<string, unknown>, config: Record<string, unknown>): Promise<PlotlyElement>;
    purge(element: HTMLElement): void;
    Plots: { resize(element: HTMLElement): void };
  };
  export default Plotly;
}
