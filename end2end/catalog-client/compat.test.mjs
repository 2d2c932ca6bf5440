// Backstage's own client, unmodified, against Portico: every method of
// `@backstage/catalog-client`'s CatalogClient, on the demo catalog.
//
// `cargo xtask test` runs this with `node --test` against the end2end server
// (PORTICO_BASE_URL), with a write token of an admin (PORTICO_E2E_TOKEN).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogClient, CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';

const baseUrl = process.env.PORTICO_BASE_URL ?? 'http://127.0.0.1:7007';
const token = process.env.PORTICO_E2E_TOKEN;
const client = new CatalogClient({ discoveryApi: { getBaseUrl: async () => `${baseUrl}/api/catalog` } });
const auth = { token };

const names = (entities) => entities.map((entity) => entity.metadata.name);

function componentFile(name, owner) {
  const dir = mkdtempSync(join(tmpdir(), 'portico-client-'));
  const file = join(dir, 'catalog-info.yaml');
  writeFileSync(
    file,
    `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: service
  lifecycle: experimental
  owner: ${owner}
`,
  );
  return file;
}

before(async () => {
  // The demo catalog is read in the background after start-up.
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await client.getEntityByRef('component:default/checkout-service', auth)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the demo catalog did not load');
});

test('getEntities: filter, fields, order, limit, offset and after', async () => {
  const { items } = await client.getEntities(
    {
      filter: { kind: 'Component', 'spec.type': 'library' },
      fields: ['kind', 'metadata.name'],
      order: { field: 'metadata.name', order: 'asc' },
    },
    auth,
  );
  assert.deepEqual(items, [
    { kind: 'Component', metadata: { name: 'design-system' } },
    { kind: 'Component', metadata: { name: 'service-kit' } },
  ]);
  const either = await client.getEntities({ filter: [{ kind: 'Domain' }, { kind: 'System', 'metadata.name': 'payments' }] }, auth);
  assert.equal(either.items.length, 4);
  const exists = await client.getEntities({ filter: { 'metadata.annotations.pagerduty.com/service-id': CATALOG_FILTER_EXISTS } }, auth);
  assert.deepEqual(names(exists.items).sort(), ['checkout-service', 'payments-gateway']);
  const page = await client.getEntities({ filter: { kind: 'Group' }, order: { field: 'metadata.name', order: 'desc' }, limit: 2, offset: 1 }, auth);
  assert.deepEqual(names(page.items), ['team-platform', 'team-payments']);
});

test('getEntityByRef and getEntityByName, with relations', async () => {
  const entity = await client.getEntityByRef('component:default/checkout-service', auth);
  assert.equal(entity.metadata.namespace, 'default');
  assert.ok(entity.metadata.uid);
  assert.ok(entity.relations.some((r) => r.type === 'ownedBy' && r.targetRef === 'group:default/team-checkout'));
  assert.ok(entity.relations.some((r) => r.type === 'hasSubcomponent' && r.targetRef === 'component:default/checkout-pricing'));
  assert.equal(await client.getEntityByRef('component:default/does-not-exist', auth), undefined);
  const byName = await client.getEntityByName({ kind: 'Group', namespace: 'default', name: 'team-payments' }, auth);
  assert.ok(byName.relations.some((r) => r.type === 'ownerOf' && r.targetRef === 'component:default/ledger'));
});

test('getEntitiesByRefs keeps the order, with undefined for unknown refs, filter and query', async () => {
  const refs = ['api:default/payments-api', 'component:default/nope', 'group:default/team-platform'];
  const { items } = await client.getEntitiesByRefs({ entityRefs: refs, fields: ['metadata.name'] }, auth);
  assert.deepEqual(items, [{ metadata: { name: 'payments-api' } }, undefined, { metadata: { name: 'team-platform' } }]);
  const filtered = await client.getEntitiesByRefs({ entityRefs: refs, filter: { kind: 'API' } }, auth);
  assert.equal(filtered.items[0].metadata.name, 'payments-api');
  assert.equal(filtered.items[2], undefined);
  const queried = await client.getEntitiesByRefs({ entityRefs: refs, query: { kind: 'Group' } }, auth);
  assert.equal(queried.items[0], undefined);
  assert.equal(queried.items[2].metadata.name, 'team-platform');
});

