// One WebSocket to the venue for the whole app: authenticates when a token is given,
// keeps the list of subscriptions, reconnects with backoff and subscribes again, and
// routes each message to the handlers of its topic.

export type WsStatus = "connecting" | "open" | "closed";
export type WsMessage = { type: string; [key: string]: unknown };
export type Handler = (message: WsMessage) => void;

export interface SocketLike {
  readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface WsOptions {
  url: string;
  token: () => string | null;
  createSocket?: (url: string) => SocketLike;
  onStatus?: (status: WsStatus) => void;
  schedule?: (callback: () => void, ms: number) => unknown;
  random?: () => number;
}

const OPEN = 1;

/** Delay before reconnect attempt `attempt` (0-based): 0.5 s doubling to 15 s, with up
 * to a quarter more at random so clients do not come back all at once. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (1 + random() / 4));
}

/** The subscription topic a venue message belongs to, or null. */
export function topicOf(message: WsMessage): string | null {
  const symbol = typeof message.symbol === "string" ? message.symbol : null;
  switch (message.type) {
    case "ticker":
      return symbol && `ticker:${symbol}`;
    case "trade":
      return symbol && `trades:${symbol}`;
    case "book_snapshot":
    case "book_delta":
      return symbol && `book:${symbol}`;
    case "candle":
      return symbol && typeof message.interval === "string" ? `candles:${symbol}:${message.interval}` : null;
    case "order":
      return "orders";
    case "balance":
      return "balances";
    case "position":
      return "positions";
    case "stats":
      return "stats";
    case "risk":
      return "risk";
    case "strategy":
      return "strategies";
    case "signal":
      return "signals";
    case "backtest":
      return "backtests";
    default:
      return null;
  }
}

export class WsClient {
  private socket: SocketLike | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly errorHandlers = new Set<Handler>();
  private attempt = 0;
  private nextId = 1;
  private stopped = false;
  private status: WsStatus = "closed";
  private readonly options: Required<Omit<WsOptions, "onStatus">> & Pick<WsOptions, "onStatus">;

  constructor(options: WsOptions) {
    this.options = {
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      schedule: (callback, ms) => setTimeout(callback, ms),
      random: Math.random,
      ...options,
    };
  }

  get currentStatus(): WsStatus {
    return this.status;
  }

  start(): void {
    this.stopped = false;
    if (!this.socket) this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close(1000, "bye");
    this.socket = null;
    this.setStatus("closed");
  }

  /** Reconnects, for example after the token changed. */
  restart(): void {
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "reconnecting");
    if (!this.stopped) this.connect();
  }

  subscribe(topic: string, handler: Handler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
      this.send({ op: "subscribe", topics: [topic] });
    }
    set.add(handler);
    return () => {
      const current = this.handlers.get(topic);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(topic);
        this.send({ op: "unsubscribe", topics: [topic] });
      }
    };
  }

  onError(handler: Handler): () => void {
    this.errorHandlers.add(handler);
    return () => this.errorHandlers.delete(handler);
  }

  /** Subscribes to a topic again, to get a fresh snapshot (after a book gap). */
  resync(topic: string): void {
    if (!this.handlers.has(topic)) return;
    this.send({ op: "unsubscribe", topics: [topic] });
    this.send({ op: "subscribe", topics: [topic] });
  }

  private setStatus(status: WsStatus): void {
    if (this.status !== status) {
      this.status = status;
      this.options.onStatus?.(status);
    }
  }

  private send(message: Record<string, unknown>): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify({ ...message, id: this.nextId++ }));
    return true;
  }

  private connect(): void {
    this.setStatus("connecting");
    const socket = this.options.createSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.setStatus("open");
      const token = this.options.token();
      if (token) this.send({ op: "auth", token });
      const topics = [...this.handlers.keys()];
      if (topics.length > 0) this.send({ op: "subscribe", topics });
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket || typeof event.data !== "string") return;
      let message: WsMessage;
      try {
        message = JSON.parse(event.data) as WsMessage;
      } catch {
        return;
      }
      if (message.type === "error") {
        for (const handler of this.errorHandlers) handler(message);
        return;
      }
      const topic = topicOf(message);
      if (!topic) return;
      for (const handler of this.handlers.get(topic) ?? []) handler(message);
    };
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setStatus("closed");
      if (this.stopped) return;
      const delay = backoffDelay(this.attempt++, this.options.random);
      this.options.schedule(() => {
        if (!this.stopped && !this.socket) this.connect();
      }, delay);
    };
  }
}
