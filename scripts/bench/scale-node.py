"""Prints scripts/bench/scale-node.sh's results: the real cost of assigning a task and of making
its verdict final, in a small market and in a large one, and their ratios.

    python3 scale-node.py SMALL_DIR LARGE_DIR

Each directory holds assign.json (tests/client/tools/assign-job.mjs: the replicas each block
assigned), answer.json (tools/answer-job.mjs: the commits, reveals and final verdicts each
block held), blocks.log and blocks-cached.log (`conun-node benchmark block` without and with
the trie cache: each block executed again, its time and the weight it was charged).

A task's cost is what its block took beyond the block before the job was posted (the market at
rest: the hook's visits of the parked queue, the timestamp), shared among the tasks the block
assigned, or whose verdicts it made final. Only blocks that did one of the two and held no
commit or reveal count.
"""

import json
import re
import sys

TARGET = 1.2
REPLICAS = 3
LINE = re.compile(r"Block (\d+) with\s+(\d+) tx used\s+([\d.]+)% of its weight \(\s*([\d,]+) of\s+([\d,]+) ns\)")


def load(run_dir, log):
    """The market's blocks, {number: {tasks, commits, reveals, verified, took, charged}}, and the
    block before the job's."""
    assign = json.load(open(f"{run_dir}/assign.json"))
    answer = json.load(open(f"{run_dir}/answer.json"))
    blocks = {}
    for line in open(f"{run_dir}/{log}"):
        found = LINE.search(line)
        if found:
            number, _, _, took, charged = found.groups()
            blocks[int(number)] = {"tasks": 0, "commits": 0, "reveals": 0, "verified": 0,
                                   "took": int(took.replace(",", "")), "charged": int(charged.replace(",", ""))}
    for b in assign["blocks"]:
        if b["number"] in blocks:
            blocks[b["number"]]["tasks"] = b["replicas"] // REPLICAS
    for b in answer["blocks"]:
        if b["number"] in blocks:
            for key in ("commits", "reveals", "verified"):
                blocks[b["number"]][key] += b[key]
    return blocks, assign["postedAt"] - 1


def report(name, run_dir, log):
    """Prints the market's blocks; returns the execution time per task assigned and per verdict
    made final, and the largest share of its weight a block used."""
    blocks, rest_at = load(run_dir, log)
    rest = blocks[rest_at]
    print(f"\n{name}: at rest (block {rest_at}) {rest['took'] / 1e6:.2f} ms executed, {rest['charged'] / 1e6:.2f} ms charged")
    print("| block | tasks assigned | commits | reveals | verdicts made final | executed | charged | used of its weight |")
    print("|---|---|---|---|---|---|---|---|")
    sums = {"tasks": [0, 0, 0], "verified": [0, 0, 0]}  # count, executed beyond rest, charged beyond rest
    worst_used = 0.0
    for number, b in blocks.items():
        used = b["took"] / b["charged"] * 100
        worst_used = max(worst_used, used)
        print(f"| {number} | {b['tasks']} | {b['commits']} | {b['reveals']} | {b['verified']} | "
              f"{b['took'] / 1e6:.2f} ms | {b['charged'] / 1e6:.2f} ms | {used:.1f} % |")
        if b["commits"] or b["reveals"] or (b["tasks"] and b["verified"]):
            continue
        for kind in ("tasks", "verified"):
            if b[kind]:
                sums[kind][0] += b[kind]
                sums[kind][1] += b["took"] - rest["took"]
                sums[kind][2] += b["charged"] - rest["charged"]
    costs = []
    for kind, what in (("tasks", "assigning a task"), ("verified", "making a verdict final")):
        count, took, charged = sums[kind]
        if not count:
            sys.exit(f"{name}: no block only {what}")
        print(f"{name}, {what}: {took / count / 1e3:,.1f} µs executed, {charged / count / 1e3:,.1f} µs charged "
              f"({count} tasks)")
        costs.append(took / count)
    print(f"{name}: at most {worst_used:.1f} % of a block's weight used")
    return costs, worst_used


def main(small_dir, large_dir):
    verdicts = []
    for log, cache in (("blocks.log", "trie cache off"), ("blocks-cached.log", "trie cache on")):
        print(f"\n## {cache}")
        small, small_used = report(f"small market, {cache}", small_dir, log)
        large, large_used = report(f"large market, {cache}", large_dir, log)
        for what, s, l in zip(("assigning a task", "making a verdict final"), small, large):
            ratio = l / s
            verdict = "flat" if ratio <= TARGET else "NOT flat"
            verdicts.append(f"{what}, {cache}: {l / 1e3:,.1f} µs in the large market against {s / 1e3:,.1f} µs "
                            f"in the small one: {ratio:.2f}x, {verdict} (target <= {TARGET}x)")
        if max(small_used, large_used) > 100:
            verdicts.append(f"{cache}: a block took longer than its weight: the weights undercharge")
    print()
    print("\n".join(verdicts))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
