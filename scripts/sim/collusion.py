#!/usr/bin/env python3
"""How often a colluding share of providers makes a wrong result final, under plain majority
voting, under escalation to fresh committees, and under the chain's wasm referee.

The model (docs/security.md explains it and what it leaves out):

- N providers with equal stake, a share f of them colluding. A task's R replicas are drawn
  without replacement, uniformly (a stake-weighted draw over the whole pool with equal stakes).
- Colluders share one wrong result. They reveal it only where they hold a strict majority of
  the vote (elsewhere a wrong reveal only gets them slashed); everyone else reveals the truth.
- Plain majority: the wrong result is final as soon as colluders hold a majority of R.
- Escalation (docker tasks, and wasm tasks too large for the referee): an honest replica that
  lost challenges, and a fresh committee of 2R + 1 providers who never ran the task decides.
  Colluders in the committee again win only with a strict majority. With E > 1 a committee
  with an honest loser can be escalated again, up to E escalations (the market allows one: a
  committee's verdict is final); a verdict nobody honest lost is final.
- Wasm referee: an honest replica that lost challenges and the chain re-runs the task, so a
  wrong result is final only when all R replicas collude (nobody honest lost).
- The requester may spot-check (`conun job results --spot-check`): with probability s it
  re-runs a verified task and challenges a wrong one, which catches what nobody else would.

Each figure is computed exactly (hypergeometric sums) and by a Monte Carlo run of the same
protocol, bounded in trials; both are printed, with the ratio of plain majority to each
defence. With --plot PATH a PNG of the curves is written (matplotlib).
"""

import argparse
import json
import math
import random
import sys
from functools import lru_cache


def hypergeom(population: int, successes: int, draws: int, k: int) -> float:
    """P(k colluders among `draws` drawn without replacement)."""
    if k < 0 or k > draws or k > successes or draws - k > population - successes:
        return 0.0
    return (
        math.comb(successes, k)
        * math.comb(population - successes, draws - k)
        / math.comb(population, draws)
    )


def majority(electorate: int) -> int:
    return electorate // 2 + 1


def exact_plain(n: int, c: int, r: int) -> float:
    return sum(hypergeom(n, c, r, k) for k in range(majority(r), r + 1))


def exact_escalation(n: int, c: int, r: int, escalations: int, spot: float) -> float:
    """Wrong and final after at most `escalations` committees of 2R + 1."""
    committee = 2 * r + 1

    @lru_cache(maxsize=None)
    def chain(population: int, colluders: int, left: int) -> float:
        # A wrong verdict with an honest loser, `left` escalations allowed: the chance it
        # still ends wrong.
        if left == 0:
            return 1.0 - spot
        total = 0.0
        for j in range(majority(committee), committee + 1):
            p = hypergeom(population, colluders, committee, j)
            if p == 0.0:
                continue
            if j == committee:
                total += p * (1.0 - spot)  # nobody honest lost: only the requester can act
            else:
                total += p * chain(population - committee, colluders - j, left - 1)
        return total

    total = 0.0
    for k in range(majority(r), r + 1):
        p = hypergeom(n, c, r, k)
        if k == r:
            total += p * (1.0 - spot)
        else:
            total += p * chain(n - r, c - k, escalations)
    return total


def exact_referee(n: int, c: int, r: int, spot: float) -> float:
    return hypergeom(n, c, r, r) * (1.0 - spot)


