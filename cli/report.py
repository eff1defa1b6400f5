"""Summaries and plots of evaluation results (per-theorem JSONL records)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    supported = [r for r in records if r.get("status") != "bad_statement"]
    proved = [r for r in supported if r.get("proved")]
    times = [r.get("seconds", 0.0) for r in supported]
    summary: dict[str, Any] = {
        "theorems": len(records),
        "unsupported": len(records) - len(supported),
        "proved": len(proved),
        "proved_pct": round(100.0 * len(proved) / len(records), 2) if records else 0.0,
        "proved_pct_supported": round(100.0 * len(proved) / len(supported), 2) if supported else 0.0,
        "mean_seconds": round(statistics.mean(times), 3) if times else 0.0,
        "median_seconds": round(statistics.median(times), 3) if times else 0.0,
    }
    keys = sorted({k for r in supported for k in r.get("pass_at", {})}, key=lambda k: int(k.split("@")[1]))
    for k in keys:
        vals = [r["pass_at"][k] for r in supported if k in r.get("pass_at", {})]
        summary[k] = round(sum(vals) / len(supported), 4)
    return summary


def format_summary(title: str, s: dict[str, Any]) -> str:
    lines = [
        title,
        f"  theorems      {s['theorems']}",
        f"  unsupported   {s['unsupported']}  (statement does not elaborate here)",
        f"  proved        {s['proved']}  = {s['proved_pct']}% of all, {s['proved_pct_supported']}% of supported",
    ]
    lines += [f"  {k:<13} {v:.4f}" for k, v in s.items() if k.startswith("pass@")]
    lines.append(f"  time/theorem  mean {s['mean_seconds']:.1f}s, median {s['median_seconds']:.1f}s")
    return "\n".join(lines)


def plot_proved_vs_time(records: list[dict[str, Any]], path: Path, title: str, budget: float) -> Path:
    """Theorems proved within t seconds each, against t up to the per-theorem budget (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    times = sorted(r.get("seconds", 0.0) for r in records if r.get("proved"))
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    xs = [0.0] + times + [max(budget, times[-1] if times else 0.0)]
    ys = list(range(len(times) + 1)) + [len(times)]
    ax.step(xs, ys, where="post")
    ax.set_xlim(0, xs[-1] or 1.0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("seconds per theorem")
    ax.set_ylabel("theorems proved")
    ax.set_title(title, fontsize=10)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
