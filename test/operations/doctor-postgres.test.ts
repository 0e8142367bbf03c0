import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseChecks } from '../../src/operations/doctor-local.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { usePostgresDatabases } from '../helpers/postgres.js';

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('issue 17: doctor on a PostgreSQL store', () => {
  const database = usePostgresDatabases();
  const stores: Store[] = [];
  const roles: Array<{ admin: string; role: string }> = [];
  afterAll(async () => {
    for (const store of stores.splice(0)) store.close();
    for (const { admin, role } of roles.splice(0))
      await sql(admin, `DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`);
  });

  /** A login role on the database that `grants` sets up (run as the owner); returns its URL. */
  async function limitedRole(url: string, grants: (role: string) => string): Promise<string> {
    const role = `doctor_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await sql(url, `CREATE ROLE ${role} LOGIN PASSWORD '${password}'; ${grants(role)}`);
    roles.push({ admin: url, role });
    const limited = new URL(url);
    limited.username = role;
    limited.password = password;
    return limited.href;
  }

  it('issue 17: names each table the role cannot write, with the GRANT to run; a fully granted role passes', async () => {
    const url = await database();
    // The owner's first open creates the tables the grants below cover.
    stores.push(openStore(url));
    const readOnly = await limitedRole(
      url,
      (role) => `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`,
    );
    const store = openStore(readOnly);
    stores.push(store);
    const checks = databaseChecks(store, readOnly, null);
    expect(checks.map((check) => check.name)).toEqual(['database', 'schema', 'durability', 'privileges']);
    const privileges = checks[3];
    const role = new URL(readOnly).username;
    expect(privileges).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(
        new RegExp(
          `^role ${role} lacks INSERT, UPDATE, DELETE on \\w+; INSERT, UPDATE, DELETE on \\w+; .*; and \\d+ more$`,
        ),
      ),
      fix: `as the owner: GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role} (README, Scaling out)`,
    });
    expect(JSON.stringify(checks)).not.toContain(new URL(readOnly).password);

    const listener = await limitedRole(
      url,
      (name) => `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${name}`,
    );
    const granted = openStore(listener);
    stores.push(granted);
    expect(databaseChecks(granted, listener, null)[3]).toMatchObject({ name: 'privileges', status: 'ok' });
  });
});
