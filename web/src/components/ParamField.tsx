// One parameter of a built-in strategy as a form field, made from the venue's own
// specification (its type, range and default), with the problem shown under it.

import { Form, InputNumber, Select, Typography } from "antd";
import type { BuiltinStrategy, ParamValue } from "../api/types";
import { paramProblem } from "../lib/backtest";

export function ParamField({ spec, value, onChange }: { spec: BuiltinStrategy["params"][number]; value: ParamValue | undefined; onChange: (v: ParamValue) => void }) {
  const problem = paramProblem(spec, value);
  const label = (
    <span>
      {spec.name} <Typography.Text type="secondary">({spec.description})</Typography.Text>
    </span>
  );
  return (
    <Form.Item label={label} validateStatus={problem ? "error" : ""} help={problem ?? undefined} style={{ marginBottom: 12 }}>
      {spec.type === "choice" ? (
        <Select value={String(value ?? "")} onChange={onChange} options={spec.options.map((o) => ({ value: o, label: o }))} data-testid={`param-${spec.name}`} />
      ) : (
        <InputNumber
          value={typeof value === "number" ? value : undefined}
          min={spec.min ?? undefined}
          max={spec.max ?? undefined}
          step={spec.type === "integer" ? 1 : 0.01}
          onChange={(v) => v !== null && onChange(v)}
          style={{ width: "100%" }}
          data-testid={`param-${spec.name}`}
        />
      )}
    </Form.Item>
  );
}

