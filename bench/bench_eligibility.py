"""Time the eligibility engine on the shared example: `python bench/bench_eligibility.py`.

Reports evaluations per second and ms per evaluation (median of several runs) for `evaluate` alone (facts
parsed once) and for parse + evaluate, and prints one JSON line. Target: >= 500 evaluations/s on one core.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from screening.eligibility import evaluate, load_protocol_file, parse_facts  # noqa: E402

EXAMPLE = CHECKOUT / "tests/data/eligible-female.json"  # a copy of ../shared/protocol/examples/
PROTOCOL = CHECKOUT / "trial/protocols/mc-1-50.toml"
TARGET_PER_SECOND = 500


def median_rate(work: Callable[[], object], iterations: int, runs: int) -> float:
    """Median over `runs` of iterations per second, each run timing `iterations` calls."""
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(iterations):
            work()
        rates.append(iterations / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=EXAMPLE)
    parser.add_argument("--protocol", type=Path, default=PROTOCOL)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    protocol = load_protocol_file(args.protocol)
    document = json.loads(args.facts.read_text(encoding="utf-8"))
    facts = parse_facts(document, protocol)
    if evaluate(facts, protocol).overall != "eligible":  # benchmark the full path, not an early exit
        raise SystemExit(f"{args.facts} does not evaluate to eligible; pick an eligible example")

    evaluate_rate = median_rate(lambda: evaluate(facts, protocol), args.iterations, args.runs)
    full_rate = median_rate(lambda: evaluate(parse_facts(document, protocol), protocol), args.iterations, args.runs)
    result = {
        "benchmark": "eligibility",
        "runs": args.runs,
        "iterations": args.iterations,
        "evaluate_per_second": round(evaluate_rate),
        "evaluate_ms": round(1000 / evaluate_rate, 4),
        "parse_and_evaluate_per_second": round(full_rate),
        "parse_and_evaluate_ms": round(1000 / full_rate, 4),
        "target_per_second": TARGET_PER_SECOND,
        "meets_target": full_rate >= TARGET_PER_SECOND,
    }
    print(
        f"evaluate: {evaluate_rate:,.0f}/s ({1000 / evaluate_rate:.3f} ms); "
        f"parse + evaluate: {full_rate:,.0f}/s ({1000 / full_rate:.3f} ms); median of {args.runs} runs",
        file=sys.stderr,
    )
    print(json.dumps(result))
    return 0 if result["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