def monte_carlo(n: int, c: int, r: int, escalations: int, spot: float, trials: int, rng: random.Random):
    """Counts of wrong final results over `trials` tasks: (plain, escalation, referee)."""
    plain = escalated = refereed = 0
    committee = 2 * r + 1
    for _ in range(trials):
        # Providers 0..c-1 collude.
        drawn = rng.sample(range(n), r)
        k = sum(1 for p in drawn if p < c)
        if k < majority(r):
            continue
        plain += 1
        checked = rng.random() < spot
        if k == r:
            if not checked:
                escalated += 1
                refereed += 1
            continue
        # Wasm: an honest loser challenges and the chain's own run decides.
        used = set(drawn)
        wrong = True
        for _level in range(escalations):
            members = []
            while len(members) < committee:
                p = rng.randrange(n)
                if p not in used:
                    used.add(p)
                    members.append(p)
            j = sum(1 for p in members if p < c)
            if j < majority(committee):
                wrong = False
                break
            if j == committee:
                break  # nobody honest lost this round
        if wrong and not checked:
            escalated += 1
    return plain, escalated, refereed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--shares", default="0.1,0.2,0.3,0.4", help="colluding shares f")
    parser.add_argument("--replicas", default="3,5", help="replication factors R")
    parser.add_argument("--escalations", type=int, default=1, help="escalations allowed (E); the market allows one")
    parser.add_argument("--spot-check", type=float, default=0.0, help="requester spot-check rate s")
    parser.add_argument("--trials", type=int, default=200_000, help="Monte Carlo tasks per point")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--plot", help="write a PNG of the curves here")
    parser.add_argument("--json", help="write the figures as JSON here")
    args = parser.parse_args()

    shares = [float(x) for x in args.shares.split(",")]
    replicas = [int(x) for x in args.replicas.split(",")]
    rng = random.Random(args.seed)
    rows = []
    print(
        f"N = {args.providers} providers, E = {args.escalations} escalations, "
        f"s = {args.spot_check} spot checks, {args.trials} Monte Carlo tasks per point"
    )
    print(f"{'R':>2} {'f':>5} | {'plain majority':>22} | {'escalation':>22} | {'wasm referee':>22} | plain/escalation")
    for r in replicas:
        for f in shares:
            c = round(f * args.providers)
            exact = (
                exact_plain(args.providers, c, r),
                exact_escalation(args.providers, c, r, args.escalations, args.spot_check),
                exact_referee(args.providers, c, r, args.spot_check),
            )
            counts = monte_carlo(args.providers, c, r, args.escalations, args.spot_check, args.trials, rng)
            simulated = tuple(x / args.trials for x in counts)
            cells = " | ".join(f"{e:9.2e} (mc {m:8.2e})" for e, m in zip(exact, simulated))
            ratio = exact[0] / exact[1] if exact[1] > 0 else math.inf
            print(f"{r:>2} {f:>5.2f} | {cells} | {ratio:10.1f}x")
            rows.append({"replicas": r, "share": f, "plain": exact[0], "escalation": exact[1],
                         "referee": exact[2], "mc_plain": simulated[0], "mc_escalation": simulated[1],
                         "mc_referee": simulated[2]})

    if args.json:
        with open(args.json, "w") as out:
            json.dump({"providers": args.providers, "escalations": args.escalations,
                       "spot_check": args.spot_check, "trials": args.trials, "rows": rows}, out, indent=1)
    if args.plot:
        plot(rows, replicas, args)
        print(f"plot: {args.plot}")
    return 0


def plot(rows, replicas, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(replicas), figsize=(5.5 * len(replicas), 4.5), sharey=True)
    if len(replicas) == 1:
        axes = [axes]
    floor = 1e-9
    for ax, r in zip(axes, replicas):
        mine = [row for row in rows if row["replicas"] == r]
        shares = [row["share"] for row in mine]
        for key, label, style in (
            ("plain", "plain majority", "o-"),
            ("escalation", f"escalation (2R+1 committees, E = {args.escalations})", "s-"),
            ("referee", "wasm: the chain referees", "^-"),
        ):
            ax.semilogy(shares, [max(row[key], floor) for row in mine], style, label=label)
        ax.set_title(f"R = {r}, {args.providers} providers")
        ax.set_xlabel("colluding share f")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("P(a wrong result becomes final) per task")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.plot, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
