// A real OpenID provider for the tests: node-oidc-provider (a certified implementation) over HTTPS on
// loopback, configured by the JSON file named on the command line (tests/oidc_server.py writes it).
// Sign-in pages are the library's development interactions; accounts and their claims come from the file.
import fs from 'node:fs';
import https from 'node:https';
import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

const provider = new Provider(config.issuer, {
  clients: [config.client],
  jwks: { keys: [config.signing_key] },
  cookies: { keys: [config.cookie_key] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'phone', 'offline_access'],
  claims: {
    openid: ['sub'],
    // Alur's default claim names, and others a portal may use instead (a configured mapping reads them)
    profile: ['name', 'preferred_username', 'nip', 'jabatan', 'unit_kerja', 'groups',
      'employee_id', 'title', 'department', 'roles'],
    email: ['email', 'email_verified'],
    phone: ['phone_number'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const account = config.accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
});

const server = https.createServer(
  { key: fs.readFileSync(config.key_file), cert: fs.readFileSync(config.cert_file) },
  provider.callback(),
);
server.listen(config.port, '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
