// The ceiling the Baton log is measured against: the same appends (one durable write
// transaction per batch, MDB_APPEND, 8-byte big-endian keys, values the size of a Baton record)
// and the same full read, straight on liblmdb.
//
// usage: lmdb-baseline append DIR BATCH TOTAL VALUE_BYTES   -> prints "append <events/s>"
//        lmdb-baseline read DIR                               -> prints "read <events/s> <count>"
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(int rc, const char *what) {
    if (rc != 0) {
        fprintf(stderr, "lmdb-baseline: %s: %s\n", what, mdb_strerror(rc));
        exit(3);
    }
}

static void put_be64(unsigned char *out, uint64_t v) {
    for (int i = 7; i >= 0; i--) { out[i] = (unsigned char)(v & 0xff); v >>= 8; }
}

static MDB_env *open_env(const char *dir, MDB_dbi *dbi) {
    MDB_env *env;
    MDB_txn *txn;
    check(mdb_env_create(&env), "env_create");
    check(mdb_env_set_maxdbs(env, 4), "set_maxdbs");
    check(mdb_env_set_mapsize(env, (size_t)4 << 30), "set_mapsize");
    check(mdb_env_open(env, dir, MDB_NOTLS, 0644), "env_open");
    check(mdb_txn_begin(env, NULL, 0, &txn), "txn_begin");
    check(mdb_dbi_open(txn, "events", MDB_CREATE, dbi), "dbi_open");
    check(mdb_txn_commit(txn), "commit");
    return env;
}

static int run_append(const char *dir, long batch, long total, long value_bytes) {
    MDB_dbi dbi;
    MDB_env *env = open_env(dir, &dbi);
    unsigned char key_bytes[8];
    unsigned char *value_bytes_buf = malloc((size_t)value_bytes);
    memset(value_bytes_buf, 0xab, (size_t)value_bytes);
    uint64_t seq = 0;
    double start = now_seconds();
    for (long done = 0; done < total; done += batch) {
        MDB_txn *txn;
        check(mdb_txn_begin(env, NULL, 0, &txn), "txn_begin");
        for (long i = 0; i < batch; i++) {
            seq++;
            put_be64(key_bytes, seq);
            MDB_val key = { 8, key_bytes };
            MDB_val val = { (size_t)value_bytes, value_bytes_buf };
            check(mdb_put(txn, dbi, &key, &val, MDB_APPEND), "put");
        }
        check(mdb_txn_commit(txn), "commit");
    }
    double elapsed = now_seconds() - start;
    printf("append %.0f\n", (double)seq / elapsed);
    free(value_bytes_buf);
    mdb_env_close(env);
    return 0;
}

static int run_read(const char *dir) {
    MDB_dbi dbi;
    MDB_env *env = open_env(dir, &dbi);
    MDB_txn *txn;
    MDB_cursor *cursor;
    MDB_val key, val;
    long count = 0;
    unsigned long checksum = 0;
    double start = now_seconds();
    check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "txn_begin");
    check(mdb_cursor_open(txn, dbi, &cursor), "cursor_open");
    while (mdb_cursor_get(cursor, &key, &val, count == 0 ? MDB_FIRST : MDB_NEXT) == 0) {
        // Copy the value out, as the Baton reader does, so the comparison is fair.
        unsigned char *copy = malloc(val.mv_size);
        memcpy(copy, val.mv_data, val.mv_size);
        checksum += copy[val.mv_size - 1];
        free(copy);
        count++;
    }
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    double elapsed = now_seconds() - start;
    printf("read %.0f %ld %lu\n", (double)count / elapsed, count, checksum % 7);
    mdb_env_close(env);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "append") == 0) {
        return run_append(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
    }
    if (argc == 3 && strcmp(argv[1], "read") == 0) {
        return run_read(argv[2]);
    }
    fprintf(stderr, "usage: lmdb-baseline append DIR BATCH TOTAL VALUE_BYTES | lmdb-baseline read DIR\n");
    return 2;
}
