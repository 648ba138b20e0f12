"""Plots a throughput run from tests/client/tools/throughput-profile.mjs's CSV files.

    python3 plot-throughput.py RUN_DIR OUT_PREFIX

Writes OUT_PREFIX-rate.png (tasks with a verdict per second, per block and cumulative, with the
block weight the market's hook and the transactions used) and OUT_PREFIX-latency.png (blocks
from a task's first assignment to its verdict, as a histogram).
"""

import csv
import sys
from collections import Counter

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main(run_dir, prefix):
    blocks = rows(f"{run_dir}/blocks.csv")
    latency = rows(f"{run_dir}/latency.csv")
    t0 = int(blocks[0]["ms"])
    t = [(int(b["ms"]) - t0) / 1000 for b in blocks]
    done = [int(b["decided"]) for b in blocks]
    cumulative, total = [], 0
    for d in done:
        total += d
        cumulative.append(total)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    top.bar(t, [d / 3 for d in done], width=2.5, label="verdicts per second (per 3 s block)")
    top.axhline(100, color="red", linestyle="--", label="target: 100 tasks/s")
    top.set_ylabel("tasks / s")
    twin = top.twinx()
    twin.plot(t, cumulative, color="black", label="tasks with a verdict (cumulative)")
    twin.set_ylabel("tasks")
    top.legend(loc="upper left")
    twin.legend(loc="lower right")
    bottom.stackplot(
        t,
        [float(b["hook_ms"]) for b in blocks],
        [float(b["tx_ms"]) for b in blocks],
        labels=["market hook (mandatory)", "transactions (normal)"],
    )
    bottom.axhline(1000, color="red", linestyle="--", label="block limit: 1 s of weight")
    bottom.set_ylabel("block weight (ms)")
    bottom.set_xlabel("seconds since the job's first block")
    bottom.legend(loc="upper right")
    fig.suptitle("Throughput: verdicts per second and block weight used")
    fig.tight_layout()
    fig.savefig(f"{prefix}-rate.png", dpi=100)

    counts = Counter(int(l["blocks"]) for l in latency)
    fig, ax = plt.subplots(figsize=(9, 4))
    # Every block count from 1 to one past the largest, so that one bar alone still reads as
    # a number of blocks.
    xs = list(range(1, max(counts, default=0) + 2))
    ax.bar(xs, [counts[x] for x in xs], width=0.6)
    ax.set_xticks(xs)
    ax.set_xlabel("blocks from a task's first assignment to its verdict")
    ax.set_ylabel("tasks")
    ax.set_title(f"Latency to the verdict, {len(latency)} tasks")
    fig.tight_layout()
    fig.savefig(f"{prefix}-latency.png", dpi=100)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
