"""Summarize several ``sknc compare --out DIR`` runs on the same data and seeds.

Prints the summary table, then the per-seed paired differences (in points of
minimum test error) of one init against each other init.

Usage::

    python benchmarks/merge_compare.py /work/runs/mlp3-base /work/runs/mlp3-nc
    python benchmarks/merge_compare.py --versus campaign --out MERGED DIR [DIR ...]
"""

import argparse

from sknc._jobs.compare import format_table, load_runs, summarize, write_outputs


def paired_lines(runs, versus):
    """Per-seed differences of ``versus`` against every other init."""
    by = {(r.init, r.seed): r for r in runs}
    seeds = sorted({r.seed for r in runs if r.init == versus})
    lines = []
    for other in dict.fromkeys(r.init for r in runs):
        if other == versus:
            continue
        diffs = [
            100 * (by[(versus, s)].min_error - by[(other, s)].min_error)
            for s in seeds
            if (other, s) in by
        ]
        wins = sum(d < 0 for d in diffs)
        losses = sum(d > 0 for d in diffs)
        cells = " ".join(f"{d:+.2f}" for d in diffs)
        lines.append(
            f"{versus} - {other}: {cells}  (W/T/L {wins}/{len(diffs) - wins - losses}"
            f"/{losses})"
        )
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--versus", default="campaign")
    parser.add_argument("--out", default=None, help="write merged CSVs and PNG here")
    args = parser.parse_args(argv)
    runs = [run for d in args.dirs for run in load_runs(d)]
    rows = summarize(runs)
    print(format_table(rows))
    if args.out:
        write_outputs(runs, rows, args.out)
    print()
    print("\n".join(paired_lines(runs, args.versus)))


if __name__ == "__main__":
    main()
