#!/usr/bin/env python3
"""On-chain cost of one verified replica next to a balance transfer, from the same benchmark run.

Reads the generated pallets/market/src/weights.rs and the text summary that
`conun-node benchmark pallet --pallet pallet_balances --extrinsic transfer_keep_alive` printed,
prices reads and writes as the runtime does (runtime/src/db_weights.rs, what
scripts/bench/storage.sh measured on a chain of the design's size; or CONUN_DB_WEIGHTS=
"READ_NS,WRITE_NS"), and prints a table and ratios.

    market-cost.py WEIGHTS_RS TRANSFER_SUMMARY [BATCH] [JOB_TASKS]

BATCH is the commits or reveals a transaction carries (128, MaxBatch); JOB_TASKS the tasks of
the job a replica's share of its job's end is taken over (3,000: the issue-17 run's job).
"""
import os
import re
import sys

from db_weights import runtime_db_weights_ns


def db_weights():
    """The DbWeight in picoseconds: (read, write, where it comes from)."""
    given = os.environ.get("CONUN_DB_WEIGHTS")
    if given:
        read, write = (int(x) for x in given.split(","))
        return read * 1000, write * 1000, "measured on this machine, CONUN_DB_WEIGHTS"
    read, write = runtime_db_weights_ns()
    return read * 1000, write * 1000, "the runtime's, runtime/src/db_weights.rs"


READ_PS, WRITE_PS, DB_SOURCE = db_weights()
RUNTIME_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runtime", "src",
                              "configs", "mod.rs")
# The stake tree's fan-out (pallets/market/src/stake_tree.rs, FANOUT).
FANOUT = 16


def tree_depth():
    """The stake tree's levels, as stake_tree.rs's tree_depth() counts them for the runtime's
    MaxProviders: the fewest levels of FANOUT whose leaves cover every provider."""
    text = open(RUNTIME_CONFIG).read()
    capacity = int(re.search(r"type MaxProviders = ConstU32<([\d_]+)>", text).group(1).replace("_", ""))
    depth, span = 1, FANOUT
    while span < capacity:
        depth, span = depth + 1, span * FANOUT
    return depth


TREE_DEPTH = tree_depth()


def market_weights(path):
    """{name: (base_ps, {component: slope_ps}, base_reads, {c: slope}, base_writes, {c: slope})}"""
    text = open(path).read()
    impl = text[text.index("impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T>"):]
    impl = impl[: impl.index("\nimpl WeightInfo for ()")]
    out = {}
    for m in re.finditer(r"fn (\w+)\(([^)]*)\) -> Weight \{(.*?)\n\t\}", impl, re.S):
        name, body = m.group(1), m.group(3)
        base = int(re.search(r"Weight::from_parts\(([\d_]+), \d+\)\n", body).group(1).replace("_", ""))
        slopes = {c: int(v.replace("_", "")) for v, c in re.findall(r"Weight::from_parts\(([\d_]+), 0\)\.saturating_mul\((\w)\.into", body)}
        reads = sum(int(x) for x in re.findall(r"reads\((\d+)\)\)", body))
        read_slopes = {c: int(v) for v, c in re.findall(r"reads\(\((\d+)_u64\)\.saturating_mul\((\w)\.into", body)}
        writes = sum(int(x) for x in re.findall(r"writes\((\d+)\)\)", body))
        write_slopes = {c: int(v) for v, c in re.findall(r"writes\(\((\d+)_u64\)\.saturating_mul\((\w)\.into", body)}
        out[name] = (base, slopes, reads, read_slopes, writes, write_slopes)
    return out


def weight(w, **components):
    base, slopes, reads, read_slopes, writes, write_slopes = w
    time = base + sum(s * components.get(c, 0) for c, s in slopes.items())
    r = reads + sum(s * components.get(c, 0) for c, s in read_slopes.items())
    wr = writes + sum(s * components.get(c, 0) for c, s in write_slopes.items())
    return time, r, wr, time + r * READ_PS + wr * WRITE_PS


