// Independent writer: @sigstore/oci (the library behind sigstore-js / actions/attest) attaches a
// bundle to an image as an OCI referrer (+ tag-schema index), so the tests can check that
// dockgate's reader and verifier accept what another implementation wrote.
// usage: node attach.js <registry/repository> <sha256:digest> <bundle.json> <predicateType>
'use strict';
const fs = require('node:fs');
const { attachArtifactToImage } = require('@sigstore/oci');
const [imageName, imageDigest, bundlePath, predicateType] = process.argv.slice(2);
const artifact = fs.readFileSync(bundlePath);
const mediaType = JSON.parse(artifact).mediaType;
attachArtifactToImage({ imageName, imageDigest, artifact, mediaType,
  annotations: { 'dev.sigstore.bundle.predicateType': predicateType } })
  .then((d) => console.log('attached', JSON.stringify(d)))
  .catch((e) => { console.error('FAILED', e.message, e.cause && e.cause.message); process.exitCode = 1; });