test('queryEntities: totals, cursors both ways, full text, predicates', async () => {
  const first = await client.queryEntities(
    { filter: { kind: 'Component' }, orderFields: { field: 'metadata.name', order: 'asc' }, limit: 5 },
    auth,
  );
  assert.equal(first.totalItems, 19);
  assert.equal(first.items.length, 5);
  assert.deepEqual(names(first.items).slice(0, 2), ['cart-service', 'checkout-pricing']);
  const second = await client.queryEntities({ cursor: first.pageInfo.nextCursor, limit: 5 }, auth);
  assert.equal(second.items[0].metadata.name, 'identity-service');
  const back = await client.queryEntities({ cursor: second.pageInfo.prevCursor, limit: 5 }, auth);
  assert.deepEqual(names(back.items), names(first.items));
  const text = await client.queryEntities({ fullTextFilter: { term: 'PAYMENTS', fields: ['metadata.name'] } }, auth);
  assert.deepEqual(names(text.items).sort(), ['payments', 'payments-api', 'payments-db', 'payments-domain', 'payments-gateway', 'team-payments']);
  const predicate = await client.queryEntities(
    { query: { kind: 'Component', 'spec.lifecycle': { $in: ['experimental', 'deprecated'] } }, orderFields: { field: 'metadata.name', order: 'desc' }, limit: 1 },
    auth,
  );
  assert.equal(predicate.totalItems, 2);
  assert.deepEqual(names(predicate.items), ['legacy-order-importer']);
  const next = await client.queryEntities({ cursor: predicate.pageInfo.nextCursor }, auth);
  assert.deepEqual(names(next.items), ['fraud-scoring']);
});

test('streamEntities pages through everything', async () => {
  let count = 0;
  for await (const page of client.streamEntities({ filter: { kind: 'User' }, pageSize: 5 }, auth)) {
    count += page.length;
  }
  assert.equal(count, 12);
});

test('getEntityFacets with filter and with a predicate', async () => {
  const { facets } = await client.getEntityFacets({ facets: ['spec.lifecycle'], filter: { kind: 'Component' } }, auth);
  const lifecycles = Object.fromEntries(facets['spec.lifecycle'].map(({ value, count }) => [value, count]));
  assert.deepEqual(lifecycles, { production: 17, experimental: 1, deprecated: 1 });
  const byQuery = await client.getEntityFacets({ facets: ['kind'], query: { 'spec.system': 'payments' } }, auth);
  const kinds = Object.fromEntries(byQuery.facets.kind.map(({ value, count }) => [value, count]));
  assert.deepEqual(kinds, { Component: 3, API: 1, Resource: 1 });
});

test('getEntityAncestors reaches the Location that brought an entity', async () => {
  const ancestry = await client.getEntityAncestors({ entityRef: 'component:default/ledger' }, auth);
  assert.equal(ancestry.rootEntityRef, 'component:default/ledger');
  assert.equal(ancestry.items[0].entity.metadata.name, 'ledger');
  assert.equal(ancestry.items[1].entity.kind, 'Location');
});

test('locations: list, query, stream, by id, by ref, by entity', async () => {
  const { items } = await client.getLocations({}, auth);
  assert.ok(items.length >= 1);
  const demo = items.find((location) => location.target.endsWith('catalog/all.yaml'));
  assert.equal(demo.type, 'file');
  assert.deepEqual(await client.getLocationById(demo.id, auth), demo);
  assert.deepEqual(await client.getLocationByRef(`file:${demo.target}`, auth), demo);
  assert.deepEqual(await client.getLocationByEntity('component:default/ledger', auth), demo);
  assert.equal(await client.getLocationById('00000000-0000-0000-0000-000000000000', auth), undefined);
  const queried = await client.queryLocations({ query: { type: 'file' }, limit: 1 }, auth);
  assert.ok(queried.totalItems >= 1);
  let streamed = 0;
  for await (const page of client.streamLocations({ limit: 1 }, auth)) streamed += page.length;
  assert.equal(streamed, items.length);
});

