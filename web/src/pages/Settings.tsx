import { Alert, App, Button, Card, Checkbox, Descriptions, Form, Input, Modal, Popconfirm, Skeleton, Space, Table, Tag, Typography } from "antd";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, describeError } from "../api/client";
import { keys, useApiKeys, useMe } from "../api/queries";
import type { ApiKey, ApiKeyCreated, TokenResponse } from "../api/types";
import { useAuth } from "../store/auth";
import { EmptyState, ErrorState } from "../components/common";

function Profile() {
  const me = useMe();
  if (me.isPending) return <Skeleton active paragraph={{ rows: 2 }} />;
  if (me.error) return <ErrorState error={me.error} retry={() => void me.refetch()} />;
  return (
    <Descriptions column={1} size="small" data-testid="profile">
      <Descriptions.Item label="Username">{me.data.username}</Descriptions.Item>
      <Descriptions.Item label="Role">
        <Tag>{me.data.role}</Tag>
      </Descriptions.Item>
      <Descriptions.Item label="User id">
        <Typography.Text copyable className="num">
          {me.data.id}
        </Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label="Member since">{new Date(me.data.created_at).toLocaleString()}</Descriptions.Item>
    </Descriptions>
  );
}

interface PasswordForm {
  current_password: string;
  new_password: string;
  confirm: string;
}

function PasswordChange() {
  const { message } = App.useApp();
  const [form] = Form.useForm<PasswordForm>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (values: PasswordForm) => {
    setBusy(true);
    setError(null);
    try {
      // Every session of the account ends; the answer is a new one for this browser.
      const tokens = await api<TokenResponse>("/me/password", { method: "POST", body: { current_password: values.current_password, new_password: values.new_password } });
      useAuth.getState().setTokens(tokens);
      void message.success("Password changed. Every other session has been signed out.");
      form.resetFields();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} style={{ maxWidth: 360 }} requiredMark={false}>
      <Form.Item label="Current password" name="current_password" rules={[{ required: true, message: "Enter your current password." }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <Form.Item label="New password" name="new_password" rules={[{ required: true, message: "Enter a new password." }, { min: 8, max: 128, message: "Use 8 to 128 characters." }]}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item
        label="Repeat the new password"
        name="confirm"
        dependencies={["new_password"]}
        rules={[
          { required: true, message: "Repeat the new password." },
          ({ getFieldValue }) => ({
            validator: (_, value) => (value === getFieldValue("new_password") ? Promise.resolve() : Promise.reject(new Error("The two passwords differ."))),
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Button type="primary" htmlType="submit" loading={busy}>
        Change password
      </Button>
    </Form>
  );
}

function ApiKeys() {
  const { message } = App.useApp();
  const client = useQueryClient();
  const list = useApiKeys();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["read"]);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    setError(null);
    if (!name.trim()) {
      setError("Give the key a name, such as the bot that will use it.");
      return;
    }
    if (scopes.length === 0) {
      setError("Choose at least one scope.");
      return;
    }
    setBusy(true);
    try {
      const result = await api<ApiKeyCreated>("/api-keys", { method: "POST", body: { name: name.trim(), scopes } });
      setCreated(result);
      setName("");
      void client.invalidateQueries({ queryKey: keys.apiKeys });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (key: ApiKey) => {
    try {
      await api<unknown>(`/api-keys/${key.id}`, { method: "DELETE" });
      void message.success(`Key ${key.name} revoked.`);
    } catch (e) {
      void message.error(describeError(e));
    }
    void client.invalidateQueries({ queryKey: keys.apiKeys });
  };
  return (
    <Space direction="vertical" style={{ width: "100%" }} size={12}>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        Bots authenticate with an API key in the <code>X-API-Key</code> header or on the WebSocket. <b>read</b> sees balances, orders and trades;{" "}
        <b>trade</b> also places and cancels orders.
      </Typography.Paragraph>
      <Space wrap>
        <Input placeholder="Key name" value={name} onChange={(e) => setName(e.target.value)} style={{ width: 200 }} maxLength={64} data-testid="api-key-name" />
        <Checkbox.Group value={scopes} onChange={(v) => setScopes(v as string[])} options={[{ label: "read", value: "read" }, { label: "trade", value: "trade" }]} />
        <Button type="primary" onClick={() => void create()} loading={busy} data-testid="api-key-create">
          Create key
        </Button>
      </Space>
      {error && <Alert type="error" showIcon message={error} />}
      {list.error ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<ApiKey>
          size="small"
          rowKey="id"
          loading={list.isPending}
          dataSource={list.data}
          pagination={false}
          scroll={{ x: true }}
          data-testid="api-keys"
          locale={{ emptyText: <EmptyState text="No API keys" /> }}
          columns={[
            { title: "Name", dataIndex: "name" },
            { title: "Scopes", dataIndex: "scopes", render: (s: string[]) => s.map((x) => <Tag key={x}>{x}</Tag>) },
            { title: "Created", dataIndex: "created_at", render: (t: string) => new Date(t).toLocaleString() },
            {
              title: "State",
              dataIndex: "revoked_at",
              render: (r: string | null) => (r ? <Tag>revoked {new Date(r).toLocaleDateString()}</Tag> : <Tag color="green">active</Tag>),
            },
            {
              key: "actions",
              align: "right",
              render: (_: unknown, k: ApiKey) =>
                k.revoked_at ? null : (
                  <Popconfirm title={`Revoke ${k.name}? Bots using it stop at once.`} onConfirm={() => void revoke(k)} okText="Revoke" cancelText="Keep">
                    <Button size="small" danger>
                      Revoke
                    </Button>
                  </Popconfirm>
                ),
            },
          ]}
        />
      )}
      <Modal open={created !== null} title="Your new API key" onOk={() => setCreated(null)} onCancel={() => setCreated(null)} cancelButtonProps={{ style: { display: "none" } }} okText="I have stored it">
        <Alert type="warning" showIcon message="This is the only time the key is shown. Store it now; it cannot be recovered, only revoked." style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable className="num" style={{ wordBreak: "break-all" }} data-testid="api-key-secret">
          {created?.key}
        </Typography.Paragraph>
      </Modal>
    </Space>
  );
}

export default function Settings() {
  return (
    <Space direction="vertical" size={16} style={{ width: "100%", maxWidth: 960 }}>
      <Card title="Profile" size="small">
        <Profile />
      </Card>
      <Card title="Password" size="small">
        <PasswordChange />
      </Card>
      <Card title="API keys" size="small">
        <ApiKeys />
      </Card>
    </Space>
  );
}
