import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

import forge from 'node-forge';

/** Key material the emulator keeps in its data directory so it is stable across runs. */
export interface EmulatorMaterial {
  caCertPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** Signs access and ID tokens (published in JWKS). */
  signingKeyPem: string;
  signingCertPem: string;
  /** The registered app's client certificate (public part registered, private part handed to tests). */
  appCertPem: string;
  appKeyPem: string;
}

/** Default data directory: tooling/m365-emulator/.emulator (git-ignored), from src/ and dist/ alike. */
export const DEFAULT_DATA_DIR = resolve(__dirname, '..', '..', '.emulator');

const MATERIAL_FILE = 'material.json';
const CA_FILE = 'ca.pem';
const FORMAT_VERSION = 1;

function newRsaKeyPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

interface CertOptions {
  subjectCn: string;
  keyPem: string;
  issuer?: { certPem: string; keyPem: string };
  isCa?: boolean;
  altNames?: { dns?: string[]; ips?: string[] };
  days: number;
}

function makeCert(opts: CertOptions): string {
  const key = forge.pki.privateKeyFromPem(opts.keyPem);
  const publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive serial: a leading 0x00..0x7f byte.
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + opts.days * 24 * 3600 * 1000);
  const subject = [
    { name: 'commonName', value: opts.subjectCn },
    { name: 'organizationName', value: 'Rox 365 M365 Emulator' },
  ];
  cert.setSubject(subject);
  const issuerCert = opts.issuer ? forge.pki.certificateFromPem(opts.issuer.certPem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  const extensions: object[] = [];
  if (opts.isCa) {
    extensions.push({ name: 'basicConstraints', cA: true, critical: true });
    extensions.push({
      name: 'keyUsage',
      keyCertSign: true,
      cRLSign: true,
      digitalSignature: true,
      critical: true,
    });
  } else {
    extensions.push({ name: 'basicConstraints', cA: false });
    extensions.push({
      name: 'keyUsage',
      digitalSignature: true,
      keyEncipherment: true,
      critical: true,
    });
    extensions.push({ name: 'extKeyUsage', serverAuth: true, clientAuth: true });
  }
  if (opts.altNames) {
    const altNames: object[] = [];
    for (const dns of opts.altNames.dns ?? []) altNames.push({ type: 2, value: dns });
    for (const ip of opts.altNames.ips ?? []) altNames.push({ type: 7, ip });
    extensions.push({ name: 'subjectAltName', altNames });
  }
  extensions.push({ name: 'subjectKeyIdentifier' });
  cert.setExtensions(extensions);
  const signingKey = forge.pki.privateKeyFromPem(opts.issuer ? opts.issuer.keyPem : opts.keyPem);
  cert.sign(signingKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** Generates fresh material: a CA, a localhost server certificate, a token signing key and an app certificate. */
export function generateMaterial(): EmulatorMaterial {
  const caKeyPem = newRsaKeyPem();
  const caCertPem = makeCert({
    subjectCn: 'Rox 365 M365 Emulator Local CA',
    keyPem: caKeyPem,
    isCa: true,
    days: 3650,
  });
  const serverKeyPem = newRsaKeyPem();
  const serverCertPem = makeCert({
    subjectCn: 'localhost',
    keyPem: serverKeyPem,
    issuer: { certPem: caCertPem, keyPem: caKeyPem },
    altNames: { dns: ['localhost'], ips: ['127.0.0.1', '::1'] },
    days: 825,
  });
  const signingKeyPem = newRsaKeyPem();
  const signingCertPem = makeCert({
    subjectCn: 'accounts.emulator.local',
    keyPem: signingKeyPem,
    days: 3650,
  });
  const appKeyPem = newRsaKeyPem();
  const appCertPem = makeCert({ subjectCn: 'Rox 365 Integration', keyPem: appKeyPem, days: 3650 });
  return {
    caCertPem,
    caKeyPem,
    serverCertPem,
    serverKeyPem,
    signingKeyPem,
    signingCertPem,
    appCertPem,
    appKeyPem,
  };
}

function isMaterial(v: unknown): v is EmulatorMaterial & { version: number } {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    o.version === FORMAT_VERSION &&
    typeof o.caCertPem === 'string' &&
    typeof o.appKeyPem === 'string'
  );
}

function readMaterial(dataDir: string): EmulatorMaterial | undefined {
  const file = join(dataDir, MATERIAL_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return isMaterial(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Loads the key material from dataDir, creating it once. Several processes may call this at the
 * same time (parallel test workers): a lock file makes exactly one of them generate it.
 */
export function loadOrCreateMaterial(dataDir: string): EmulatorMaterial {
  const existing = readMaterial(dataDir);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true });
  const lock = join(dataDir, '.material.lock');
  for (let attempt = 0; attempt < 400; attempt++) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      sleepSync(25);
      const again = readMaterial(dataDir);
      if (again) return again;
      continue;
    }
    try {
      const again = readMaterial(dataDir);
      if (again) return again;
      const material = generateMaterial();
      const tmp = join(dataDir, `${MATERIAL_FILE}.${process.pid}.tmp`);
      writeFileSync(tmp, JSON.stringify({ version: FORMAT_VERSION, ...material }), { mode: 0o600 });
      renameSync(tmp, join(dataDir, MATERIAL_FILE));
      const caTmp = join(dataDir, `${CA_FILE}.${process.pid}.tmp`);
      writeFileSync(caTmp, material.caCertPem);
      renameSync(caTmp, join(dataDir, CA_FILE));
      return material;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
  throw new Error(`Could not create emulator key material in ${dataDir} (lock held too long)`);
}

/**
 * Ensures the emulator's CA exists in dataDir and returns the path of its PEM file. Call it from
 * a vitest globalSetup and put the path in NODE_EXTRA_CA_CERTS before test workers start.
 */
export function ensureEmulatorCa(dataDir: string = DEFAULT_DATA_DIR): string {
  const material = loadOrCreateMaterial(dataDir);
  const caPath = join(dataDir, CA_FILE);
  if (!existsSync(caPath) || readFileSync(caPath, 'utf8') !== material.caCertPem) {
    writeFileSync(caPath, material.caCertPem);
  }
  return caPath;
}

export function caPathOf(dataDir: string): string {
  return join(dataDir, CA_FILE);
}

/** Hex SHA-1 and SHA-256 thumbprints of a PEM certificate (DER bytes), as Entra shows them. */
export function certThumbprints(certPem: string): { sha1Hex: string; sha256Hex: string } {
  const der = Buffer.from(
    certPem.replace(/-----BEGIN CERTIFICATE-----|-----END CERTIFICATE-----|\s+/g, ''),
    'base64',
  );
  return {
    sha1Hex: createHash('sha1').update(der).digest('hex').toUpperCase(),
    sha256Hex: createHash('sha256').update(der).digest('hex').toUpperCase(),
  };
}

/** Base64 DER body of a PEM certificate (the x5c form). */
export function certDerBase64(certPem: string): string {
  return certPem.replace(/-----BEGIN CERTIFICATE-----|-----END CERTIFICATE-----|\s+/g, '');
}
