"""How training grows with the data: a table and a log-log plot from the suite's results.

    .venv/bin/python bench/growth.py        # reads bench/results/{small,medium,large}*.json

Writes docs/img/training_growth.png and prints a markdown table with the fitted exponent b of
seconds ∝ rows^b (b = 1 is linear growth), from whichever sizes have a training result.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, SIZES  # noqa: E402

PLOT = ROOT / "docs" / "img" / "training_growth.png"


def training_results() -> list[tuple[str, int, float, float, str]]:
    """(size, feed rows, seconds, peak MiB, commit) of the newest training run of each size, from the results of
    full runs (<size>.json) and of partial ones (<size>-<steps>.json)."""
    found = []
    for size in ("small", "medium", "large"):
        runs = [json.loads(path.read_text()) for path in (ROOT / "bench" / "results").glob(f"{size}*.json")]
        runs = [r for r in runs if r.get("size") == size and "training" in r]
        if runs:
            newest = max(runs, key=lambda r: r["machine"]["date"])
            training, commit = newest["training"], newest["machine"]["commit"]
            found.append((size, SIZES[size][1], training["seconds"], training["peak_mib"], commit))
    return found


def exponent(rows: np.ndarray, values: np.ndarray) -> float:
    """Slope of log(values) against log(rows): the b of values ∝ rows^b."""
    return float(np.polyfit(np.log(rows), np.log(values), 1)[0])


def main() -> None:
    found = training_results()
    if len(found) < 2:
        raise SystemExit("need training results of at least two sizes in bench/results/ (bench/run.py --only train)")
    rows = np.array([f[1] for f in found], dtype=float)
    seconds = np.array([f[2] for f in found])
    memory = np.array([f[3] for f in found], dtype=float)
    time_b, memory_b = exponent(rows, seconds), exponent(rows, memory)

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(rows, seconds, "o-", label=f"wall time, s (∝ rows^{time_b:.2f})")
    ax.loglog(rows, memory / 1024, "s-", label=f"peak memory, GiB (∝ rows^{memory_b:.2f})")
    reference = seconds[0] * rows / rows[0]
    ax.loglog(rows, reference, ":", color="grey", label="linear from the smallest size")
    ax.set_xlabel("feed rows (views + likes)")
    ax.set_title("train_recommender growth (2 cores)")
    ax.legend()
    fig.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)

    print("| size | feed rows | training wall time | peak RSS | commit |")
    print("|---|---:|---:|---:|---|")
    for size, n_rows, secs, peak, commit in found:
        print(f"| {size} | {n_rows:,} | {secs:.1f} s | {peak:,.0f} MiB | {commit} |")
    print(f"\nFitted growth: time ∝ rows^{time_b:.2f}, memory ∝ rows^{memory_b:.2f}. Plot: {PLOT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
