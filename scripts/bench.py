"""Benchmark the salesmart pipeline: `python scripts/bench.py --scales 0.1 0.3 1` (see bench/README.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# Run from a checkout without installing: the package lives beside this script.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from salesmart.bench import PHASES, run_benchmark, run_child_phase  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_phase"]:
        # Internal: one phase in a child process, so its memory can be measured on its own.
        child = argparse.ArgumentParser(prog="bench.py _phase")
        child.add_argument("phase", choices=PHASES)
        child.add_argument("--home", type=Path, required=True)
        child.add_argument("--landing", type=Path, required=True)
        child.add_argument("--scale", type=float, required=True)
        child.add_argument("--out", type=Path, required=True)
        args = child.parse_args(argv[1:])
        run_child_phase(args.phase, args.home, args.landing, args.scale, args.out)
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 0.3, 1.0], help="generator scales")
    parser.add_argument("--out", type=Path, default=Path("bench"), help="where results.json/.md go")
    parser.add_argument("--keep", type=Path, default=None, help="copy each scale's work dir here (debug)")
    args = parser.parse_args(argv)
    results = run_benchmark(args.scales, args.out, args.keep)
    failed = [(s["scale"], name) for s in results["scales"] for name, ok in s["ok"].items() if not ok]
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    if failed:
        print(f"phases that failed (timings still recorded): {failed}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
