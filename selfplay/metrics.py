"""Per-round metrics: one JSONL line per round (the source of truth), the same scalars in TensorBoard, PNG plots."""

from __future__ import annotations

import warnings
from pathlib import Path

from stp_prover.data import ResultLog

PASS_RATE_BINS = (0.0, 0.25, 0.5, 0.75, 1.0)


def pass_rate_histogram(rates: list[float]) -> dict[str, int]:
    """Counts of statements by pass rate: exactly 0, then (0, .25), [.25, .5), [.5, .75), [.75, 1]."""
    hist = {"0": 0, "(0,0.25)": 0, "[0.25,0.5)": 0, "[0.5,0.75)": 0, "[0.75,1]": 0}
    for r in rates:
        if r <= 0:
            hist["0"] += 1
        elif r < 0.25:
            hist["(0,0.25)"] += 1
        elif r < 0.5:
            hist["[0.25,0.5)"] += 1
        elif r < 0.75:
            hist["[0.5,0.75)"] += 1
        else:
            hist["[0.75,1]"] += 1
    return hist


class Metrics:
    def __init__(self, root: Path):
        self.root = root
        self.log = ResultLog(root / "metrics.jsonl", key="round")

    def rounds(self) -> list[dict]:
        return sorted(self.log.records(), key=lambda r: str(r["round"]))

    def has(self, key: str) -> bool:
        return key in self.log.done()

    def append(self, record: dict) -> None:
        self.log.append(record)
        self._tensorboard(record)
        self.plot()

    def _tensorboard(self, record: dict) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:  # tensorboard is a dependency; a broken install only loses this view
            warnings.warn("tensorboard is not installed: metrics go to metrics.jsonl and plots only", stacklevel=2)
            return
        step = record["round"] if isinstance(record["round"], int) else 10_000
        with SummaryWriter(str(self.root / "tb")) as writer:
            for key, value in _flatten(record).items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) and key != "round":
                    writer.add_scalar(key, value, step)

    def plot(self) -> Path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        rows = [r for r in self.rounds() if isinstance(r["round"], int)]
        out = self.root / "plots"
        out.mkdir(exist_ok=True)
        fig, axes = plt.subplots(1, 3, figsize=(15, 4))
        xs = [r["round"] for r in rows]
        ax = axes[0]
        ax.plot(xs, [r.get("targets_proved_cumulative", 0) for r in rows], "o-", label="targets proved (cumulative)")
        ax.plot(xs, [r.get("heldout_proved", 0) for r in rows], "s-", label="held-out proved (model only)")
        if any("heldout_mixture_proved" in r for r in rows):
            mixture = [r.get("heldout_mixture_proved", 0) for r in rows]
            ax.plot(xs, mixture, "^-", label="held-out proved (search, mixture)")
        ax.set_xlabel("round")
        ax.set_ylabel("statements")
        ax.legend()
        ax.set_title("proving")
        ax = axes[1]
        for key in ("conjectures_generated", "conjectures_valid", "conjectures_proved", "conjectures_selected"):
            ax.plot(xs, [r.get(key, 0) for r in rows], "o-", label=key.split("_")[1])
        ax.set_xlabel("round")
        ax.legend()
        ax.set_title("conjectures")
        ax = axes[2]
        if rows:
            targets = rows[0].get("pass_rate_histogram", {})
            conj: dict[str, int] = {}
            for r in rows:
                for k, v in r.get("conjecture_pass_rate_histogram", {}).items():
                    conj[k] = conj.get(k, 0) + v
            keys = list(targets) or list(conj)
            xs_bins = range(len(keys))
            ax.bar([x - 0.2 for x in xs_bins], [targets.get(k, 0) for k in keys], 0.4, label="targets, round 0")
            ax.bar([x + 0.2 for x in xs_bins], [conj.get(k, 0) for k in keys], 0.4, label="conjectures, all rounds")
            ax.set_xticks(list(xs_bins), keys, rotation=30)
            ax.set_title("pass rates")
            ax.legend()
        for a in axes[:2]:
            a.xaxis.get_major_locator().set_params(integer=True)
        fig.tight_layout()
        path = out / "selfplay.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path

    def close(self) -> None:
        self.log.close()


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "/"))
        else:
            out[key] = v
    return out
