import {
  AlertOutlined,
  AreaChartOutlined,
  DashboardOutlined,
  ExperimentOutlined,
  LineChartOutlined,
  LogoutOutlined,
  MenuOutlined,
  MoonOutlined,
  RobotOutlined,
  SafetyOutlined,
  SettingOutlined,
  SunOutlined,
  ThunderboltOutlined,
  WalletOutlined,
} from "@ant-design/icons";
import { Badge, Button, Drawer, Dropdown, Grid, Layout, Menu, Skeleton, Space, Tooltip, Typography } from "antd";
import { Suspense, lazy, useEffect, useState } from "react";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { api } from "./api/client";
import { useAuth } from "./store/auth";
import { useUi } from "./store/ui";
import { wsClient } from "./ws/live";

const Login = lazy(() => import("./pages/Login"));
const Dashboard = lazy(() => import("./pages/Dashboard"));
const Trading = lazy(() => import("./pages/Trading"));
const Portfolio = lazy(() => import("./pages/Portfolio"));
const Settings = lazy(() => import("./pages/Settings"));
const NotYet = lazy(() => import("./pages/NotYet"));
const Risk = lazy(() => import("./pages/Risk"));
const Monitoring = lazy(() => import("./pages/Monitoring"));
const Backtests = lazy(() => import("./pages/Backtests"));
const Strategies = lazy(() => import("./pages/Strategies"));
const Signals = lazy(() => import("./pages/Signals"));

type Role = "admin" | "trader" | "compliance" | "auditor";
const EVERYONE: Role[] = ["admin", "trader", "compliance", "auditor"];
const STAFF: Role[] = ["admin", "compliance", "auditor"];

/** The pages, grouped by who uses them; each role sees the pages it may use. */
const groups: { key: string; label: string; pages: { key: string; icon: JSX.Element; label: string; roles: Role[] }[] }[] = [
  {
    key: "trading",
    label: "Trading",
    pages: [
      { key: "/", icon: <DashboardOutlined />, label: "Dashboard", roles: EVERYONE },
      { key: "/trading", icon: <LineChartOutlined />, label: "Trading", roles: EVERYONE },
      { key: "/portfolio", icon: <WalletOutlined />, label: "Portfolio", roles: ["admin", "trader"] },
    ],
  },
  {
    key: "strategies",
    label: "Strategies",
    pages: [
      { key: "/strategies", icon: <RobotOutlined />, label: "Strategies", roles: ["admin", "trader"] },
      { key: "/signals", icon: <ThunderboltOutlined />, label: "Signals", roles: ["admin", "trader"] },
      { key: "/backtests", icon: <ExperimentOutlined />, label: "Backtests", roles: EVERYONE },
    ],
  },
  { key: "risk", label: "Risk and compliance", pages: [{ key: "/risk", icon: <AlertOutlined />, label: "Risk", roles: EVERYONE }] },
  {
    key: "operations",
    label: "Operations",
    pages: [
      { key: "/monitoring", icon: <AreaChartOutlined />, label: "Monitoring", roles: ["admin"] },
      { key: "/security", icon: <SafetyOutlined />, label: "Security", roles: STAFF },
    ],
  },
  { key: "administration", label: "Account", pages: [{ key: "/settings", icon: <SettingOutlined />, label: "Settings", roles: EVERYONE }] },
];

/** The menu items a role sees, in groups. */
export function menuFor(role: string | undefined) {
  const r = (role ?? "trader") as Role;
  return groups
    .map((g) => ({ ...g, pages: g.pages.filter((p) => p.roles.includes(r)) }))
    .filter((g) => g.pages.length > 0)
    .map((g) => ({ type: "group" as const, key: g.key, label: g.label, children: g.pages.map(({ key, icon, label }) => ({ key, icon, label })) }));
}
const sections = groups.flatMap((g) => g.pages);

function ConnectionBadge() {
  const status = useUi((s) => s.wsStatus);
  const color = status === "open" ? "green" : status === "connecting" ? "gold" : "red";
  const text = status === "open" ? "Live" : status === "connecting" ? "Connecting" : "Offline";
  return (
    <Tooltip title="Live data connection">
      <Badge color={color} text={text} data-testid="ws-status" />
    </Tooltip>
  );
}

