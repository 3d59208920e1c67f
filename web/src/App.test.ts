import { describe, expect, it } from "vitest";
import { menuFor } from "./App";

const pages = (role: string) => menuFor(role).flatMap((g) => g.children.map((c) => c.key));

describe("navigation", () => {
  it("shows Monitoring to admins only", () => {
    expect(pages("admin")).toContain("/monitoring");
    for (const role of ["trader", "compliance", "auditor"]) expect(pages(role)).not.toContain("/monitoring");
  });
  it("leaves Security to the staff", () => {
    for (const role of ["admin", "compliance", "auditor"]) expect(pages(role)).toContain("/security");
    expect(pages("trader")).not.toContain("/security");
  });
  it("shows Backtests to everyone and Strategies and Signals to those who trade", () => {
    for (const role of ["admin", "trader", "compliance", "auditor"]) expect(pages(role)).toContain("/backtests");
    for (const role of ["admin", "trader"]) expect(pages(role)).toEqual(expect.arrayContaining(["/strategies", "/signals"]));
    for (const page of ["/strategies", "/signals"]) expect(pages("auditor")).not.toContain(page);
  });
  it("drops a group a role has no page in", () => {
    expect(menuFor("trader").map((g) => g.key)).not.toContain("operations");
    expect(menuFor("compliance").find((g) => g.key === "operations")?.children.map((c) => c.key)).toEqual(["/security"]);
  });
});
