import type { components } from '@tessera/sdk/browser';

type Period = components['schemas']['UsagePeriodDto'];

const WIDTH = 720;
const HEIGHT = 180;
const PAD_LEFT = 36;
const PAD_BOTTOM = 24;
const HOURS = 24;

/**
 * Requests per hour over the last day as bars (rejected ones stacked in red): an SVG drawn here,
 * no chart library. The hours without a row had no request.
 */
export function UsageChart({ periods, now = new Date() }: { periods: Period[]; now?: Date }) {
  const end = new Date(now);
  end.setMinutes(0, 0, 0);
  const hours = Array.from({ length: HOURS }, (_, i) => {
    const start = new Date(end.getTime() - (HOURS - 1 - i) * 3_600_000);
    const row = periods.find((p) => new Date(p.period_start).getTime() === start.getTime());
    return { start, requests: row?.requests ?? 0, rejected: row?.rejected ?? 0 };
  });
  const total = hours.reduce((sum, h) => sum + h.requests, 0);
  const rejected = hours.reduce((sum, h) => sum + h.rejected, 0);
  const max = Math.max(1, ...hours.map((h) => h.requests));
  const plotWidth = WIDTH - PAD_LEFT;
  const plotHeight = HEIGHT - PAD_BOTTOM;
  const slot = plotWidth / HOURS;
  const y = (value: number) => plotHeight - (value / max) * (plotHeight - 8);
  const hourLabel = (date: Date) =>
    date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Requests per hour over the last 24 hours: ${total} in all, ${rejected} rejected`}
      >
        <line className="chart-axis" x1={PAD_LEFT} x2={WIDTH} y1={plotHeight} y2={plotHeight} />
        <line className="chart-grid" x1={PAD_LEFT} x2={WIDTH} y1={y(max)} y2={y(max)} />
        <text className="chart-label" x={PAD_LEFT - 6} y={y(max) + 4} textAnchor="end">
          {max}
        </text>
        <text className="chart-label" x={PAD_LEFT - 6} y={plotHeight + 4} textAnchor="end">
          0
        </text>
        {hours.map((h, i) => {
          const x = PAD_LEFT + i * slot + slot * 0.15;
          const width = slot * 0.7;
          const served = h.requests - h.rejected;
          return (
            <g key={h.start.toISOString()}>
              <title>{`${hourLabel(h.start)}: ${h.requests} requests, ${h.rejected} rejected`}</title>
              {served > 0 && (
                <rect
                  className="chart-bar"
                  x={x}
                  y={y(served)}
                  width={width}
                  height={plotHeight - y(served)}
                  rx={2}
                />
              )}
              {h.rejected > 0 && (
                <rect
                  className="chart-bar-rejected"
                  x={x}
                  y={y(h.requests)}
                  width={width}
                  height={y(served) - y(h.requests)}
                  rx={2}
                />
              )}
              {i % 6 === 0 && (
                <text className="chart-label" x={x + width / 2} y={HEIGHT - 6} textAnchor="middle">
                  {hourLabel(h.start)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="chart-legend">
        <span className="legend legend-served">Served</span>
        <span className="legend legend-rejected">Rejected</span>
        <span>
          {total} {total === 1 ? 'request' : 'requests'} in the last 24 hours
        </span>
      </figcaption>
    </figure>
  );
}
