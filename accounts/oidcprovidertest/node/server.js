// A real OpenID provider (npm oidc-provider) on 127.0.0.1 for Latchkey's
// end-to-end tests. Prints exactly one line, "READY <issuer>", on stdout once
// it listens; everything else goes to stderr.
//
// Environment:
//   PORT           port to listen on (default 0: the OS chooses)
//   CLIENT_ID      the one client's id (default latchkey-test)
//   ACCOUNT_EMAIL  email of the one account, sub "alice" (default alice@example.test)
//   ACCESS_TTL     access token lifetime in seconds (default 3600)
//   ROTATE         "0" turns refresh-token rotation off (default on)
//   OTHER_SUBJECT  a second account (log in with that name) with the same
//                  email as the first, to play another person with its address
//   EMAIL_VERIFIED "0" sends email_verified false (default true)
//   LATCHKEY_TEST_CLOCK_SHIFT_DAYS
//                  moves this process's clock that many days ahead, as
//                  cmd/latchkey/testdata/anydate.sh moves the Go tests'
//   ADVERTISE_ISS  "0" leaves authorization_response_iss_parameter_supported
//                  out of the discovery document (RFC 9207); the responses
//                  still carry iss unless /__test/auth-response-iss says
//                  otherwise (default: advertised)
//
// Test hooks (not part of any standard):
//   GET  /__test/stats            {"authorization_code": N, "refresh_token": N}
//   GET  /__test/tokens           every access/refresh/ID token value issued
//   POST /__test/revoke-all       invalidates every refresh token issued
//   POST /__test/fail-next?status=500[&error=server_error]
//                                 makes the next token-endpoint request fail
//   POST /__test/auth-response-iss?iss=VALUE
//                                 every later authorization response (code or
//                                 error) carries iss=VALUE instead of the
//                                 issuer, as a mix-up would; without ?iss, none
'use strict';

// oidc-provider prints notices with console.info; stdout is reserved for the
// READY line.
console.log = console.info = console.debug = (...args) => console.error(...args);

// The clock of the Go tests that start this provider may be moved ahead
// (anydate.sh); tokens must be issued on the same day they are checked.
const CLOCK_SHIFT_MS = Number(process.env.LATCHKEY_TEST_CLOCK_SHIFT_DAYS || 0) * 86400 * 1000;
if (CLOCK_SHIFT_MS) {
  const RealDate = Date;
  const realNow = RealDate.now;
  globalThis.Date = class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + CLOCK_SHIFT_MS);
      else super(...args);
    }
    static now() { return realNow() + CLOCK_SHIFT_MS; }
  };
}

const crypto = require('node:crypto');
const http = require('node:http');

const PORT = Number(process.env.PORT || 0);
const CLIENT_ID = process.env.CLIENT_ID || 'latchkey-test';
const ACCOUNT_EMAIL = process.env.ACCOUNT_EMAIL || 'alice@example.test';
const ACCESS_TTL = Number(process.env.ACCESS_TTL || 3600);
const ROTATE = process.env.ROTATE !== '0';
const ADVERTISE_ISS = process.env.ADVERTISE_ISS !== '0';
const ACCOUNT_ID = 'alice';
const OTHER_SUBJECT = process.env.OTHER_SUBJECT || '';
const EMAIL_VERIFIED = process.env.EMAIL_VERIFIED !== '0';
const ACCOUNT_IDS = new Set([ACCOUNT_ID, OTHER_SUBJECT].filter(Boolean));

if (!Number.isInteger(ACCESS_TTL) || ACCESS_TTL <= 0) {
  console.error(`ACCESS_TTL must be a positive whole number of seconds, got ${process.env.ACCESS_TTL}`);
  process.exit(2);
}

const stats = { authorization_code: 0, refresh_token: 0 };
const issued = []; // every token value, in order
const issuedSet = new Set();
const refreshTokens = new Set();
let failNext = null; // { status, error }
let respIss; // undefined: the provider's own iss; null: none; else this value

function remember(value) {
  if (typeof value === 'string' && value && !issuedSet.has(value)) {
    issuedSet.add(value);
    issued.push(value);
  }
}

