// Pairs are searchable by manager in Temporal (UI, CLI, visibility API) without putting an email in
// search attributes: each pair's workflow carries the manager's key, an opaque pseudonym that is the
// id of the first pair created for that manager. Only the database maps keys back to people.
import type { Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { RapportPrisma } from '../prisma/database';

export const MANAGER_KEY_ATTRIBUTE = defineSearchAttributeKey('RapportManagerKey', SearchAttributeType.KEYWORD);

/** The proto enum value of IndexedValueType.KEYWORD, as the operator service expects it. */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/** Pairs in the order that decides managers' keys: a manager's key is the id of their first pair. */
export const MANAGER_KEY_ORDER = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

export async function managerKeyOf(db: RapportPrisma, managerEmail: string): Promise<string | undefined> {
  const first = await db.pair.findFirst({ where: { managerEmail: managerEmail.trim().toLowerCase() }, orderBy: MANAGER_KEY_ORDER, select: { id: true } });
  return first?.id;
}

/** Every manager's key, from pairs listed in MANAGER_KEY_ORDER. */
export function managerKeysOf(pairs: { id: string; managerEmail: string }[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const pair of pairs) if (!keys.has(pair.managerEmail)) keys.set(pair.managerEmail, pair.id);
  return keys;
}

export function managerSearchAttributes(managerKey: string): TypedSearchAttributes {
  return new TypedSearchAttributes([{ key: MANAGER_KEY_ATTRIBUTE, value: managerKey }]);
}

/** The visibility query that lists a manager's running pairs. */
export function managerSearchQuery(managerKey: string): string {
  return `${MANAGER_KEY_ATTRIBUTE.name} = "${managerKey}"`;
}

/** Registers the search attribute in the namespace; an attribute that already exists is fine. */
export async function registerManagerKeyAttribute(client: Client, namespace = client.options.namespace): Promise<void> {
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { [MANAGER_KEY_ATTRIBUTE.name]: INDEXED_VALUE_TYPE_KEYWORD },
    });
  } catch (error) {
    if (/already exists/i.test((error as Error).message)) return;
    throw error;
  }
}

const registrations = new WeakMap<Client, Promise<boolean>>();

/**
 * Registers the attribute once per client before its first start: starting with an undefined
 * attribute fails, and a failed start is not something to rely on recovering from. Where the
 * cluster does not allow registering (e.g. Temporal Cloud without the permission, where ops create
 * it once by hand), pairs still start, only without being searchable by manager.
 */
export function ensureManagerKeyAttribute(client: Client): Promise<boolean> {
  let registered = registrations.get(client);
  if (!registered) {
    registered = registerManagerKeyAttribute(client).then(
      () => true,
      (error: Error) => searchableAnyway(client, error),
    );
    registrations.set(client, registered);
  }
  return registered;
}

/** Whether the attribute exists although registering it was refused (created by ops beforehand). */
async function searchableAnyway(client: Client, refusal: Error): Promise<boolean> {
  try {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: client.options.namespace });
    if (MANAGER_KEY_ATTRIBUTE.name in (customAttributes ?? {})) return true;
  } catch {
    // Listing is refused where registering was; the warning below says what to do.
  }
  console.warn(
    `Pairs will not be searchable by manager: the ${MANAGER_KEY_ATTRIBUTE.name} search attribute could not be registered (${refusal.message}). ` +
      `Create it once: temporal operator search-attribute create --name ${MANAGER_KEY_ATTRIBUTE.name} --type Keyword`,
  );
  return false;
}
