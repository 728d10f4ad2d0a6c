#ifndef SHARDQL_CSQLITE_SHIM_H
#define SHARDQL_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