function Shell() {
  const navigate = useNavigate();
  const location = useLocation();
  const session = useAuth((s) => s.session);
  const signOut = useAuth((s) => s.signOut);
  const { theme, toggleTheme } = useUi();
  const screens = Grid.useBreakpoint();
  const [drawer, setDrawer] = useState(false);
  const narrow = !screens.md;
  useEffect(() => {
    wsClient();
  }, []);
  const selected = sections.find((s) => s.key !== "/" && location.pathname.startsWith(s.key))?.key ?? "/";
  const logout = async () => {
    const refresh = useAuth.getState().session?.refreshToken;
    if (refresh) await api("/auth/logout", { method: "POST", body: { refresh_token: refresh } }).catch(() => undefined);
    signOut();
    navigate("/login");
  };
  const menu = (
    <Menu
      mode="inline"
      selectedKeys={[selected]}
      items={menuFor(session?.user.role)}
      onClick={(e) => {
        setDrawer(false);
        navigate(e.key);
      }}
      style={{ borderInlineEnd: "none" }}
    />
  );
  return (
    <Layout style={{ minHeight: "100vh" }}>
      {!narrow && (
        <Layout.Sider width={200} theme="light" style={{ borderRight: "1px solid rgba(128,128,128,0.15)" }}>
          <div style={{ padding: "18px 20px", fontWeight: 700, fontSize: 18 }}>
            <Typography.Text strong style={{ fontSize: 18 }}>
              Bourse
            </Typography.Text>
          </div>
          {menu}
        </Layout.Sider>
      )}
      <Layout>
        <Layout.Header
          style={{
            display: "flex",
            alignItems: "center",
            gap: 12,
            padding: narrow ? "0 8px" : "0 20px",
            background: "transparent",
            borderBottom: "1px solid rgba(128,128,128,0.15)",
          }}
        >
          {narrow && (
            <>
              <Button type="text" aria-label="Open navigation" icon={<MenuOutlined />} onClick={() => setDrawer(true)} />
              <Typography.Text strong style={{ fontSize: 16 }}>
                Bourse
              </Typography.Text>
              <Drawer open={drawer} onClose={() => setDrawer(false)} placement="left" width={240} title="Bourse" styles={{ body: { padding: 0 } }}>
                {menu}
              </Drawer>
            </>
          )}
          <div style={{ flex: 1 }} />
          <Space size={narrow ? 4 : 12}>
            <ConnectionBadge />
            <Tooltip title={theme === "dark" ? "Light theme" : "Dark theme"}>
              <Button type="text" aria-label="Toggle theme" icon={theme === "dark" ? <SunOutlined /> : <MoonOutlined />} onClick={toggleTheme} />
            </Tooltip>
            <Dropdown
              menu={{
                items: [
                  { key: "settings", icon: <SettingOutlined />, label: "Settings", onClick: () => navigate("/settings") },
                  { key: "logout", icon: <LogoutOutlined />, label: "Sign out", onClick: () => void logout() },
                ],
              }}
            >
              <Button type="text" data-testid="user-menu">
                {session?.user.username}
              </Button>
            </Dropdown>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: narrow ? 8 : 20 }}>
          <Suspense fallback={<Skeleton active paragraph={{ rows: 8 }} />}>
            <Routes>
              <Route path="/" element={<Dashboard />} />
              <Route path="/trading" element={<Trading />} />
              <Route path="/trading/:symbol" element={<Trading />} />
              <Route path="/portfolio" element={<Portfolio />} />
              <Route path="/settings" element={<Settings />} />
              <Route path="/strategies" element={<Strategies />} />
              <Route path="/signals" element={<Signals />} />
              <Route path="/backtests" element={<Backtests />} />
              <Route path="/risk" element={<Risk />} />
              <Route path="/monitoring" element={<Monitoring />} />
              <Route path="/security" element={<NotYet section="Security" />} />
              <Route path="*" element={<NotYet section="This page" missing />} />
            </Routes>
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

export function App() {
  const session = useAuth((s) => s.session);
  const location = useLocation();
  if (!session && location.pathname !== "/login") {
    return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  }
  if (location.pathname === "/login") {
    return (
      <Suspense fallback={<Skeleton active />}>
        {session ? <Navigate to="/" replace /> : <Login />}
      </Suspense>
    );
  }
  return <Shell />;
}
