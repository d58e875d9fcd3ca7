"""Plots for docs/RECOMMENDER.md from the evaluation results in docs/results/*.json.

    .venv/bin/python docs/make_plots.py

Each JSON is evaluate()'s output plus "fit_info" and "feature_importance" of the LightGBM model (written by the
runs described in RECOMMENDER.md). Writes docs/img/model_vs_baselines.png, docs/img/feature_importance.png and,
for runs evaluated with per_user=True, docs/img/hitrate_by_activity.png.
"""

import json
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DOCS = Path(__file__).resolve().parent
SKIP = {"random_expected"}


def load_runs() -> dict[str, dict]:
    """make_results.py's evaluation runs (other JSON there, such as warm_orderings.json, is not a run)."""
    runs = {path.stem: json.loads(path.read_text()) for path in sorted((DOCS / "results").glob("*.json"))}
    return {name: run for name, run in runs.items() if "per_user" in run}


def model_vs_baselines(runs: dict[str, dict]) -> None:
    panels = [(run, protocol) for run, result in runs.items() for protocol in ("catalogue", "impressions")
              if result.get(protocol)]
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    for axis, (run, protocol) in zip(axes[0], panels, strict=True):
        rows = [(name, seg["overall"]) for name, seg in runs[run][protocol].items() if name not in SKIP]
        names = [name for name, _ in rows]
        rates = [values["hitrate"] or 0 for _, values in rows]
        low = [values.get("hitrate_ci_low") or rate for rate, (_, values) in zip(rates, rows, strict=True)]
        high = [values.get("hitrate_ci_high") or rate for rate, (_, values) in zip(rates, rows, strict=True)]
        errors = [[rate - bound for rate, bound in zip(rates, low, strict=True)],
                  [bound - rate for rate, bound in zip(rates, high, strict=True)]]
        colors = ["tab:orange" if name == "lightgbm" else "tab:gray" for name in names]
        axis.bar(names, rates, yerr=errors, color=colors, capsize=3)
        axis.set_title(f"{run}\n{protocol}", fontsize=9)
        axis.set_ylabel("hitrate@5 (95% CI)")
        axis.tick_params(axis="x", rotation=45, labelsize=8)
    figure.tight_layout()
    figure.savefig(DOCS / "img/model_vs_baselines.png", dpi=110)


def feature_importance(runs: dict[str, dict]) -> None:
    figure, axes = plt.subplots(1, len(runs), figsize=(4.5 * len(runs), 4.5), squeeze=False)
    for axis, (run, result) in zip(axes[0], runs.items(), strict=True):
        top = list(result["feature_importance"].items())[:15][::-1]
        axis.barh([name for name, _ in top], [gain for _, gain in top], color="tab:orange")
        axis.set_title(f"{run}: gain", fontsize=9)
        axis.tick_params(axis="y", labelsize=8)
    figure.tight_layout()
    figure.savefig(DOCS / "img/feature_importance.png", dpi=110)


def activity_levels(interactions: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Cold users (nothing before T), then terciles of the warm users' interactions before T."""
    levels = np.zeros(len(interactions), dtype=int)
    warm = interactions > 0
    labels = ["cold"]
    if warm.any():
        edges = np.unique(np.quantile(interactions[warm], [1 / 3, 2 / 3]))
        levels[warm] = 1 + np.searchsorted(edges, interactions[warm], side="right")
        bounds = [interactions[warm].min(), *edges, interactions[warm].max()]
        labels += [f"{int(low)}–{int(high)}" for low, high in zip(bounds, bounds[1:], strict=False)]
    return levels, labels


def hitrate_by_activity(runs: dict[str, dict]) -> None:
    panels = [(run, protocol) for run, result in runs.items() for protocol in result.get("per_user", {})
              if result["per_user"][protocol]["user_id"]]
    if not panels:
        return
    columns = 2
    rows = (len(panels) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(5.5 * columns, 3.6 * rows), squeeze=False)
    for axis in axes.flat[len(panels):]:
        axis.set_visible(False)
    for axis, (run, protocol) in zip(axes.flat, panels, strict=False):
        per_user = runs[run]["per_user"][protocol]
        levels, labels = activity_levels(np.asarray(per_user["interactions_before"]))
        names = [name for name in per_user if name not in ("user_id", "interactions_before", "oracle")]
        width = 0.8 / len(names)
        baseline_colors = iter(["0.25", "0.45", "0.6", "0.75", "0.85"])
        for offset, name in enumerate(names):
            hits = np.asarray(per_user[name], dtype=float)
            rates = [hits[levels == level].mean() if (levels == level).any() else 0 for level in range(len(labels))]
            axis.bar(np.arange(len(labels)) + offset * width, rates, width, label=name,
                     color="tab:orange" if name == "lightgbm" else next(baseline_colors))
        counts = np.bincount(levels, minlength=len(labels))
        axis.set_xticks(np.arange(len(labels)) + 0.4 - width / 2,
                        [f"{label}\n({count} users)" for label, count in zip(labels, counts, strict=True)], fontsize=7)
        axis.set_title(f"{run}: {protocol}", fontsize=9)
        axis.set_xlabel("interactions before T", fontsize=8)
        axis.set_ylabel("hitrate@5")
        axis.legend(fontsize=6)
    figure.tight_layout()
    figure.savefig(DOCS / "img/hitrate_by_activity.png", dpi=110)


if __name__ == "__main__":
    runs = load_runs()
    model_vs_baselines(runs)
    feature_importance(runs)
    hitrate_by_activity(runs)
    print(f"plotted {', '.join(runs)}")
