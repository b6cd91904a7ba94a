"""The ``sknc`` command: one small function per subcommand.

Each subcommand is a thin shell over importable functions; ``main`` parses
and dispatches.
"""

import argparse
import contextlib
import inspect
import math
import sys
import tempfile
from pathlib import Path


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(
            f"expected a positive finite number, got {value}"
        )
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}")
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected a seed in [0, 2**32 - 1], got {value}"
        )
    return value


@contextlib.contextmanager
def _out_dir(parser, path):
    """Create ``path`` (and its parents) and check that a file can be written
    there before the work in the block: a run is not lost to a bad
    ``--out``. If the block fails, the directories created here are removed
    again where they are still empty. ``path`` None: nothing to do."""
    if path is None:
        yield
        return
    created, p = [], path
    while not p.exists() and p != p.parent:
        created.append(p)
        p = p.parent
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        _remove_empty(created)
        parser.error(f"argument --out: cannot write to {path}: {exc}")
    try:
        yield
    except BaseException:
        _remove_empty(created)
        raise


def _run_job(parser, job, *args, **kwargs):
    """Return ``job(*args, **kwargs)``; a missing file or a bad value exits
    with status 1 and the message (the jobs' own checks of their inputs)."""
    try:
        return job(*args, **kwargs)
    except (FileNotFoundError, ValueError) as exc:
        parser.exit(1, f"{parser.prog}: error: {exc}\n")


def _remove_empty(directories):
    """Remove ``directories`` (deepest first) while they are empty."""
    for directory in directories:
        try:
            directory.rmdir()
        except OSError:
            return


def _add_data_home(parser):
    parser.add_argument(
        "--data-home", default=None, help="directory of the data (default $SKNC_DATA)"
    )


def _add_infoplane(subparsers):
    from sknc._jobs.infoplane import run_infoplane

    d = _defaults(run_infoplane)
    parser = subparsers.add_parser(
        "infoplane",
        help="train a small MLP and plot its information plane",
        description=(
            "Shwartz-Ziv & Tishby's information plane: train 12-10-7-5-4-3-2 on "
            "the 12-bit dataset (or 4-10-7-5-4-3 on IRIS) with Adam and record "
            "I(X;T), I(T;Y) of every hidden layer at log-spaced epochs."
        ),
    )
    parser.add_argument("--dataset", choices=("ib12", "iris"), default=d["dataset"])
    parser.add_argument(
        "--activation", choices=("tanh", "relu"), default=d["activation"]
    )
    parser.add_argument(
        "--estimator",
        choices=("bin", "adaptive", "kde", "kmeans"),
        nargs="+",
        default=d["estimator"],
        help=(
            "one or more, measured on the same networks (default: bin, 30 bins "
            "on [-1, 1], for tanh; adaptive, Scott's rule, for relu)"
        ),
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        default=d["epochs"],
        help="training epochs (default: 2000 for ib12, 300 for iris)",
    )
    parser.add_argument(
        "--n-points",
        type=_positive_int,
        default=d["n_points"],
        help="measured epochs (>= 2)",
    )
    parser.add_argument("--runs", type=_positive_int, default=d["runs"])
    parser.add_argument("--seed", type=_seed, default=d["seed"])
    parser.add_argument("--n-bins", type=_positive_int, default=d["n_bins"])
    parser.add_argument(
        "--noise-variance", type=_positive_float, default=d["noise_variance"]
    )
    parser.add_argument("--n-clusters", type=_positive_int, default=d["n_clusters"])
    _add_data_home(parser)
    parser.add_argument(
        "--out", type=Path, default=None, help="write PNG figures and records.csv here"
    )
    parser.set_defaults(func=_cmd_infoplane, parser=parser)
    return parser


def _cmd_infoplane(args):
    parser = args.parser
    if args.n_points < 2:
        parser.error(f"argument --n-points: must be at least 2, got {args.n_points}")
    if args.n_bins < 2:
        parser.error(f"argument --n-bins: must be at least 2, got {args.n_bins}")
    if args.seed + args.runs > 2**32:
        parser.error(
            f"argument --seed: run r uses seed {args.seed} + r, which must stay "
            f"below 2**32 for {args.runs} runs"
        )
    from sknc._jobs.infoplane import (
        DPI_FIELDS,
        dpi_summary,
        run_infoplane,
        write_csv,
        write_figures,
        write_records_csv,
    )

    with _out_dir(parser, args.out):
        records, scores = _run_job(
            parser,
            run_infoplane,
            args.dataset,
            activation=args.activation,
            estimator=args.estimator,
            epochs=args.epochs,
            n_points=args.n_points,
            runs=args.runs,
            seed=args.seed,
            data_home=args.data_home,
            n_bins=args.n_bins,
            noise_variance=args.noise_variance,
            n_clusters=args.n_clusters,
        )
    dpi = dpi_summary(records)
    _print_summary(records, scores, dpi)
    if args.out is not None:
        paths = [
            write_records_csv(records, args.out / "records.csv"),
            write_csv(dpi, args.out / "dpi.csv", DPI_FIELDS),
        ]
        estimators = sorted({r["estimator"] for r in records}, key=str)
        title = (
            f"{args.dataset}, {args.activation}, {', '.join(estimators)} "
            f"(mean of {args.runs} run{'s' if args.runs > 1 else ''})"
        )
        try:
            paths += write_figures(records, args.out, title=title)
        except ImportError as exc:
            print(f"{exc}: no PNG", file=sys.stderr)
        for path in paths:
            print(f"wrote {path}")
    return 0


