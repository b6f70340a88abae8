/**
 * The part of better-sqlite3 12.x (https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md) the
 * reference stores use. The package ships no types and @types/better-sqlite3 is not a dependency.
 */
declare module 'better-sqlite3' {
  namespace Database {
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }
    interface Statement<P extends unknown[] = unknown[]> {
      run(...params: P): RunResult;
      get(...params: P): unknown;
      all(...params: P): unknown[];
    }
    interface Options {
      readonly?: boolean;
      fileMustExist?: boolean;
      timeout?: number;
    }
    interface Database {
      readonly open: boolean;
      readonly inTransaction: boolean;
      readonly name: string;
      prepare<P extends unknown[] = unknown[]>(sql: string): Statement<P>;
      exec(sql: string): this;
      pragma(source: string, options?: { simple?: boolean }): unknown;
      transaction<F extends (...args: never[]) => unknown>(fn: F): F;
      close(): this;
    }
  }
  interface DatabaseConstructor {
    new (filename?: string, options?: Database.Options): Database.Database;
    (filename?: string, options?: Database.Options): Database.Database;
  }
  const Database: DatabaseConstructor;
  export = Database;
}
