// The benchmark's peer: PostGraphile v5 (amber preset) on Omadata's own
// PostgreSQL database, exposing receipts, their lines, products, categories
// and stores, and nothing else. Usage:
//
//   DATABASE_URL=postgres://... PEER_PUBLIC_KEY=key.pem PORT=5678 node server.mjs
//
// Who sees what is decided by PostgreSQL's row-level security, exactly as
// for Omadata: each request runs as role omadata_peer with the settings
// Omadata's transactions make, omadata.scope = 'member' and omadata.viewer
// = the member, so the same policies (migration 00050) work out rule 5 in
// the database for each transaction. The member comes from the request's
// token, the same Ed25519-signed JWT Omadata takes, verified here with
// node:crypto (PostGraphile v5 leaves token handling to the server).
import { createServer } from "node:http";
import { createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { pgSmartTags } from "postgraphile/utils";

// PostGraphile 5.1 asks for Node 22 and uses one of its additions at run
// time; this machine has Node 20, which lacks only that one.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

const connectionString = process.env.DATABASE_URL;
const port = Number(process.env.PORT || 5678);
const poolMax = Number(process.env.PEER_POOL_MAX || 10);
const publicKey = createPublicKey(readFileSync(process.env.PEER_PUBLIC_KEY));
const issuer = process.env.PEER_JWT_ISSUER || "omadata-bench";
const audience = process.env.PEER_JWT_AUDIENCE || "omadata";

// claimsOf verifies an EdDSA JWT and returns its claims, or null.
function claimsOf(authorization) {
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(authorization || "");
  if (!m) return null;
  const header = JSON.parse(Buffer.from(m[1], "base64url"));
  if (header.alg !== "EdDSA") return null;
  const ok = verify(null, Buffer.from(`${m[1]}.${m[2]}`), publicKey, Buffer.from(m[3], "base64url"));
  if (!ok) return null;
  const c = JSON.parse(Buffer.from(m[2], "base64url"));
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (c.iss !== issuer || !aud.includes(audience) || !(c.exp * 1000 > Date.now())) return null;
  if (typeof c.sub !== "string" || c.scope) return null; // member tokens only
  return c;
}

// pgSettings of a request: a valid member token reads as its member;
// anything else runs with no scope, which the policies answer with no rows.
// JIT is off, as on Omadata's connections (storage/storage.go), so both
// plan with the same settings.
function pgSettings(requestContext) {
  const c = claimsOf(requestContext?.node?.req?.headers?.authorization);
  if (!c) return { role: "omadata_peer", jit: "off" };
  return { role: "omadata_peer", jit: "off", "omadata.scope": "member", "omadata.viewer": c.sub };
}

// Expose the five tables only, and of the functions only the household
// page (setup.sql). Two links of the lines are foreign keys in all but
// name: the GTIN (a line may name a product the catalog does not know
// yet) and the receipt (checked by triggers a statement at a time since
// migration 00110); declared here, PostGraphile builds the same relations
// (receiptLinesByCustomerIdAndReceiptSeq) a real key gave it.
const exposed = new Set(["receipts", "receipt_lines", "products", "categories", "stores"]);
const tags = pgSmartTags([
  { kind: "class", match: (c) => !exposed.has(c.relname), tags: { behavior: "-*" } },
  { kind: "procedure", match: (p) => p.proname !== "peer_household_receipts", tags: { behavior: "-*" } },
  { kind: "class", match: "receipt_lines", tags: { foreignKey: [
    "(gtin) references products (gtin)",
    "(customer_id, receipt_seq) references receipts (customer_id, receipt_seq)",
  ] } },
  // Reads only: the peer is compared on queries.
  { kind: "class", match: (c) => exposed.has(c.relname), tags: { behavior: "-insert -update -delete" } },
]);

const preset = {
  extends: [PostGraphileAmberPreset],
  plugins: [tags],
  pgServices: [makePgService({ connectionString, schemas: ["public"], poolConfig: { max: poolMax }, pgSettings })],
  grafserv: { port, graphqlPath: "/graphql", watch: false, graphiql: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on("error", (e) => { console.error(e); process.exit(1); });
serv.addTo(server).then(() => {
  server.listen(port, "127.0.0.1", () => console.log(`peer: PostGraphile listening on 127.0.0.1:${port}`));
}).catch((e) => { console.error(e); process.exit(1); });