def _print_summary(records, scores, dpi):
    last = max(r["epoch"] for r in records)
    print(
        f"{'estimator':>9} {'layer':>5} {'epoch':>6} {'I(X;T)':>8} {'I(T;Y)':>8}"
        "  (mean over runs)"
    )
    for estimator in dict.fromkeys(r["estimator"] for r in records):
        for epoch in (0, last):
            rows = [
                r
                for r in records
                if r["epoch"] == epoch and r["estimator"] == estimator
            ]
            for index in sorted({r["layer_index"] for r in rows}):
                vals = [r for r in rows if r["layer_index"] == index]
                i_xt = sum(r["i_xt"] for r in vals) / len(vals)
                i_ty = sum(r["i_ty"] for r in vals) / len(vals)
                print(
                    f"{estimator:>9} {index + 1:>5} {epoch:>6} {i_xt:8.3f} {i_ty:8.3f}"
                )
    mean = sum(scores) / len(scores)
    print(f"test accuracy: {mean:.3f} (mean of {len(scores)} run(s))")
    print("data-processing inequality along the layers (all measured epochs):")
    for row in dpi:
        if row["layers"] == "all":
            quantity = {"i_xt": "I(X;T)", "i_ty": "I(T;Y)"}[row["quantity"]]
            print(
                f"{row['estimator']:>9} {quantity}: holds at "
                f"{row['fraction_holds']:.1%} of {row['n_measured']}, largest "
                f"violation {row['max_violation']:.3f} bits"
            )


def _hidden_sizes(text):
    try:
        sizes = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected widths separated by commas, e.g. 256,100; got {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"widths must be positive; got {text!r}")
    return sizes


def _defaults(function):
    """The defaults of ``function``'s parameters: the job owns them, the
    command line shows the same."""
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _add_compare(subparsers):
    from sknc._jobs.compare import compare

    d = _defaults(compare)
    parser = subparsers.add_parser(
        "compare",
        help="train a network with several initializations side by side",
        description=(
            "Train the same network (an MLP or LeNet-5) with every init on the "
            "same splits and seeds, "
            "print a table (minimum test error mean ± std, epoch of the minimum, "
            "error after one epoch, epochs to reach He's final error, paired "
            "differences with He, init time) and write CSV files and a PNG. "
            "Campaign variants: campaign:alpha=0.5,base=xavier,ratio=5,"
            "rescale=norm."
        ),
    )
    parser.add_argument(
        "--dataset",
        choices=("digits", "mnist", "diabetes"),
        default=d["dataset"],
        help="diabetes is a regression (NCMLPRegressor; test MSE and R^2)",
    )
    parser.add_argument(
        "--arch",
        choices=("mlp", "lenet5"),
        default=d["arch"],
        help="mlp (hidden layers from --hidden) or lenet5 (conv 6@5x5, pool, "
        "conv 16@5x5, pool, 120, 84)",
    )
    parser.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=None,
        help="hidden layers of the MLP, e.g. 256,100 (default 100)",
    )
    parser.add_argument(
        "--inits",
        default=",".join(d["inits"]),
        help=(
            "comma-separated init specs; campaign options after a colon. "
            "campaign is the paper's setting (He candidates, alpha=linear); "
            "campaign:base=xavier,alpha=0.5 is NeuronCampaign()'s defaults"
        ),
    )
    parser.add_argument("--epochs", type=_positive_int, default=d["epochs"])
    parser.add_argument("--seeds", type=_positive_int, default=d["seeds"])
    parser.add_argument("--train-size", type=_positive_int, default=None)
    parser.add_argument(
        "--lr",
        type=_positive_float,
        default=d["lr"],
        help="SGD learning rate (default: 0.1, the paper's; 0.01 for diabetes)",
    )
    parser.add_argument("--batch-size", type=_positive_int, default=d["batch_size"])
    parser.add_argument(
        "--activation", choices=("relu", "tanh"), default=d["activation"]
    )
    parser.add_argument("--device", default="cpu")
    _add_data_home(parser)
    parser.add_argument(
        "--out", type=Path, default=Path("sknc-out"), help="directory for CSV and PNG"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=d["threads"],
        help="torch threads while training (default 1: fastest for small nets)",
    )
    parser.set_defaults(func=_cmd_compare, parser=parser)
    return parser


