// React hooks over the app's one WebSocket.

import { useEffect, useRef, useState } from "react";
import { useAuth } from "../store/auth";
import { useUi } from "../store/ui";
import { type Book, type BookDelta, type BookSnapshot, applyDelta, fromSnapshot } from "./book";
import { type WsMessage, WsClient } from "./client";

function socketUrl(): string {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}/api/v1/ws`;
}

let client: WsClient | null = null;
let lastToken: string | null = null;

/** The shared client, started on first use; it reconnects when the token changes. */
export function wsClient(): WsClient {
  if (!client) {
    client = new WsClient({
      url: socketUrl(),
      token: () => useAuth.getState().session?.accessToken ?? null,
      onStatus: (status) => useUi.getState().setWsStatus(status),
    });
    lastToken = useAuth.getState().session?.accessToken ?? null;
    useAuth.subscribe((state) => {
      const token = state.session?.accessToken ?? null;
      if (token !== lastToken) {
        lastToken = token;
        client?.restart();
      }
    });
    client.start();
  }
  return client;
}

/** Calls `handler` for every message of `topic` while mounted. */
export function useTopic(topic: string | null, handler: (message: WsMessage) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!topic) return undefined;
    return wsClient().subscribe(topic, (message) => ref.current(message));
  }, [topic]);
}

/** The live L2 book of a symbol; re-subscribes for a fresh snapshot after a gap. */
export function useBook(symbol: string | null): { book: Book | null; version: number } {
  const bookRef = useRef<Book | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    bookRef.current = null;
    setVersion((v) => v + 1);
  }, [symbol]);
  const topic = symbol ? `book:${symbol}` : null;
  useTopic(topic, (message) => {
    if (message.type === "book_snapshot") {
      bookRef.current = fromSnapshot(message as unknown as BookSnapshot);
      setVersion((v) => v + 1);
    } else if (message.type === "book_delta" && bookRef.current) {
      const outcome = applyDelta(bookRef.current, message as unknown as BookDelta);
      if (outcome === "gap" && topic) wsClient().resync(topic);
      if (outcome === "applied") setVersion((v) => v + 1);
    }
  });
  return { book: bookRef.current, version };
}

/** Calls `handler` for every message of any of `topics` while mounted. */
export function useTopics(topics: string[], handler: (message: WsMessage) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  const joined = topics.join(",");
  useEffect(() => {
    if (!joined) return undefined;
    const undo = joined.split(",").map((topic) => wsClient().subscribe(topic, (message) => ref.current(message)));
    return () => {
      for (const u of undo) u();
    };
  }, [joined]);
}
