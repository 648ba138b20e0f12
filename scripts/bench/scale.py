"""Prints and plots scripts/bench/scale.sh's benchmark results.

    python3 scale.py RUN_DIR OUT_PREFIX

Each point's cost is the benchmark's median execution time plus its storage reads and writes
priced as the runtime charges them (runtime/src/db_weights.rs, what scripts/bench/storage.sh
measured on a chain of the design's size). Each series is printed against its own smallest
case; the target is at most 1.2x.
"""

import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from db_weights import runtime_db_weights_ns  # noqa: E402

READ_US, WRITE_US = (ns / 1000 for ns in runtime_db_weights_ns())
TARGET = 1.2


def series(run_dir, name, component):
    """[(component value, execution us, reads, writes, weight us)], sorted by the value."""
    results = json.load(open(f"{run_dir}/{name}.json"))
    bench = next(r for r in results if r["benchmark"] == name)
    by_value = {}
    for step in bench["time_results"]:
        value = dict(step["components"])[component]
        by_value.setdefault(value, []).append(step)
    out = []
    for value, steps in sorted(by_value.items()):
        time = statistics.median(s["extrinsic_time"] for s in steps) / 1000
        db = [s for s in bench["db_results"] if dict(s["components"])[component] == value]
        reads = max(s["reads"] for s in db) if db else 0
        writes = max(s["writes"] for s in db) if db else 0
        out.append((value, time, reads, writes, time + reads * READ_US + writes * WRITE_US))
    return out


def report(title, rows, charged=True):
    base = rows[0]
    print(f"\n{title}")
    print("| n | execution | reads | writes | weight | × smallest |")
    print("|---|---|---|---|---|---|")
    for value, time, reads, writes, weight in rows:
        print(f"| {value:,} | {time:,.1f} µs | {reads} | {writes} | {weight:,.1f} µs | {weight / base[4]:.2f} |")
    worst = max(r[4] for r in rows) / base[4]
    execution = max(r[1] for r in rows) / base[1]
    if charged:
        verdict = "flat" if worst <= TARGET else "NOT flat"
        print(f"weight {worst:.2f}x, execution {execution:.2f}x from {rows[0][0]:,} to {rows[-1][0]:,}: "
              f"{verdict} (target <= {TARGET}x)")
    else:
        print(f"execution {execution:.2f}x from {rows[0][0]:,} to {rows[-1][0]:,} (the baseline)")
    return worst, execution


def main(run_dir, prefix):
    assign = series(run_dir, "assign_task", "p")
    reads = series(run_dir, "provider_reads", "p")
    settle = series(run_dir, "settle_in_pool", "p")
    queue = series(run_dir, "assign_with_queue", "q")
    report("assign_task(3, p): a task of R = 3 assigned from p providers", assign)
    report("provider_reads(p): the same storage reads alone (not charged)", reads, charged=False)
    report("settle_in_pool(p): an honest verdict of R = 3 made final, p providers", settle)
    report("assign_with_queue(q): the task at the front of q queued entries", queue)

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for rows, label in ((assign, "assign a task (R = 3)"), (settle, "final verdict (R = 3)"),
                        (reads, "the same reads alone (baseline)")):
        left.plot([r[0] for r in rows], [r[1] / rows[0][1] for r in rows], marker="o", label=label)
    left.axhline(TARGET, color="red", linestyle="--", label=f"target: {TARGET}x")
    left.set_xscale("log")
    left.set_xlabel("providers")
    left.set_ylabel("execution time × its smallest case")
    left.legend()
    right.plot([r[0] for r in queue], [r[1] / queue[0][1] for r in queue], marker="o",
               label="assign the task at the front")
    right.axhline(TARGET, color="red", linestyle="--", label=f"target: {TARGET}x")
    right.set_xscale("log")
    right.set_xlabel("queued entries")
    right.legend()
    fig.suptitle("The hook's cost per task as the market grows")
    fig.tight_layout()
    fig.savefig(f"{prefix}-scale.png", dpi=100)
    print(f"\nplot: {prefix}-scale.png")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
