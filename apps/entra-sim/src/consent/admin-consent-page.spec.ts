import { redirectUriMatches } from './admin-consent-page';

describe('redirectUriMatches', () => {
  it('matches exactly, ignoring only the port of http loopback URIs', () => {
    expect(redirectUriMatches('https://app.example/cb', 'https://app.example/cb')).toBe(true);
    expect(redirectUriMatches('https://app.example/cb', 'https://app.example/cb2')).toBe(false);
    expect(redirectUriMatches('https://app.example:443/cb', 'https://app.example:8443/cb')).toBe(false);
    expect(
      redirectUriMatches('http://localhost:3000/onboarding/callback', 'http://localhost:51234/onboarding/callback'),
    ).toBe(true);
    expect(
      redirectUriMatches('http://127.0.0.1:3000/onboarding/callback', 'http://127.0.0.1:9/onboarding/callback'),
    ).toBe(true);
    expect(
      redirectUriMatches('http://localhost:3000/onboarding/callback', 'http://127.0.0.1:3000/onboarding/callback'),
    ).toBe(false);
    expect(redirectUriMatches('http://localhost:3000/onboarding/callback', 'http://localhost:3000/other')).toBe(false);
  });
});
