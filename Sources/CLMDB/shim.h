#ifndef BATON_CLMDB_SHIM_H
#define BATON_CLMDB_SHIM_H
#include <lmdb.h>
#endif
