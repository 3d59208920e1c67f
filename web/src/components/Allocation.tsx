// The share of each asset in the account's value, as a donut with a legend.

import { Typography } from "antd";

export interface Slice {
  label: string;
  /** Percent with two decimals, as text. */
  percent: string;
}

const COLORS = ["#1668dc", "#16a34a", "#f59e0b", "#9333ea", "#dc2626", "#0891b2", "#64748b"];

export function Allocation({ slices }: { slices: Slice[] }) {
  const radius = 52;
  const circumference = 2 * Math.PI * radius;
  let offset = 0;
  return (
    <div style={{ display: "flex", gap: 24, alignItems: "center", flexWrap: "wrap" }} data-testid="allocation">
      <svg width={140} height={140} viewBox="0 0 140 140" role="img" aria-label="Allocation by asset">
        <circle cx={70} cy={70} r={radius} fill="none" stroke="rgba(128,128,128,0.15)" strokeWidth={22} />
        {slices.map((s, n) => {
          const length = (Number(s.percent) / 100) * circumference;
          const circle = (
            <circle
              key={s.label}
              cx={70}
              cy={70}
              r={radius}
              fill="none"
              stroke={COLORS[n % COLORS.length]}
              strokeWidth={22}
              strokeDasharray={`${length} ${circumference - length}`}
              strokeDashoffset={-offset}
              transform="rotate(-90 70 70)"
            />
          );
          offset += length;
          return circle;
        })}
      </svg>
      <div>
        {slices.length === 0 && <Typography.Text type="secondary">Nothing held yet.</Typography.Text>}
        {slices.map((s, n) => (
          <div key={s.label} style={{ display: "flex", alignItems: "center", gap: 8, lineHeight: "24px" }}>
            <span style={{ width: 10, height: 10, borderRadius: 2, background: COLORS[n % COLORS.length], display: "inline-block" }} />
            <span style={{ minWidth: 48 }}>{s.label}</span>
            <span className="num muted">{s.percent}%</span>
          </div>
        ))}
      </div>
    </div>
  );
}