test('addLocation (dry run, register, conflict, refresh on conflict), updateLocation, refreshEntity, removals', async () => {
  const file = componentFile('client-made', 'team-platform');
  const preview = await client.addLocation({ type: 'file', target: file, dryRun: true }, auth);
  assert.ok(preview.entities.some((entity) => entity.metadata.name === 'client-made'));
  assert.equal(await client.getEntityByRef('component:default/client-made', auth), undefined);

  const added = await client.addLocation({ type: 'file', target: file }, auth);
  assert.equal(added.location.target, file);
  assert.deepEqual(added.entities, []);
  assert.ok(await client.getEntityByRef('component:default/client-made', auth));
  await assert.rejects(client.addLocation({ type: 'file', target: file }, auth), (error) => error.response?.status === 409);
  const again = await client.addLocation({ type: 'file', target: file, onConflict: 'refresh' }, auth);
  assert.equal(again.exists, true);
  assert.equal(again.location.id, added.location.id);

  // A change in the file shows after refreshEntity.
  writeFileSync(file, `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: client-made\n  title: Made by the client\nspec:\n  type: service\n  lifecycle: production\n  owner: team-platform\n`);
  await client.refreshEntity('component:default/client-made', auth);
  assert.equal((await client.getEntityByRef('component:default/client-made', auth)).metadata.title, 'Made by the client');

  const other = componentFile('client-moved', 'team-checkout');
  const updated = await client.updateLocation(added.location.id, { type: 'file', target: other }, auth);
  assert.equal(updated.target, other);
  assert.equal(await client.getEntityByRef('component:default/client-made', auth), undefined);
  const moved = await client.getEntityByRef('component:default/client-moved', auth);
  assert.ok(moved);

  await client.removeEntityByUid(moved.metadata.uid, auth);
  assert.equal(await client.getEntityByRef('component:default/client-moved', auth), undefined);
  await client.removeLocationById(added.location.id, auth);
  assert.equal(await client.getLocationById(added.location.id, auth), undefined);
});

test('validateEntity and analyzeLocation', async () => {
  const valid = await client.validateEntity(
    { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'ok' }, spec: { type: 'service', lifecycle: 'production', owner: 'team-a' } },
    'url:https://example.com/catalog-info.yaml',
    auth,
  );
  assert.deepEqual(valid, { valid: true });
  const invalid = await client.validateEntity(
    { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'not ok!' }, spec: {} },
    'url:https://example.com/catalog-info.yaml',
    auth,
  );
  assert.equal(invalid.valid, false);
  assert.ok(invalid.errors.some((error) => error.message.includes('metadata.name')));
  const file = componentFile('analyzed', 'team-platform');
  const analysis = await client.analyzeLocation({ location: { type: 'file', target: file } }, auth);
  assert.equal(analysis.existingEntityFiles.length, 1);
  assert.equal(analysis.existingEntityFiles[0].entity.metadata.name, 'analyzed');
  assert.equal(analysis.existingEntityFiles[0].isRegistered, false);
});

test('errors arrive as Backstage ResponseErrors', async () => {
  await assert.rejects(
    client.getEntities({ order: { field: 'metadata.name', order: 'sideways' } }, auth),
    (error) => error.name === 'ResponseError' && error.response.status === 400,
  );
  const anonymous = new CatalogClient({ discoveryApi: { getBaseUrl: async () => `${baseUrl}/api/catalog` } });
  await assert.rejects(
    anonymous.addLocation({ type: 'file', target: '/tmp/x.yaml' }),
    (error) => error.response.status === 401,
  );
});
