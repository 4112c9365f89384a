import { ConfigError, loadRuntimeConfig } from '../../../common/config';

describe('CLI settings', () => {
  test('P2C_UI_URL must be an http or https address, so the printed links open in a browser', () => {
    expect(loadRuntimeConfig({}).uiUrl).toBe('http://localhost:8233');
    expect(loadRuntimeConfig({ P2C_UI_URL: 'https://temporal.contoso.com/ui/' }).uiUrl).toBe(
      'https://temporal.contoso.com/ui/',
    );
    for (const value of ['localhost:8233', 'ftp://temporal.contoso.com', 'http//localhost:8233']) {
      expect(() => loadRuntimeConfig({ P2C_UI_URL: value })).toThrow(
        new ConfigError(`P2C_UI_URL=${value}: must be an http:// or https:// address, e.g. http://localhost:8233`),
      );
    }
  });
});
