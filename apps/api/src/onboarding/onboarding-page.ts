import type { CallbackOutcome } from '@tenantry/onboarding';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

const SPENT: Record<'used' | 'expired' | 'revoked', string> = {
  used: 'This onboarding link has already been used. Nothing more to do here if the first attempt worked; otherwise ask your provider for a new link.',
  expired: 'This onboarding link has expired. Ask your provider for a new one.',
  revoked: 'This onboarding link was withdrawn. Ask your provider for a new one.',
};

/** A plain, accessible page telling the customer's admin what happened and what comes next. */
export function onboardingPage(outcome: CallbackOutcome): string {
  const [title, body] = ((): [string, string] => {
    switch (outcome.kind) {
      case 'consented':
        return [
          'Consent received',
          `<p>Thank you. Consent for directory <code>${escapeHtml(outcome.tenantId)}</code> has been received.</p>` +
            '<p>We are now checking that it is in effect; this can take from a few seconds to about twenty minutes. ' +
            'You can close this page.</p>',
        ];
      case 'declined':
        return [
          'Consent was not given',
          '<p>The application was not granted access to your directory, so nothing has changed.</p>' +
            `<p>Microsoft Entra ID said: <code>${escapeHtml(outcome.error)}</code></p>` +
            (outcome.description ? `<p><small>${escapeHtml(outcome.description)}</small></p>` : '') +
            '<p>If this was unintended, open the onboarding link again.</p>',
        ];
      case 'invalid':
        return [
          'This onboarding request is not valid',
          `<p>${escapeHtml(outcome.reason)}</p><p>Nothing has changed.</p>`,
        ];
      case 'spent':
        return ['This onboarding link can no longer be used', `<p>${escapeHtml(SPENT[outcome.reason])}</p>`];
    }
  })();
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}code{background:#f2f2f2;padding:0 .25rem}</style>
</head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body>
</html>`;
}
