import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Secret } from '../../config/secret';

/**
 * One MQTT session (one CONNECT, its will, until the connection ends): MQTT.js underneath with
 * its own reconnection off, because every Sparkplug session needs a new will (a new bdSeq) and
 * the publisher decides when to try again. Publishes resolve when MQTT.js is done with them —
 * written to the socket for QoS 0, acknowledged (PUBACK) for QoS 1 — and are rejected when the
 * session ends first.
 */
export interface SessionOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: Secret;
  ca?: Buffer;
  keepaliveMs: number;
  connectTimeoutMs: number;
  will: { topic: string; payload: Uint8Array };
  /** Aborts a connect in progress (HeatBridge stopping). */
  signal?: AbortSignal;
}

export class MqttSession {
  private ended: string | undefined;
  /** Publishes not yet done: rejected when the session ends, whatever MQTT.js does with them. */
  private readonly pending = new Set<(err: Error) => void>();
  private readonly endedListeners: ((reason: string) => void)[] = [];
  /** Resolves with the reason when the session is over (connection lost or ended). */
  readonly closed: Promise<string>;

  private constructor(private readonly client: MqttClient) {
    this.closed = new Promise((resolve) => this.endedListeners.push(resolve));
    let lastError: string | undefined;
    client.on('error', (err) => {
      lastError = err.message;
    });
    client.on('close', () => this.finish(lastError ?? 'connection closed'));
  }

  /** Connects; resolves once the broker accepted the CONNECT (CONNACK), rejects otherwise. */
  static open(o: SessionOptions): Promise<MqttSession> {
    const options: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      keepalive: Math.max(1, Math.round(o.keepaliveMs / 1000)),
      connectTimeout: o.connectTimeoutMs,
      // Sparkplug: NDEATH as the will, QoS 1, not retained.
      will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: false },
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password ? { password: o.password.reveal() } : {}),
      ...(o.ca ? { ca: o.ca } : {}),
    };
    const client = connect(o.url, options);
    // MQTT.js emits errors after a failed connect too; without a listener they would crash.
    client.on('error', () => undefined);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        client.end(true);
      };
      let lastError: string | undefined;
      const onError = (err: Error): void => {
        lastError = err.message;
      };
      const onClose = (): void => {
        cleanup();
        client.end(true);
        reject(new Error(lastError ?? 'connection closed before the broker accepted it'));
      };
      const onConnect = (): void => {
        cleanup();
        resolve(new MqttSession(client));
      };
      const cleanup = (): void => {
        o.signal?.removeEventListener('abort', onAbort);
        client.off('error', onError);
        client.off('close', onClose);
        client.off('connect', onConnect);
      };
      client.on('error', onError);
      client.on('close', onClose);
      client.on('connect', onConnect);
      if (o.signal?.aborted) onAbort();
      else o.signal?.addEventListener('abort', onAbort);
    });
  }

  get isOpen(): boolean {
    return this.ended === undefined;
  }

  onEnd(listener: (reason: string) => void): void {
    if (this.ended !== undefined) listener(this.ended);
    else this.endedListeners.push(listener);
  }

  onMessage(handler: (topic: string, payload: Buffer) => void): void {
    this.client.on('message', (topic, payload) => handler(topic, payload));
  }

  publish(topic: string, payload: Uint8Array, qos: 0 | 1, retain = false): Promise<void> {
    if (this.ended !== undefined) return Promise.reject(new Error(`session ended: ${this.ended}`));
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => {
        this.pending.delete(fail);
        reject(err);
      };
      this.pending.add(fail);
      this.client.publish(topic, Buffer.from(payload), { qos, retain }, (err) => {
        if (!this.pending.delete(fail)) return; // already rejected by the session's end
        if (err) reject(err);
        else resolve();
      });
    });
  }

  subscribe(topics: readonly string[]): Promise<void> {
    if (this.ended !== undefined) return Promise.reject(new Error(`session ended: ${this.ended}`));
    return new Promise((resolve, reject) => {
      this.client.subscribe([...topics], { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Ends the session: gracefully (a DISCONNECT: the broker drops the will) or at once. */
  async end(graceful: boolean): Promise<void> {
    this.finish('ended by HeatBridge');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.client.end(true, () => resolve());
      }, 2000);
      this.client.end(!graceful, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Ends the session gracefully after a last message (QoS 1): once the broker acknowledged it,
   * or after `waitMs` (a broker that hangs must not hold up the end).
   */
  async endAfter(last: { topic: string; payload: Uint8Array } | undefined, waitMs: number) {
    if (last && this.isOpen) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.publish(last.topic, last.payload, 1).catch(() => undefined),
        new Promise((r) => (timer = setTimeout(r, waitMs))),
      ]);
      clearTimeout(timer);
    }
    await this.end(true);
  }

  /** Tests: the socket dies as in a crash (the broker then sends the will). */
  destroySocket(): void {
    this.client.stream.destroy();
  }

  private finish(reason: string): void {
    if (this.ended !== undefined) return;
    this.ended = reason;
    const err = new Error(`session ended: ${reason}`);
    for (const fail of [...this.pending]) fail(err);
    for (const l of this.endedListeners.splice(0)) l(reason);
    // Nothing reconnects this client: release its socket and timers.
    if (reason !== 'ended by HeatBridge') this.client.end(true);
  }
}