def _split_specs(text):
    # Commas separate specs, but also a campaign's options: a piece with
    # "=" and no ":" continues the previous spec.
    specs = []
    for piece in filter(None, (p.strip() for p in text.split(","))):
        if specs and "=" in piece and ":" not in piece:
            specs[-1] += "," + piece
        else:
            specs.append(piece)
    return specs


def _cmd_compare(args):
    from sknc._jobs.compare import compare

    if args.hidden is not None and args.arch != "mlp":
        args.parser.error(
            f"--hidden sets the MLP's layers; --arch {args.arch} has its own"
        )
    inits = _split_specs(args.inits)
    if not inits:
        args.parser.error(
            f"argument --inits: no initializer in {args.inits!r}; e.g. he,campaign"
        )
    with _out_dir(args.parser, args.out):
        result = _run_job(
            args.parser,
            compare,
            args.dataset,
            arch=args.arch,
            hidden=args.hidden,
            inits=inits,
            epochs=args.epochs,
            seeds=args.seeds,
            train_size=args.train_size,
            lr=args.lr,
            batch_size=args.batch_size,
            activation=args.activation,
            data_home=args.data_home,
            device=args.device,
            out=args.out,
            progress=not args.quiet,
            threads=args.threads,
        )
    print(result.title)
    print(result.table)
    if result.written:
        names = ", ".join(path.name for path in result.written)
        print(f"wrote {names} in {args.out}")
    return 0


def _max_samples(text):
    if text == "all":
        return None
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'all', got {text!r}"
        ) from None


def _add_bench(subparsers):
    from sknc._jobs.bench import DATASETS, bench

    d = _defaults(bench)
    parser = subparsers.add_parser(
        "bench",
        help="time the campaign against its matrix products and a training epoch",
        description=(
            "Time NeuronCampaign initializing an MLP, the campaign's matrix "
            "products alone (rows x fan-in x candidates per layer) and one "
            "training epoch of NCMLPClassifier with its defaults, interleaved, "
            "on this machine; print the minima and the ratios."
        ),
    )
    parser.add_argument("--dataset", choices=DATASETS, default=d["dataset"])
    parser.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=d["hidden"],
        help="hidden layers, e.g. 256,100 (default 100)",
    )
    parser.add_argument(
        "--candidate-ratio",
        type=_positive_float,
        default=d["candidate_ratio"],
        help="candidates per neuron, at least 1 (default: NeuronCampaign's, 2)",
    )
    parser.add_argument(
        "--max-samples",
        type=_max_samples,
        default=d["max_samples"],
        help="scoring rows, or 'all' (default: NeuronCampaign's, 2000)",
    )
    parser.add_argument("--repeats", type=_positive_int, default=d["repeats"])
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=d["threads"],
        help="torch threads while measuring (default 1)",
    )
    parser.add_argument("--seed", type=_seed, default=d["seed"])
    _add_data_home(parser)
    parser.set_defaults(func=_cmd_bench, parser=parser)
    return parser


def _cmd_bench(args):
    from sknc._jobs.bench import bench

    if args.candidate_ratio < 1:
        args.parser.error(
            "argument --candidate-ratio: must be at least 1, got "
            f"{args.candidate_ratio}"
        )
    result = _run_job(
        args.parser,
        bench,
        args.dataset,
        hidden=args.hidden,
        candidate_ratio=args.candidate_ratio,
        max_samples=args.max_samples,
        repeats=args.repeats,
        threads=args.threads,
        data_home=args.data_home,
        seed=args.seed,
    )
    print(result.title)
    print(result.table)
    return 0


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="sknc",
        description="Neuron campaign initialization and information-plane tools.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    _add_compare(subparsers)
    _add_infoplane(subparsers)
    _add_bench(subparsers)
    return parser


def main(argv=None):
    """Run the ``sknc`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` if None.

    Returns
    -------
    status : int
        0 on success. Bad arguments exit with status 2 and a message.

    Examples
    --------
    Bad arguments stop with status 2 and a message on stderr:

    >>> from sknc.cli import main
    >>> try:
    ...     main(["infoplane", "--epochs", "0"])
    ... except SystemExit as exc:
    ...     print(exc.code)
    2
    """
    parser = _build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
