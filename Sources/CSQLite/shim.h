#ifndef SHARDQL_CSQLITE_SHIM_H
#define SHARDQL_CSQLITE_SHIM_H

/* The system SQLite is built with the preupdate hook (SQLiteChangeCapture records row changes with
   it), but sqlite3.h declares that API only when this is defined. */
#ifndef SQLITE_ENABLE_PREUPDATE_HOOK
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#endif

#include <sqlite3.h>

/* sqlite3_db_config is variadic, which Swift cannot call: this fixes the signature of the options
   that take an int to set (negative: leave as is) and an int* to report the setting. */
static inline int shardql_db_config_int(sqlite3 *db, int option, int value, int *result) {
    return sqlite3_db_config(db, option, value, result);
}

/* sqlite3_config is variadic too: turns SQLite's memory statistics off (before the first
   connection; a call after SQLite initialized is refused with SQLITE_MISUSE and changes nothing).
   Without them no allocation takes the global mutex the shard writers otherwise all share. */
static inline int shardql_config_memory_statistics(int on) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, on);
}

#endif
