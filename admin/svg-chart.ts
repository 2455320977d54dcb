// A line chart as a complete, self-contained SVG string, rendered on the server: no scripts, no
// external resources, and no style attributes (the pages' Content-Security-Policy allows styles only
// from the service itself; presentation attributes such as fill are not styles). Same input, same
// string: no generated ids, no dates.

export interface ChartPoint {
  /** Numbers are placed to scale (gaps stay gaps); strings are evenly spaced categories. */
  x: number | string;
  y: number;
}

export interface ChartSeries {
  label: string;
  points: readonly ChartPoint[];
}

export interface LineChartOptions {
  width?: number;
  height?: number;
  /** The y axis; 1–5 (the scale questions) unless given. Values outside widen it. */
  yMin?: number;
  yMax?: number;
  /** Defaults to the series label. */
  title?: string;
  xAxisLabel?: string;
  yAxisLabel?: string;
  /** Shown when there are no points. */
  emptyText?: string;
}

const MARGIN = { top: 36, right: 20, bottom: 48, left: 52 };
const MAX_X_LABELS = 12;
const MAX_VISIBLE_TITLE = 80;
const COLOURS = { axis: '#52525b', grid: '#e4e4e7', line: '#1d4ed8', text: '#18181b' };

// Characters XML 1.0 does not allow at all (escaping cannot save them), including lone surrogates.
// eslint-disable-next-line no-control-regex -- finding the control characters XML forbids is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Coordinates with at most two decimals, so output does not depend on float noise. */
function coord(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function numberLabel(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

function truncated(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function frameOf(width: number, height: number): Frame {
  if (!(width > MARGIN.left + MARGIN.right) || !(height > MARGIN.top + MARGIN.bottom) || !Number.isFinite(width) || !Number.isFinite(height)) {
    throw new RangeError(`A chart needs to be larger than ${MARGIN.left + MARGIN.right}×${MARGIN.top + MARGIN.bottom}.`);
  }
  return { width, height, left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom };
}

function checkPoints(points: readonly ChartPoint[]): void {
  const bad = points.find((point) => !Number.isFinite(point.y) || (typeof point.x === 'number' && !Number.isFinite(point.x)));
  if (bad) throw new RangeError(`Chart points need finite numbers (got x=${String(bad.x)}, y=${String(bad.y)}).`);
}

interface YAxis {
  min: number;
  max: number;
  ticks: number[];
}

function yAxisOf(points: readonly ChartPoint[], options: LineChartOptions): YAxis {
  const min = Math.min(options.yMin ?? 1, ...points.map((p) => p.y));
  const max = Math.max(options.yMax ?? 5, ...points.map((p) => p.y));
  if (!(max > min)) throw new RangeError(`The y axis needs yMax > yMin (got ${min}–${max}).`);
  const integers = Number.isInteger(min) && Number.isInteger(max) && max - min <= 10;
  const ticks = integers ? Array.from({ length: max - min + 1 }, (_, i) => min + i) : Array.from({ length: 5 }, (_, i) => min + ((max - min) * i) / 4);
  return { min, max, ticks };
}

interface Placed {
  x: number;
  y: number;
  xLabel: string;
  point: ChartPoint;
}

/** Numeric x values to scale, sorted; otherwise categories in the order given. */
function placeX(points: readonly ChartPoint[], frame: Frame): { x: number; xLabel: string; point: ChartPoint }[] {
  const span = frame.right - frame.left;
  const middle = frame.left + span / 2;
  const numeric = points.every((p) => typeof p.x === 'number');
  if (numeric) {
    const sorted = [...points].sort((a, b) => Number(a.x) - Number(b.x));
    const xs = sorted.map((p) => Number(p.x));
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    return sorted.map((point, i) => ({ x: hi === lo ? middle : frame.left + ((xs[i] - lo) / (hi - lo)) * span, xLabel: numberLabel(xs[i]), point }));
  }
  const step = points.length > 1 ? span / (points.length - 1) : 0;
  return points.map((point, i) => ({ x: points.length > 1 ? frame.left + i * step : middle, xLabel: String(point.x), point }));
}

function yPosition(y: number, frame: Frame, axis: YAxis): number {
  return frame.bottom - ((y - axis.min) / (axis.max - axis.min)) * (frame.bottom - frame.top);
}

function place(points: readonly ChartPoint[], frame: Frame, axis: YAxis): Placed[] {
  return placeX(points, frame).map((placed) => ({ ...placed, y: yPosition(placed.point.y, frame, axis) }));
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${coord(x)}" y="${coord(y)}" fill="${COLOURS.text}"${attributes}>${escapeXml(content)}</text>`;
}

function yAxisMarkup(frame: Frame, axis: YAxis, label: string): string[] {
  const toY = (y: number) => yPosition(y, frame, axis);
  const lines = axis.ticks.flatMap((tick) => [
    `<line x1="${coord(frame.left)}" y1="${coord(toY(tick))}" x2="${coord(frame.right)}" y2="${coord(toY(tick))}" stroke="${COLOURS.grid}"/>`,
    text(frame.left - 8, toY(tick) + 4, numberLabel(tick), ' text-anchor="end"'),
  ]);
  const middle = (frame.top + frame.bottom) / 2;
  const axisLabel = text(14, middle, label, ` text-anchor="middle" transform="rotate(-90 14 ${coord(middle)})"`);
  return [
    ...lines,
    `<line x1="${coord(frame.left)}" y1="${coord(frame.top)}" x2="${coord(frame.left)}" y2="${coord(frame.bottom)}" stroke="${COLOURS.axis}"/>`,
    axisLabel,
  ];
}

function xAxisMarkup(frame: Frame, placed: Placed[], label: string): string[] {
  const every = Math.ceil(placed.length / MAX_X_LABELS);
  const tickLabels = placed.filter((_, i) => i % every === 0).map((p) => text(p.x, frame.bottom + 18, p.xLabel, ' text-anchor="middle"'));
  return [
    `<line x1="${coord(frame.left)}" y1="${coord(frame.bottom)}" x2="${coord(frame.right)}" y2="${coord(frame.bottom)}" stroke="${COLOURS.axis}"/>`,
    ...tickLabels,
    text((frame.left + frame.right) / 2, frame.height - 8, label, ' text-anchor="middle"'),
  ];
}

function pointText(p: Placed, xAxisLabel: string): string {
  return `${xAxisLabel} ${p.xLabel}: ${numberLabel(p.point.y)}`;
}

function dataMarkup(frame: Frame, placed: Placed[], xAxisLabel: string, emptyText: string): string[] {
  if (placed.length === 0) return [text((frame.left + frame.right) / 2, (frame.top + frame.bottom) / 2, emptyText, ' text-anchor="middle"')];
  const line =
    placed.length > 1
      ? [`<polyline points="${placed.map((p) => `${coord(p.x)},${coord(p.y)}`).join(' ')}" fill="none" stroke="${COLOURS.line}" stroke-width="2"/>`]
      : [];
  const dots = placed.map(
    (p) => `<circle cx="${coord(p.x)}" cy="${coord(p.y)}" r="4" fill="${COLOURS.line}"><title>${escapeXml(pointText(p, xAxisLabel))}</title></circle>`,
  );
  return [...line, ...dots];
}

/** A text version of the data, for screen readers. */
function description(placed: Placed[], xAxisLabel: string): string {
  if (placed.length === 0) return 'No data points.';
  return `${placed.length} point${placed.length === 1 ? '' : 's'}: ${placed.map((p) => pointText(p, xAxisLabel)).join('; ')}.`;
}

export function lineChartSvg(series: ChartSeries, options: LineChartOptions = {}): string {
  checkPoints(series.points);
  const frame = frameOf(options.width ?? 480, options.height ?? 240);
  const axis = yAxisOf(series.points, options);
  const placed = place(series.points, frame, axis);
  const title = options.title ?? series.label;
  const xAxisLabel = options.xAxisLabel ?? 'Cycle';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${escapeXml(title)}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<desc>${escapeXml(description(placed, xAxisLabel))}</desc>`,
    `<rect x="0" y="0" width="${frame.width}" height="${frame.height}" fill="#ffffff"/>`,
    text(frame.left, 20, truncated(title, MAX_VISIBLE_TITLE), ' font-size="14" font-weight="bold"'),
    ...yAxisMarkup(frame, axis, options.yAxisLabel ?? 'Answer'),
    ...xAxisMarkup(frame, placed, xAxisLabel),
    ...dataMarkup(frame, placed, xAxisLabel, options.emptyText ?? 'No answers yet'),
    '</svg>',
  ].join('\n');
}
