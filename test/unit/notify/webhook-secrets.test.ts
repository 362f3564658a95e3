import { describe, expect, it } from '@jest/globals';
import { notificationsSchema, type WebhookTargetConfig } from '../../../src/config/notifications';
import { Secret } from '../../../src/config/secret';
import { DeliveryError } from '../../../src/notify/delivery';
import type { Notification } from '../../../src/notify/message';
import { networkError, WebhookTarget, withOriginsOnly } from '../../../src/notify/webhook';

const PASSWORD = 'secretpw-7c1e';

const parse = (url: unknown) =>
  notificationsSchema({ HOOK_URL: String(url) }).safeParse({
    targets: { hook: { type: 'webhook', url: { env: 'HOOK_URL' } } },
    rules: [{ priorities: ['critical'], targets: ['hook'] }],
  });

describe('a webhook URL never leaks its secrets', () => {
  it('the config refuses a URL with a user name or password, pointing at headers', () => {
    for (const url of [
      `https://u:${PASSWORD}@hooks.example.net/x`,
      'https://u@hooks.example.net/',
    ]) {
      const r = parse(url);
      expect(r.success).toBe(false);
      const text = JSON.stringify(r.error?.issues);
      expect(text).toContain('user name or password in the URL is not allowed');
      expect(text).toContain('Authorization');
      expect(text).not.toContain(PASSWORD);
    }
    expect(parse('https://hooks.example.net/t/abc').success).toBe(true);
  });

  it("fetch's error for a URL with credentials names the origin only", async () => {
    // The schema refuses such a URL; this config is built by hand to reach fetch with one.
    const config = {
      type: 'webhook',
      url: new Secret(`http://u:${PASSWORD}@127.0.0.1:9/hook/path-secret`, 'test'),
      headers: {},
      timeoutMs: 1000,
    } as WebhookTargetConfig;
    const n = { id: 'n1', kind: 'alarm', alarm: { key: 'a' } } as Notification;
    const err = await new WebhookTarget('hook', config).send(n, new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeliveryError);
    const message = (err as Error).message;
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain('path-secret');
    expect(message).toMatch(/^http:\/\/127\.0\.0\.1:9: /);
  });

  it('a message quoting URLs keeps their origins only; a code comes first', () => {
    expect(withOriginsOnly(`bad: https://a:b@x.example:8443/p?q=1 and http://y.example/z#f`)).toBe(
      'bad: https://x.example:8443 and http://y.example',
    );
    expect(networkError({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } })).toBe(
      'ECONNREFUSED',
    );
    expect(networkError(new TypeError(`bad URL http://u:${PASSWORD}@h/`))).toBe('bad URL http://h');
  });
});
