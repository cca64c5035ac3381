import { describe, expect, it } from 'vitest';
import { ADMIN_UI_ROUTES, matchAdminUiRoute } from '../../functions/handlers/admin-ui-routes.ts';

const TOKEN = 'k1.AQAAAAFzZXNzaW9u.c2lnbmF0dXJlLWJ5dGVz';

describe('matchAdminUiRoute', () => {
  it('matches every route of the table, and reads the token and message id from the path', () => {
    expect(matchAdminUiRoute('GET', `/ui/${TOKEN}`)).toEqual({ name: 'overview', token: TOKEN });
    expect(matchAdminUiRoute('GET', `/ui/${TOKEN}/quarantine`)).toEqual({
      name: 'searchQuarantine',
      token: TOKEN,
    });
    expect(matchAdminUiRoute('POST', `/ui/${TOKEN}/release/0a1b2c3d`)).toEqual({
      name: 'release',
      token: TOKEN,
      messageId: '0a1b2c3d',
    });
    expect(ADMIN_UI_ROUTES.map((route) => route.name).sort()).toEqual([
      'overview',
      'release',
      'searchQuarantine',
    ]);
  });

  it('releases only by POST: a link (GET) can never release', () => {
    expect(matchAdminUiRoute('GET', `/ui/${TOKEN}/release/0a1b2c3d`)).toBeUndefined();
    expect(matchAdminUiRoute('POST', `/ui/${TOKEN}`)).toBeUndefined();
  });

  it('refuses paths that are not ours or carry characters no token or message id has', () => {
    for (const path of [
      '/ui/',
      `/ui/${TOKEN}/`,
      `/ui/${TOKEN}/release/`,
      `/ui/${TOKEN}/release/a%2Fb`,
      `/ui/${TOKEN}/release/../admin`,
      `/ui/${TOKEN}%3Cscript%3E`,
      `/ui/${'a'.repeat(601)}`,
      `/q/${TOKEN}`,
    ])
      expect(matchAdminUiRoute(path.includes('release') ? 'POST' : 'GET', path)).toBeUndefined();
  });
});
