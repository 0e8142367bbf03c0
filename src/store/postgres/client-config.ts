import pg from 'pg';
import { parse } from 'pg-connection-string';
import pgpass from 'pgpass';

/**
 * A password that is not in the URL: PGPASSWORD, else ~/.pgpass (or PGPASSFILE) as libpq reads them.
 * node-postgres 8.23 still reads ~/.pgpass itself but warns that pg 9 stops, and asks for a password
 * function that calls the pgpass module instead: this is it.
 */
function passwordFromEnvironment(
  parameters: Parameters<typeof pgpass>[0],
): Promise<string | undefined> | string {
  const fromEnv = process.env['PGPASSWORD'];
  if (fromEnv !== undefined) return fromEnv;
  return new Promise((resolve) => pgpass(parameters, resolve));
}

/**
 * How every connection of the tool (the store's bridge thread, a dashboard's LISTEN) reaches the server
 * at `url`, its password found as libpq users expect. The URL is parsed here rather than handed over as
 * connectionString: node-postgres would take the URL's empty password over the password function.
 */
export function postgresClientConfig(url: string, applicationName: string): pg.ClientConfig {
  const { password, ...fromUrl } = parse(url);
  return {
    ...(fromUrl as pg.ClientConfig),
    application_name: applicationName,
    // @types/pg leaves out the connection parameters pg passes and the undefined it accepts (no password).
    password:
      password !== undefined && password !== ''
        ? password
        : (passwordFromEnvironment as unknown as () => Promise<string>),
    // A silent network failure must not leave a request waiting forever (pg-boss #850).
    keepAlive: true,
  };
}
