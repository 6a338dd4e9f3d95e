"""Concurrent SQLite writers on one database: processes insert rows in their own transactions.

usage: sqlite-writers.py DATABASE PROCESSES ROWS_EACH
Prints "rows=<count> integrity=<result>"; exits 1 when a writer failed (its error printed).
"""
import multiprocessing
import sqlite3
import sys
import time

db, processes, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def write(worker):
    c = sqlite3.connect(db, timeout=60)
    for n in range(rows):
        for attempt in range(200):
            try:
                c.execute("insert into t(worker, n, payload) values (?, ?, ?)", (worker, n, "x" * 300))
                c.commit()
                break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    print("worker %d row %d: %s" % (worker, n, e), flush=True)
                    sys.exit(1)
                time.sleep(0.02)
        else:
            print("worker %d row %d: still locked" % (worker, n), flush=True)
            sys.exit(1)
    c.close()


if __name__ == "__main__":
    c = sqlite3.connect(db, timeout=60)
    c.execute("create table t(id integer primary key, worker int, n int, payload text)")
    c.commit()
    c.close()
    ps = [multiprocessing.Process(target=write, args=(w,)) for w in range(processes)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    c = sqlite3.connect(db)
    print("rows=%d integrity=%s" % (c.execute("select count(*) from t").fetchone()[0],
                                     c.execute("pragma integrity_check").fetchone()[0]))
    sys.exit(0 if all(p.exitcode == 0 for p in ps) else 1)
