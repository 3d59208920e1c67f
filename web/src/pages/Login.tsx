import { Alert, Button, Card, Form, Input, Tabs, Typography } from "antd";
import { useState } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { api, describeError } from "../api/client";
import { useStatus } from "../api/queries";
import type { TokenResponse } from "../api/types";
import { useAuth } from "../store/auth";

interface Credentials {
  username: string;
  password: string;
}

export default function Login() {
  const signIn = useAuth((s) => s.signIn);
  const navigate = useNavigate();
  const location = useLocation();
  const status = useStatus();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? "/";

  const submit = async (path: "/auth/login" | "/auth/register", values: Credentials) => {
    setBusy(true);
    setError(null);
    try {
      if (path === "/auth/register") {
        await api<unknown>(path, { method: "POST", body: values, auth: false });
      }
      const tokens = await api<TokenResponse>("/auth/login", { method: "POST", body: values, auth: false });
      signIn(tokens);
      navigate(from === "/login" ? "/" : from, { replace: true });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const form = (path: "/auth/login" | "/auth/register", label: string) => (
    <Form<Credentials> name={path === "/auth/login" ? "login" : "register"} layout="vertical" requiredMark={false} onFinish={(values) => void submit(path, values)} data-testid={path === "/auth/login" ? "login-form" : "register-form"}>
      <Form.Item label="Username" name="username" rules={[{ required: true, message: "Enter your username." }]}>
        <Input autoComplete="username" autoFocus />
      </Form.Item>
      <Form.Item
        label="Password"
        name="password"
        rules={[
          { required: true, message: "Enter your password." },
          ...(path === "/auth/register" ? [{ min: 8, message: "Use at least 8 characters." }] : []),
        ]}
      >
        <Input.Password autoComplete={path === "/auth/login" ? "current-password" : "new-password"} />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy}>
        {label}
      </Button>
    </Form>
  );

  const registrationOpen = status.data?.registration_open ?? false;
  return (
    <div style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", padding: 16 }}>
      <Card style={{ width: 380, maxWidth: "100%" }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          Bourse
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          {status.data ? `Venue ${status.data.version}, ${status.data.profile} profile` : "Sign in to trade."}
        </Typography.Paragraph>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} data-testid="login-error" />}
        <Tabs
          items={[
            { key: "login", label: "Sign in", children: form("/auth/login", "Sign in") },
            {
              key: "register",
              label: "Create account",
              children: registrationOpen ? (
                form("/auth/register", "Create account")
              ) : (
                <Typography.Paragraph type="secondary">
                  Registration is closed on this venue. Ask an administrator for an account.
                </Typography.Paragraph>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