async function main() {
  // oidc-provider is an ES module.
  const { default: Provider } = await import('oidc-provider');

  // Fresh keys per run, so the provider does not fall back to its published
  // development keys.
  const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'jwk' });

  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(PORT, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // For native clients oidc-provider ignores the port of loopback http
      // redirect URIs when comparing (RFC 8252 section 7.3), so these accept
      // http://127.0.0.1:ANYPORT/ and http://[::1]:ANYPORT/.
      redirect_uris: ['http://127.0.0.1/', 'http://[::1]/'],
    }],
    jwks: { keys: [{ ...signingKey, kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // Put the scope-requested claims (email, name) in the ID token too.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
    },
    ttl: {
      AccessToken: ACCESS_TTL,
      AuthorizationCode: 600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
    issueRefreshToken: async (ctx, client, code) => client.grantTypeAllowed('refresh_token')
      && code.scopes.has('offline_access'),
    rotateRefreshToken: () => ROTATE,
    async findAccount(ctx, id) {
      if (!ACCOUNT_IDS.has(id)) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: ACCOUNT_EMAIL,
            email_verified: EMAIL_VERIFIED,
            name: id === ACCOUNT_ID ? 'Alice Example' : 'Other Person',
          };
        },
      };
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><title>oidc-provider error</title><h1>${out.error}</h1><p>${(out.error_description || '').replace(/[<>&"]/g, '')}</p>`;
    },
  });
  provider.proxy = false;

  provider.on('server_error', (ctx, err) => console.error('server_error:', err));
  provider.on('grant.success', (ctx) => {
    const type = ctx.oidc.params.grant_type;
    if (type in stats) stats[type] += 1;
  });

  provider.use(async (ctx, next) => {
    const path = ctx.path;

    if (path.startsWith('/__test/')) {
      if (ctx.method === 'GET' && path === '/__test/stats') {
        ctx.body = stats;
        return;
      }
      if (ctx.method === 'GET' && path === '/__test/tokens') {
        ctx.body = issued;
        return;
      }
      if (ctx.method === 'POST' && path === '/__test/revoke-all') {
        let revoked = 0;
        for (const value of refreshTokens) {
          const rt = await provider.RefreshToken.find(value, { ignoreExpiration: true });
          if (!rt) continue;
          const grant = await provider.Grant.find(rt.grantId, { ignoreExpiration: true });
          if (grant) await grant.destroy();
          await rt.destroy();
          revoked += 1;
        }
        ctx.body = { revoked };
        return;
      }
      if (ctx.method === 'POST' && path === '/__test/fail-next') {
        const status = Number(ctx.query.status || 500);
        failNext = { status, error: ctx.query.error || (status >= 500 ? 'server_error' : 'invalid_request') };
        ctx.body = failNext;
        return;
      }
      if (ctx.method === 'POST' && path === '/__test/auth-response-iss') {
        respIss = typeof ctx.query.iss === 'string' ? ctx.query.iss : null;
        ctx.body = { iss: respIss };
        return;
      }
      ctx.status = 404;
      ctx.body = { error: 'no such test hook' };
      return;
    }

    if (path === '/token' && ctx.method === 'POST' && failNext) {
      const { status, error } = failNext;
      failNext = null;
      ctx.status = status;
      ctx.body = { error, error_description: 'failure injected by /__test/fail-next' };
      return;
    }

    // The authorization endpoint drops offline_access unless prompt=consent
    // is present (OpenID Connect Core 11). Tests want the Microsoft-like
    // behaviour "offline_access yields a refresh token", so add the consent
    // prompt here; the stand-in browser submits the consent form anyway.
    if (path === '/auth' && ctx.method === 'GET') {
      const q = { ...ctx.query };
      const scopes = String(q.scope || '').split(' ');
      const prompts = String(q.prompt || '').split(' ').filter(Boolean);
      if (scopes.includes('offline_access') && !prompts.includes('consent') && !prompts.includes('none')) {
        prompts.push('consent');
        q.prompt = prompts.join(' ');
        ctx.query = q;
      }
    }

    // The dev login form takes any login; anything but a known account would make
    // oidc-provider fail with server_error when it resumes. End such a
    // sign-in the way a real provider's "Cancel" would: access_denied.
    const resume = /^\/auth\/([^/]+)$/.exec(path);
    if (resume && ctx.method === 'GET') {
      const interaction = await provider.Interaction.find(resume[1]);
      const login = interaction?.result?.login;
      if (login && !ACCOUNT_IDS.has(login.accountId)) {
        interaction.result = { error: 'access_denied', error_description: `unknown login ${login.accountId}` };
        await interaction.persist();
      }
    }

    await next();

    if (path === '/.well-known/openid-configuration' && ctx.status === 200 && !ADVERTISE_ISS) {
      delete ctx.body.authorization_response_iss_parameter_supported;
    }

    // An authorization response is a redirect back to the client, off this
    // origin, with the request's state.
    const location = ctx.response.get('Location');
    if (respIss !== undefined && location) {
      const back = new URL(location, issuer);
      if (back.origin !== issuer && back.searchParams.has('state')) {
        if (respIss === null) back.searchParams.delete('iss');
        else back.searchParams.set('iss', respIss);
        ctx.set('Location', back.href);
      }
    }

    if (path === '/token' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      remember(ctx.body.access_token);
      remember(ctx.body.id_token);
      if (ctx.body.refresh_token) {
        remember(ctx.body.refresh_token);
        refreshTokens.add(ctx.body.refresh_token);
      }
    }
  });

  server.on('request', provider.callback());
  process.stdout.write(`READY ${issuer}\n`);

  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
