// A real OpenID Connect provider (the `oidc-provider` package) for the
// end2end suite, with one confidential client for Portico and the package's
// development login pages: any login name signs in as <name>@example.com.
//
// Usage: node end2end/oidc/provider.mjs PORT PORTICO_BASE_URL
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const portico = process.argv[3];
if (!port || !portico) {
  console.error('usage: provider.mjs PORT PORTICO_BASE_URL');
  process.exit(2);
}

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'portico',
      client_secret: 'portico-e2e-client-secret',
      redirect_uris: [`${portico}/auth/oidc/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['portico-e2e-cookie-key'] },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        const name = sub.charAt(0).toUpperCase() + sub.slice(1);
        return { sub, email: `${sub}@example.com`, email_verified: true, name: `${name} Oidc` };
      },
    };
  },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
process.on('SIGTERM', () => process.exit(0));
