import pino from 'pino';
import { Writable } from 'node:stream';
import { REDACTED_PATHS, redactUrl } from './logging.options';

describe('log redaction', () => {
  it('censors credentials wherever they sit in a log line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[Redacted]' } }, sink);
    logger.info({
      req: { headers: { authorization: 'Bearer tnty_SECRET1' } },
      credential: { clientSecret: 'SECRET2', privateKey: 'SECRET3' },
      response: { access_token: 'SECRET4' },
      apiKey: { key: 'SECRET5' },
    });
    const line = lines.join('');
    for (const secret of ['SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'SECRET5']) expect(line).not.toContain(secret);
    expect(line).toContain('[Redacted]');
  });

  it('censors one-time values in query strings', () => {
    expect(redactUrl('/onboarding/callback?admin_consent=True&state=abc123&tenant=t')).toBe(
      '/onboarding/callback?admin_consent=True&state=%5BRedacted%5D&tenant=t',
    );
    expect(redactUrl('/api/v1/tenants?limit=5')).toBe('/api/v1/tenants?limit=5');
  });
});
