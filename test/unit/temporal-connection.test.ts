/**
 * Reading Temporal's environment configuration (common/temporal-connection.ts) into connection
 * options: profile file and TEMPORAL_* variables, the environment over the profile, the API key
 * passed through (TLS on with it), mTLS files checked before connecting, and the diagnosis of a
 * refused connection against a real local TLS server.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttp2Server, type Http2Server, type ServerHttp2Session } from 'node:http2';
import { createServer as createTcpServer } from 'node:net';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig, loadTemporalConfig } from '../../common/config';
import {
  diagnoseConnectionFailure,
  readTemporalProfile,
  temporalConnectionOptions,
  type TemporalConnectionSecurity,
} from '../../common/temporal-connection';
import {
  TLS_SERVER_NAME as TEST_SERVER_NAME,
  makeCertificates,
  type ClusterCertificates,
} from '../../scripts/lib/tls-certificates';

let dir: string;
let certs: ClusterCertificates;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kyc-connection-'));
  certs = makeCertificates(dir);
});

/** A profile file with `body` under [profile.<name>]; `tls` under [profile.<name>.tls]. */
function profile(name: string, body: string, tls = ''): string {
  const file = join(dir, `${name}-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, `[profile.${name}]\n${body}\n${tls ? `[profile.${name}.tls]\n${tls}\n` : ''}`);
  return file;
}

/** No user default file: HOME points at an empty folder. */
const isolated = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ HOME: dir, ...env });

describe('readTemporalProfile / loadTemporalConfig', () => {
  it('reads address, namespace and mTLS files from a named profile', () => {
    const file = profile(
      'prod',
      'address = "temporal.example:7233"\nnamespace = "kyc-prod"',
      `client_cert_path = "${certs.client.cert}"\nclient_key_path = "${certs.client.key}"\n` +
        `server_ca_cert_path = "${certs.caCert}"\nserver_name = "${TEST_SERVER_NAME}"`,
    );
    const config = loadTemporalConfig(isolated({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }));
    expect(config).toMatchObject({ address: 'temporal.example:7233', namespace: 'kyc-prod' });
    const options = temporalConnectionOptions(config);
    expect(options.tls).toMatchObject({
      serverNameOverride: TEST_SERVER_NAME,
      serverRootCACertificate: new Uint8Array(readFileSync(certs.caCert)),
      clientCertPair: {
        crt: new Uint8Array(readFileSync(certs.client.cert)),
        key: new Uint8Array(readFileSync(certs.client.key)),
      },
    });
    expect(config.security?.describe()).toBe('mTLS (client certificate)');
  });

  it('lets each environment variable win over the profile, setting by setting', () => {
    const file = profile('default', 'address = "from-profile:7233"\nnamespace = "profile-ns"\napi_key = "profile-key"');
    const config = loadTemporalConfig(
      isolated({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_ADDRESS: 'from-env:7233', TEMPORAL_API_KEY: 'env-key' }),
    );
    expect(config).toMatchObject({ address: 'from-env:7233', namespace: 'profile-ns' });
    expect(config.security?.apiKey).toBe('env-key');
  });

  it('passes an API key through with TLS turned on (system roots), and never prints it', () => {
    const config = loadTemporalConfig(
      isolated({
        TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
        TEMPORAL_NAMESPACE: 'ns.acct',
        TEMPORAL_API_KEY: 'sekret-key',
      }),
    );
    expect(temporalConnectionOptions(config)).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: true,
      apiKey: 'sekret-key',
    });
    expect(JSON.stringify(config)).not.toContain('sekret-key');
    expect(inspect(config, { depth: 5 })).not.toContain('sekret-key');
    expect(JSON.stringify(config)).toContain('TLS, API key');
    // TLS can still be switched off explicitly (a local server behind an API-key proxy).
    const plain = loadTemporalConfig(isolated({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }));
    expect(temporalConnectionOptions(plain)).toMatchObject({ tls: false, apiKey: 'k' });
  });

  it('passes gRPC metadata from TEMPORAL_GRPC_META_*', () => {
    const config = loadTemporalConfig(isolated({ TEMPORAL_GRPC_META_TEMPORAL_NAMESPACE: 'ns.acct' }));
    expect(temporalConnectionOptions(config).metadata).toEqual({ 'temporal-namespace': 'ns.acct' });
  });

  it('is plain, with the defaults, when nothing is configured', () => {
    expect(loadTemporalConfig(isolated({}))).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'kyc',
    });
  });

  it('reads the user default file when TEMPORAL_CONFIG_FILE is not set', () => {
    const home = mkdtempSync(join(tmpdir(), 'kyc-home-'));
    const configDir = join(home, 'config');
    mkdirSync(join(configDir, 'temporalio'), { recursive: true });
    writeFileSync(
      join(configDir, 'temporalio', 'temporal.toml'),
      '[profile.default]\naddress = "from-default-file:7233"\n',
    );
    expect(loadTemporalConfig({ HOME: home, XDG_CONFIG_HOME: configDir }).address).toBe('from-default-file:7233');
  });

  it('refuses, naming the setting, what would connect without the security asked for', () => {
    const problems = (env: NodeJS.ProcessEnv) => readTemporalProfile(isolated(env)).problems;
    expect(problems({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.client.cert })).toEqual([
      expect.stringMatching(/^TEMPORAL_TLS_CLIENT_CERT_PATH: is set but the client key is not .*mTLS needs both/),
    ]);
    expect(
      problems({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.client.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.server.key }),
    ).toEqual(['TEMPORAL_TLS_CLIENT_CERT_PATH: the client key does not belong to this certificate']);
    expect(problems({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing-ca.pem') })).toEqual([
      `TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read ${join(dir, 'missing-ca.pem')}`,
    ]);
    expect(problems({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toEqual([
      expect.stringMatching(/^TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: is not supported .*TEMPORAL_TLS_SERVER_NAME/),
    ]);
    expect(problems({ TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') })).toEqual([
      `TEMPORAL_CONFIG_FILE: cannot read ${join(dir, 'nope.toml')}`,
    ]);
    const keyOnly = profile('k', 'address = "x:1"', `client_key_path = "${certs.client.key}"`);
    expect(problems({ TEMPORAL_CONFIG_FILE: keyOnly, TEMPORAL_PROFILE: 'k' })).toEqual([
      expect.stringMatching(/^tls\.client_key_path of profile "k" in .*: is set but the client certificate is not/),
    ]);
    expect(problems({ TEMPORAL_PROFILE: 'prod' })).toEqual([
      expect.stringMatching(/^TEMPORAL_PROFILE: is "prod" but there is no profile file/),
    ]);
  });

  it('makes the worker configuration refuse to start on the same problems, with every other problem', () => {
    const error = (() => {
      try {
        loadConfig(isolated({ TEMPORAL_TLS_CLIENT_KEY_PATH: certs.client.key }));
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('loadConfig accepted a key without its certificate');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^TEMPORAL_TLS_CLIENT_KEY_PATH: is set but the client certificate is not/),
        expect.stringMatching(/^BANK_API_CLIENT_KEY/),
      ]),
    );
  });
});

describe('diagnoseConnectionFailure', () => {
  let server: Server;
  let address: string;
  const security = (env: NodeJS.ProcessEnv): TemporalConnectionSecurity | undefined =>
    loadTemporalConfig(isolated({ TEMPORAL_ADDRESS: address, ...env })).security;

  beforeAll(async () => {
    // A TLS server that requires a client certificate signed by the test CA, as the mTLS frontend does.
    server = createTlsServer({
      cert: readFileSync(certs.server.cert),
      key: readFileSync(certs.server.key),
      ca: readFileSync(certs.caCert),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const bound = server.address();
    address = `127.0.0.1:${typeof bound === 'object' && bound ? bound.port : 0}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const ca = () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert, TEMPORAL_TLS_SERVER_NAME: TEST_SERVER_NAME });

  it('names the client certificate settings when the server requires one', async () => {
    expect(await diagnoseConnectionFailure(address, security(ca()))).toMatch(
      /^the server requires a client certificate \(mTLS\): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/,
    );
  });

  it('says nothing when the same handshake with the client certificate succeeds', async () => {
    const withCert = security({
      ...ca(),
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.client.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.client.key,
    });
    expect(await diagnoseConnectionFailure(address, withCert)).toBeUndefined();
  });

  it('names the CA setting when the server certificate is not trusted, and the name setting when it does not match', async () => {
    expect(await diagnoseConnectionFailure(address, security({ TEMPORAL_TLS: 'true' }))).toMatch(
      /not signed by a CA this client trusts: set TEMPORAL_TLS_SERVER_CA_CERT_PATH/,
    );
    expect(
      await diagnoseConnectionFailure(
        address,
        security({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert, TEMPORAL_TLS_SERVER_NAME: 'other.example' }),
      ),
    ).toMatch(/does not name other\.example: set TEMPORAL_TLS_SERVER_NAME/);
  });

  it('says the server speaks TLS to a plain connection, and that nothing listens on a closed port', async () => {
    expect(await diagnoseConnectionFailure(address, undefined)).toMatch(
      /^the server speaks TLS and this connection is plain/,
    );
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await diagnoseConnectionFailure(`127.0.0.1:${port}`, undefined)).toMatch(/^nothing accepts connections on/);
  });
});

