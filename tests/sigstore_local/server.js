// Tiny local "Sigstore instance" for offline tests: wraps the request handlers
// exported by the npm package @sigstore/mock@0.13.0 (Fulcio CA + CT log, Rekor v1
// log, optional RFC 3161 TSA with MOCK_TSA=1)
// in a plain node:http server on 127.0.0.1 and writes a ClientTrustConfig
// (trusted root + signing config) that sigstore-python can consume.
//
// usage: [MOCK_TSA=1] node server.js <port, 0 = any> <out-trust-config.json>
// Started by the pytest fixtures in tests/integration/attestations/conftest.py.
// deps (package.json): @sigstore/mock@0.13.0 (brings pkijs). Loopback only.
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');
const mock = require('@sigstore/mock');
const pkijs = require('pkijs');
const WITH_TSA = process.env.MOCK_TSA === '1';

const PORT = parseInt(process.argv[2] || '0', 10);
const OUT = process.argv[3] || 'trust_config.json';
const HOST = '127.0.0.1';

function b64(buf) { return Buffer.from(buf).toString('base64'); }

// Fulcio API: sigstore-python sends {"certificateSigningRequest": b64(PEM CSR)}
// and the OIDC token in the Authorization header; @sigstore/mock expects the
// token in body.credentials.oidcIdentityToken and a PEM CSR.
function adaptFulcioRequest(body, headers) {
  const json = JSON.parse(body);
  const auth = headers['authorization'] || '';
  const token = auth.replace(/^Bearer\s+/i, '');
  if (!json.credentials) json.credentials = { oidcIdentityToken: token };
  if (json.certificateSigningRequest && !json.certificateSigningRequest.startsWith('-----')) {
    json.certificateSigningRequest = Buffer.from(json.certificateSigningRequest, 'base64').toString('utf8');
  }
  return JSON.stringify(json);
}

// Rekor v1 API: a real Rekor turns a proposed dsse entry ({proposedContent:
// {envelope, verifiers}}) into the canonical dsse/0.0.1 body (payloadHash,
// envelopeHash, signatures[{signature, verifier}]); @sigstore/mock just echoes
// the proposed entry, so do that transformation here. hashedrekord bodies are
// stored as proposed by real Rekor, so they pass through.
function adaptRekorRequest(body) {
  const entry = JSON.parse(body);
  if (entry.kind === 'dsse' && entry.spec && entry.spec.proposedContent) {
    const env = JSON.parse(entry.spec.proposedContent.envelope);
    const verifiers = entry.spec.proposedContent.verifiers;
    const payload = Buffer.from(env.payload, 'base64');
    const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
    return JSON.stringify({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: sha(Buffer.from(entry.spec.proposedContent.envelope)) },
        payloadHash: { algorithm: 'sha256', value: sha(payload) },
        signatures: env.signatures.map((s) => ({ signature: s.sig, verifier: verifiers[0] })),
      },
    });
  }
  return body;
}

// TSA: sigstore-python posts a DER RFC 3161 TimeStampReq (application/timestamp-query);
// @sigstore/mock's tsaHandler expects the JSON request of sigstore's timestamp-authority.
function adaptTsaRequest(raw) {
  const req = pkijs.TimeStampReq.fromBER(new Uint8Array(raw).buffer);
  const oid = req.messageImprint.hashAlgorithm.algorithmId;
  const name = { '2.16.840.1.101.3.4.2.1': 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512' }[oid];
  return JSON.stringify({
    artifactHash: Buffer.from(req.messageImprint.hashedMessage.valueBlock.valueHexView).toString('base64'),
    hashAlgorithm: name,
    nonce: req.nonce ? Number(req.nonce.toBigInt() % 1000000000n) : undefined,
    certificates: !!req.certReq,
  });
}

async function main() {
  const caKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tlogKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });

  const server = http.createServer();
  await new Promise((r) => server.listen(PORT, HOST, r));
  const url = `http://${HOST}:${server.address().port}`;

  const ctlog = await mock.initializeCTLog(caKey);
  const ca = await mock.initializeCA(caKey, ctlog);
  const tlog = await mock.initializeTLog(url, tlogKey);
  const fulcio = mock.fulcioHandler(ca, { strict: true, subjectClaim: 'email' });
  const rekor = mock.rekorHandler(tlog, { strict: true });
  const tsaKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tsa = WITH_TSA ? await mock.initializeTSA(tsaKey) : null;
  const tsaH = tsa ? mock.tsaHandler(tsa, { strict: true }) : null;

  server.on('request', (req, res) => {
    let chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const rawBody = Buffer.concat(chunks);
      const body = rawBody.toString('utf8');
      let out;
      try {
        if (req.method === 'POST' && req.url === fulcio.path) {
          out = await fulcio.fn(adaptFulcioRequest(body, req.headers));
        } else if (req.method === 'POST' && req.url === rekor.path) {
          out = await rekor.fn(adaptRekorRequest(body));
        } else if (tsaH && req.method === 'POST' && req.url === tsaH.path) {
          out = await tsaH.fn(adaptTsaRequest(rawBody));
          if (out.statusCode === 201) out.statusCode = 200;
        } else {
          out = { statusCode: 404, response: 'not found' };
        }
      } catch (e) {
        out = { statusCode: 500, response: String(e && e.stack || e) };
      }
      console.error(`${req.method} ${req.url} -> ${out.statusCode}${out.statusCode >= 300 ? ' ' + out.response : ''}`);
      res.writeHead(out.statusCode, { 'content-type': out.contentType || 'text/plain' });
      res.end(out.response);
    });
  });

  const start = new Date(Date.now() - 60_000).toISOString();
  const spki = (k) => k.export({ format: 'der', type: 'spki' });
  const logId = (k) => b64(crypto.createHash('sha256').update(spki(k)).digest());
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{
      baseUrl: url, hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: b64(spki(tlogKey.publicKey)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
      logId: { keyId: logId(tlogKey.publicKey) },
    }],
    certificateAuthorities: [{
      subject: { organization: 'sigstore.mock', commonName: 'sigstore' }, uri: url,
      certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
      validFor: { start },
    }],
    ctlogs: [{
      baseUrl: url, hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: b64(spki(caKey.publicKey)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
      logId: { keyId: b64(ctlog.logID) },
    }],
    timestampAuthorities: tsa ? [{
      subject: { organization: 'sigstore.mock', commonName: 'tsa' }, uri: url + '/api/v1/timestamp',
      certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
      validFor: { start },
    }] : [],
  };
  const svc = { url, majorApiVersion: 1, validFor: { start }, operator: 'local-mock' };
  const signingConfig = {
    mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
    caUrls: [svc], oidcUrls: [], rekorTlogUrls: [svc],
    tsaUrls: tsa ? [{ ...svc, url: url + '/api/v1/timestamp' }] : [],
    rekorTlogConfig: { selector: 'ANY' }, tsaConfig: { selector: 'ANY' },
  };
  const cfg = {
    mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json',
    trustedRoot, signingConfig,
  };
  require('node:fs').writeFileSync(OUT, JSON.stringify(cfg, null, 2));
  console.log(`listening ${url}; trust config written to ${OUT}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
