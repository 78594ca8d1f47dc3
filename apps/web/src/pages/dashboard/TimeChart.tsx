// A time-series chart (lightweight-charts draws on a canvas, which our CSP allows). The canvas
// says nothing to a screen reader, so the figure carries a text summary as its label and caption. The
// library's attribution logo (its licence asks for it) stays on every chart.
import { Box, Text, useComputedColorScheme, VisuallyHidden } from '@mantine/core';
import { AreaSeries, ColorType, createChart, LineSeries, type DeepPartial, type PriceFormat } from 'lightweight-charts';
import { Component, useEffect, useRef, type ReactNode } from 'react';
import type { ChartPoint } from './chart-data.ts';

export interface ChartLine {
  label: string;
  color: string;
  kind?: 'line' | 'area';
  data: ChartPoint[];
}

interface TimeChartProps {
  lines: ChartLine[];
  /** What the chart shows, in words (its text alternative). */
  summary: string;
  height: number;
  /** A sparkline: no axes, no interaction. */
  compact?: boolean;
  intraday?: boolean;
  percent?: boolean;
  testId?: string;
}

function Chart({ lines, summary, height, compact = false, intraday = false, percent = false, testId }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const scheme = useComputedColorScheme('light');

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const dark = scheme === 'dark';
    const chart = createChart(element, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: dark ? '#c9c9c9' : '#343a40', attributionLogo: true },
      grid: { vertLines: { visible: !compact, color: dark ? '#333' : '#eee' }, horzLines: { visible: !compact, color: dark ? '#333' : '#eee' } },
      rightPriceScale: { visible: !compact, borderVisible: false },
      timeScale: { visible: !compact, timeVisible: intraday, secondsVisible: false, borderVisible: false },
      crosshair: compact ? { vertLine: { visible: false }, horzLine: { visible: false } } : {},
      handleScroll: !compact,
      handleScale: !compact,
    });
    const priceFormat: DeepPartial<PriceFormat> = percent ? { type: 'percent' } : { type: 'price', precision: 2, minMove: 0.01 };
    for (const line of lines) {
      const common = { priceFormat, lastValueVisible: !compact, priceLineVisible: false, title: compact ? '' : line.label };
      const series =
        line.kind === 'area'
          ? chart.addSeries(AreaSeries, { ...common, lineColor: line.color, topColor: `${line.color}55`, bottomColor: `${line.color}08`, lineWidth: 2 })
          : chart.addSeries(LineSeries, { ...common, color: line.color, lineWidth: 2 });
      series.setData(line.data);
    }
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [lines, scheme, compact, intraday, percent]);

  return (
    // A figure named by its summary (not role="img": the library's attribution link inside stays
    // reachable), with the summary also as its caption for anyone who cannot see the canvas.
    <Box component="figure" m={0} aria-label={summary} data-testid={testId}>
      <Box ref={container} h={height} w="100%" />
      <VisuallyHidden component="figcaption">{summary}</VisuallyHidden>
    </Box>
  );
}

/** A chart that cannot draw (no canvas, a library error) leaves its summary, not a broken screen. */
class ChartBoundary extends Component<{ summary: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <Text size="sm" role="note">
        The chart could not be drawn. {this.props.summary}
      </Text>
    );
  }
}

export function TimeChart(props: TimeChartProps) {
  return (
    <ChartBoundary summary={props.summary}>
      <Chart {...props} />
    </ChartBoundary>
  );
}