def transfer_weight(path):
    text = open(path).read()
    time = float(re.search(r"Time ~=\s+([\d.]+)", text).group(1)) * 1e6
    reads = int(re.search(r"Reads = (\d+)", text).group(1))
    writes = int(re.search(r"Writes = (\d+)", text).group(1))
    return time, reads, writes, time + reads * READ_PS + writes * WRITE_PS


def us(ps):
    return f"{ps / 1e6:,.1f} µs"


def main(weights_path, transfer_log, batch, job_tasks):
    w = market_weights(weights_path)
    transfer = transfer_weight(transfer_log)
    commit = weight(w["commit_results"], n=batch)
    reveal = weight(w["reveal_results"], n=batch)
    rows = [("balances.transfer_keep_alive (baseline)", transfer),
            (f"commit_results, batch of {batch}", commit),
            (f"reveal_results, batch of {batch} (no verdict)", reveal)]
    rows.append(("last_reveal: what the last reveal of a task adds (its provisional verdict)", weight(w["last_reveal"])))
    for a in (1, 3, 7):
        rows.append((f"settle_paid({a}): an honest verdict made final, {a} paid", weight(w["settle_paid"], a=a)))
    rows.append(("finish_job: a job's end, charged with its last task's verdict", weight(w["finish_job"])))
    for a, d in ((2, 1), (4, 3)):
        rows.append((f"settle_task({a}, {d}): a verdict paying {a}, slashing {d}", weight(w["settle_task"], a=a, d=d)))
    rows.append(("idle_deadline: a deadline visit with nothing to do", weight(w["idle_deadline"])))
    print(f"a read {us(READ_PS)}, a write {us(WRITE_PS)} ({DB_SOURCE})")
    print()
    print("| call | execution | reads | writes | total weight | × transfer |")
    print("|---|---|---|---|---|---|")
    for name, (t, r, wr, total) in rows:
        print(f"| {name} | {us(t)} | {r:g} | {wr:g} | {us(total)} | {total / transfer[3]:.2f} |")

    print()
    print(f"per verified replica of an honest task (commit and reveal batched by {batch}, its share of")
    print("the provisional verdict its task's last reveal brings, and of the final one, all paid,")
    print(f"and of its job's end, in a job of {job_tasks:,} tasks):")
    commit_one, reveal_one = commit[3] / batch, reveal[3] / batch
    job_end = weight(w["finish_job"])[3] / job_tasks
    for r in (1, 3, 5, 7):
        verdict = (weight(w["last_reveal"])[3] + weight(w["settle_paid"], a=r)[3] + job_end) / r
        total = commit_one + reveal_one + verdict
        print(f"  R = {r}: commit {us(commit_one)} + reveal {us(reveal_one)} + verdict {us(verdict)} "
              f"= {us(total)} = {total / transfer[3]:.2f}x transfer_keep_alive")

    print()
    print("the hook's share of one honest task (R = 3): its assignment (one draw per replica, each")
    print(f"down its own path of the stake tree's {TREE_DEPTH} levels, its deadline scheduled; a queue visit assigns 64")
    print("tasks), two idle deadline visits and its verdict made final, as the pallet charges them:")
    # Pallet::drawing_weight: assign_drawn, and the reads of each draw after the first down
    # its own path below the root of the stake tree.
    hook = (weight(w["assign_drawn"], r=3)[3] + (3 - 1) * (TREE_DEPTH - 1) * READ_PS
            + weight(w["queue_visit"])[3] / 64
            + 2 * weight(w["idle_deadline"])[3] + weight(w["settle_paid"], a=3)[3] + job_end)
    print(f"  {us(hook)} a task: {500e9 / hook:.0f} tasks in a 500 ms hook, {500e9 / hook / 3:.0f} a second at 3 s blocks")

    print()
    print("assignment against the same storage reads (provider_reads) as the pool grows:")
    for p in (10, 1_000, 10_000):
        assign = weight(w["assign_task"], r=7, p=p)
        reads = weight(w["provider_reads"], p=p)
        print(f"  p = {p:>6,}: assign_task(7, p) {us(assign[0])} execution, provider_reads(p) {us(reads[0])}, "
              f"ratio {assign[0] / reads[0]:.2f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 128,
         int(sys.argv[4]) if len(sys.argv) > 4 else 3_000)
