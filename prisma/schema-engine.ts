/**
 * Loads Prisma's schema engine (migrations, diffing) from @prisma/schema-engine-wasm, so that no
 * native schema-engine binary (downloaded from Prisma's CDN) is needed.
 *
 * The package is built for bundlers: its entry does `import * as wasm from "./schema_engine_bg.wasm"`,
 * which neither Node 20 nor Jest can load, and its glue file is an ES module, which CommonJS code
 * cannot require() under Jest on Node 20. So we evaluate the glue ourselves (ESM `export`s rewritten
 * to a returned object) and instantiate the .wasm with it, like the package entry would.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

export type { SchemaEngine };

type WasmExports = Record<string, unknown>;

// tsconfig's lib has no DOM and @types/node 20 does not declare WebAssembly: just what is used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, object>) => { exports: WasmExports };
};

interface Glue {
  SchemaEngine: typeof SchemaEngine;
  __wbg_set_wasm(exports: WasmExports): void;
}

let glue: Glue | undefined;

/**
 * The engine arms timeouts (setTimeout) and never clears them (the glue has no clearTimeout), which
 * would keep Node alive for ~10 s after every command. Its timers are unref'd instead; an open
 * EngineSession keeps the process alive on its own (see openSchemaEngine).
 */
function unrefSetTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout> {
  return setTimeout(callback, ms).unref();
}

function evaluateGlue(source: string): Glue {
  const names = [...source.matchAll(/^export (?:function|class) (\w+)/gm)].map((match) => match[1]);
  const body = `"use strict";\n${source.replace(/^export (?=function |class )/gm, '')}\nreturn { ${names.join(', ')} };`;
  // Function() (not vm) so that the glue shares this realm's globals: its `instanceof Promise`
  // checks must see the driver adapters' promises, and under Jest those come from the test sandbox.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call -- see above: the glue must run in this realm
  return new Function('setTimeout', body)(unrefSetTimeout) as Glue;
}

function loadGlue(): Glue {
  if (glue) return glue;
  const dir = dirname(require.resolve('@prisma/schema-engine-wasm'));
  const loaded = evaluateGlue(readFileSync(join(dir, 'schema_engine_bg.js'), 'utf8'));
  const wasmModule = new WebAssembly.Module(readFileSync(join(dir, 'schema_engine_bg.wasm')));
  const instance = new WebAssembly.Instance(wasmModule, { './schema_engine_bg.js': loaded });
  loaded.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  glue = loaded;
  return glue;
}

export interface SchemaFile {
  path: string;
  content: string;
}

export interface EngineSession {
  engine: SchemaEngine;
  /** Frees the engine and disposes the connections it left open (free() does not). */
  close: () => Promise<void>;
}

/** Wraps a factory to remember the connections it hands out until they are disposed. */
function trackConnections(factory: SqlMigrationAwareDriverAdapterFactory) {
  const open = new Set<SqlDriverAdapter>();
  const track = async (connecting: Promise<SqlDriverAdapter>): Promise<SqlDriverAdapter> => {
    const adapter = await connecting;
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = () => {
      open.delete(adapter);
      return dispose();
    };
    open.add(adapter);
    return adapter;
  };
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => track(factory.connect()),
    connectToShadowDb: () => track(factory.connectToShadowDb()),
  };
  const disposeAll = async (): Promise<void> => {
    for (const adapter of [...open]) await adapter.dispose();
  };
  return { tracked, disposeAll };
}

/** A schema engine talking to the database through a driver adapter. */
export async function openSchemaEngine(
  schema: SchemaFile,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  log: (line: string) => void = () => {},
): Promise<EngineSession> {
  const { SchemaEngine: Engine } = loadGlue();
  const { tracked, disposeAll } = trackConnections(adapterFactory);
  const keepAlive = setInterval(() => {}, 60_000); // the engine's own timers are unref'd
  const release = async (): Promise<void> => {
    clearInterval(keepAlive);
    await disposeAll();
  };
  let engine: SchemaEngine;
  try {
    engine = await Engine.new({ datamodels: [[schema.path, schema.content]] }, log, bindMigrationAwareSqlAdapterFactory(tracked));
  } catch (error) {
    await release();
    throw error;
  }
  return {
    engine,
    close: async () => {
      engine.free();
      await release();
    },
  };
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] };