describe('the API key on the wire', () => {
  // No server here validates API keys: a loopback HTTP/2 server records what the SDK sends.
  let server: Http2Server;
  let address: string;
  const seen: { path: string; authorization?: string; namespace?: string }[] = [];
  const sessions = new Set<ServerHttp2Session>();

  beforeAll(async () => {
    server = createHttp2Server();
    server.on('session', (session) => sessions.add(session));
    server.on('stream', (stream, headers) => {
      seen.push({
        path: String(headers[':path']),
        authorization: headers.authorization,
        namespace: headers['temporal-namespace'] as string | undefined,
      });
      // UNAUTHENTICATED, as a server that rejects the key would answer.
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'no' },
        { endStream: true },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('is sent as a bearer token by the client library and by the worker connection, with the metadata', async () => {
    const config = loadTemporalConfig(
      isolated({
        TEMPORAL_ADDRESS: address,
        TEMPORAL_API_KEY: 'kyc-test-api-key',
        // Plain here only because this recorder has no certificate; with an API key TLS is on by default.
        TEMPORAL_TLS: 'false',
        TEMPORAL_GRPC_META_TEMPORAL_NAMESPACE: 'ns.acct',
      }),
    );
    seen.length = 0;
    const client = await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: 5_000 }).catch(
      (error: unknown) => error,
    );
    if (client instanceof Connection) await client.close();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toEqual({
      path: '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo',
      authorization: 'Bearer kyc-test-api-key',
      namespace: 'ns.acct',
    });

    seen.length = 0;
    const native = await NativeConnection.connect(temporalConnectionOptions(config)).catch((error: unknown) => error);
    if (native instanceof NativeConnection) await native.close();
    expect(seen[0]).toMatchObject({ authorization: 'Bearer kyc-test-api-key', namespace: 'ns.acct' });
  });
});

describe('TLS to an IP literal', () => {
  it("connects without Node's DEP0123 warning (servername set to an IP), and other warnings still show", () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '..', 'support', 'tls-ip-connect.ts')],
      {
        cwd: join(__dirname, '..', '..'),
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.stdout).toContain('connected false');
    expect(run.stdout).toContain('warning DEP0999');
    expect(run.stdout).not.toContain('DEP0123');
    expect(run.stderr).not.toContain('DEP0123');
  });
});
