"""Summarize several ``sknc compare --out DIR`` runs on the same data and seeds.

Usage::

    python benchmarks/merge_compare.py /work/runs/mlp3-base /work/runs/mlp3-nc
"""

import sys

from sknc._compare import format_table, load_runs, summarize


def main(argv=None):
    dirs = sys.argv[1:] if argv is None else argv
    runs = [run for d in dirs for run in load_runs(d)]
    print(format_table(summarize(runs)))


if __name__ == "__main__":
    main()
