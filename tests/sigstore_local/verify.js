// Independent verification with sigstore-js (@sigstore/verify + @sigstore/bundle)
// against an explicit TrustedRoot (no TUF, no network).
// usage: node verify.js <trusted_root.json|client_trust_config.json> <bundle.json>
//          [--artifact file] [--san S] [--issuer I] [--key pubkey.pem --hint HINT]
//          [--tlog N] [--ctlog N] [--ts N]
'use strict';
const fs = require('node:fs');
const crypto = require('node:crypto');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { toSignedEntity, toTrustMaterial, Verifier } = require('@sigstore/verify');

const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
let rootJSON = JSON.parse(fs.readFileSync(args[0], 'utf8'));
if (rootJSON.trustedRoot) rootJSON = rootJSON.trustedRoot; // ClientTrustConfig
const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(args[1], 'utf8')));
const artifact = opt('--artifact') ? fs.readFileSync(opt('--artifact')) : undefined;

let keys;
if (opt('--key')) {
  const pemPath = opt('--key');
  const hint = opt('--hint');
  const der = crypto.createPublicKey(fs.readFileSync(pemPath)).export({ format: 'der', type: 'spki' });
  keys = { [hint]: { rawBytes: der, keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: new Date(0) } } };
}
const trust = toTrustMaterial(TrustedRoot.fromJSON(rootJSON), keys);
const verifier = new Verifier(trust, {
  tlogThreshold: parseInt(opt('--tlog', '1'), 10),
  ctlogThreshold: parseInt(opt('--ctlog', '1'), 10),
  timestampThreshold: parseInt(opt('--ts', '1'), 10),
});
const policy = {};
if (opt('--san')) policy.subjectAlternativeName = opt('--san');
if (opt('--issuer')) policy.extensions = { issuer: opt('--issuer') };
try {
  const signer = verifier.verify(toSignedEntity(bundle, artifact), policy);
  const id = signer.identity ? { san: signer.identity.subjectAlternativeName, issuer: signer.identity.extensions && signer.identity.extensions.issuer } : { key: 'public-key' };
  console.log('sigstore-js VERIFIED', JSON.stringify(id));
  if (bundle.content.$case === 'dsseEnvelope') {
    const st = JSON.parse(Buffer.from(bundle.content.dsseEnvelope.payload).toString());
    console.log('  payloadType', bundle.content.dsseEnvelope.payloadType, 'predicateType', st.predicateType);
  }
} catch (e) {
  console.log('sigstore-js REJECTED', e.code || '', e.message);
  process.exitCode = 1;
}
