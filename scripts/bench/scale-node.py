"""Prints scripts/bench/scale-node.sh's results: the real cost of assigning a task and of making
its verdict final in markets of growing size, and their ratios.

    python3 scale-node.py MARKET_DIR [MARKET_DIR ...]      the smallest market first

Each directory holds populate.json (tests/client/tools/populate.mjs: the market's size),
assign.json (tools/assign-job.mjs: the replicas each block assigned, and to how many
providers), answer.json (tools/answer-job.mjs: the commits, reveals and final verdicts each
block held, and how many providers it paid), blocks.log and blocks-cached.log
(`conun-node benchmark block` without and with the trie cache: each block executed again, its
time and the weight it was charged).

A task's cost is what its block took beyond the block before the job was posted (the market at
rest: the hook's visits of the parked queue, the timestamp), shared among the tasks the block
assigned, or whose verdicts it made final. Only blocks that did one of the two and held no
commit or reveal count.

A block writes each provider's records once, however many of its replicas it assigned or paid:
ten providers sharing 600 replicas make a cheap block whatever the code does. So besides the
plain ratios, the cost per task is fitted as `a + b·d` on the two smallest markets (d: the
providers written per task) and the larger markets are compared with that line: what remains
is what the larger state adds at the same spread of work.
"""

import json
import re
import sys

TARGET = 1.2
REPLICAS = 3
KINDS = (("tasks", "assigning a task"), ("verified", "making a verdict final"))
LINE = re.compile(r"Block (\d+) with\s+(\d+) tx used\s+([\d.]+)% of its weight \(\s*([\d,]+) of\s+([\d,]+) ns\)")


def load(run_dir, log):
    """The market's blocks, {number: {tasks, commits, reveals, verified, providers, took,
    charged}}, and the block before the job's."""
    assign = json.load(open(f"{run_dir}/assign.json"))
    answer = json.load(open(f"{run_dir}/answer.json"))
    blocks = {}
    for line in open(f"{run_dir}/{log}"):
        found = LINE.search(line)
        if found:
            number, _, _, took, charged = found.groups()
            blocks[int(number)] = {"tasks": 0, "commits": 0, "reveals": 0, "verified": 0, "providers": 0,
                                   "took": int(took.replace(",", "")), "charged": int(charged.replace(",", ""))}
    for b in assign["blocks"]:
        if b["number"] in blocks:
            blocks[b["number"]]["tasks"] = b["replicas"] // REPLICAS
            blocks[b["number"]]["providers"] += b["providers"]
    for b in answer["blocks"]:
        if b["number"] in blocks:
            for key in ("commits", "reveals", "verified", "providers"):
                blocks[b["number"]][key] += b[key]
    return blocks, assign["postedAt"] - 1


def size(run_dir):
    populated = json.load(open(f"{run_dir}/populate.json"))
    return f"{populated['providers']:,} providers, {populated['tasks']:,} queued"


def report(name, run_dir, log):
    """Prints the market's blocks; returns, for assigning and for verdicts, the execution time
    per task and the providers written per task, and the largest share of its weight a block
    used."""
    blocks, rest_at = load(run_dir, log)
    rest = blocks[rest_at]
    print(f"\n{name}: at rest (block {rest_at}) {rest['took'] / 1e6:.2f} ms executed, {rest['charged'] / 1e6:.2f} ms charged")
    print("| block | tasks assigned | commits | reveals | verdicts made final | providers written | executed | charged | used of its weight |")
    print("|---|---|---|---|---|---|---|---|---|")
    sums = {kind: {"count": 0, "took": 0, "charged": 0, "providers": 0} for kind, _ in KINDS}
    worst_used = 0.0
    for number, b in blocks.items():
        used = b["took"] / b["charged"] * 100
        worst_used = max(worst_used, used)
        print(f"| {number} | {b['tasks']} | {b['commits']} | {b['reveals']} | {b['verified']} | {b['providers']} | "
              f"{b['took'] / 1e6:.2f} ms | {b['charged'] / 1e6:.2f} ms | {used:.1f} % |")
        if b["commits"] or b["reveals"] or (b["tasks"] and b["verified"]):
            continue
        for kind, _ in KINDS:
            if b[kind]:
                sums[kind]["count"] += b[kind]
                sums[kind]["took"] += b["took"] - rest["took"]
                sums[kind]["charged"] += b["charged"] - rest["charged"]
                sums[kind]["providers"] += b["providers"]
    costs = []
    for kind, what in KINDS:
        s = sums[kind]
        if not s["count"]:
            sys.exit(f"{name}: no block only {what}")
        per_task, spread = s["took"] / s["count"], s["providers"] / s["count"]
        print(f"{name}, {what}: {per_task / 1e3:,.1f} µs executed, {s['charged'] / s['count'] / 1e3:,.1f} µs charged, "
              f"{spread:.2f} providers written ({s['count']} tasks)")
        costs.append((per_task, spread))
    print(f"{name}: at most {worst_used:.1f} % of a block's weight used")
    return costs, worst_used


def main(dirs):
    sizes = [size(run_dir) for run_dir in dirs]
    verdicts = []
    for log, cache in (("blocks.log", "trie cache off"), ("blocks-cached.log", "trie cache on")):
        print(f"\n## {cache}")
        markets = []
        for run_dir, market in zip(dirs, sizes):
            name = f"{market}, {cache}"
            costs, used = report(name, run_dir, log)
            markets.append((market, costs))
            if used > 100:
                verdicts.append(f"{name}: a block took longer than its weight: the weights undercharge")
        for k, (_, what) in enumerate(KINDS):
            small_name, small = markets[0][0], markets[0][1][k]
            large_name, large = markets[-1][0], markets[-1][1][k]
            ratio = large[0] / small[0]
            steps = " -> ".join(f"{costs[k][0] / 1e3:,.1f} µs ({costs[k][1]:.2f} providers)" for _, costs in markets)
            verdicts.append(f"{what}, {cache}: {steps}; {large_name} against {small_name}: {ratio:.2f}x, "
                            f"{'flat' if ratio <= TARGET else 'NOT flat'} (target <= {TARGET}x)")
            if len(markets) < 3 or markets[1][1][k][1] == small[1]:
                continue
            # t = a + b·d through the two smallest markets.
            (t0, d0), (t1, d1) = small, markets[1][1][k]
            b = (t1 - t0) / (d1 - d0)
            a = t0 - b * d0
            verdicts.append(f"  {what}, {cache}: {a / 1e3:,.1f} µs a task + {b / 1e3:,.1f} µs a provider written")
            for name, costs in markets[2:]:
                t, d = costs[k]
                expected = a + b * d
                verdicts.append(f"  {name}: {t / 1e3:,.1f} µs against {expected / 1e3:,.1f} µs at its spread: "
                                f"{t / expected:.2f}x, {'flat' if t / expected <= TARGET else 'NOT flat'} at the same spread")
    print()
    print("\n".join(verdicts))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python3 scale-node.py MARKET_DIR MARKET_DIR [MARKET_DIR ...]   (the smallest first)")
    main(sys.argv[1:])
