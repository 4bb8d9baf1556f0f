import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCa {
  /** The CA's certificate (PEM): what a client must trust. */
  readonly caFile: string;
  readonly caPem: string;
  /** The server's certificate (signed by the CA) and key, for `host`. */
  readonly certFile: string;
  readonly keyFile: string;
  /** Certificate and key in one PEM file (ejabberd's certfiles). */
  readonly bundleFile: string;
}

/**
 * A certificate authority made for one test run with openssl, and a server certificate it
 * signed for `host` (subjectAltName DNS:host): what a private XMPP server's operator has.
 */
export async function makeTestCa(dir: string, host: string): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run("openssl", args);
  await openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=xmpp-rest test CA",
    "-keyout",
    path("ca.key"),
    "-out",
    path("ca.crt"),
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  await openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${host}`,
    "-keyout",
    path(`${host}.key`),
    "-out",
    path(`${host}.csr`),
  );
  await writeFile(path("ext.cnf"), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
  await openssl(
    "x509",
    "-req",
    "-in",
    path(`${host}.csr`),
    "-CA",
    path("ca.crt"),
    "-CAkey",
    path("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    path("ext.cnf"),
    "-out",
    path(`${host}.crt`),
  );
  const [caPem, cert, key] = await Promise.all(
    ["ca.crt", `${host}.crt`, `${host}.key`].map((f) => readFile(path(f), "utf8")),
  );
  await writeFile(path(`${host}.pem`), `${cert}${key}`);
  return {
    caFile: path("ca.crt"),
    caPem: caPem ?? "",
    certFile: path(`${host}.crt`),
    keyFile: path(`${host}.key`),
    bundleFile: path(`${host}.pem`),
  };
}
