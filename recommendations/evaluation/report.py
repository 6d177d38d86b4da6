"""The evaluation's report: one seed's figures (`EvaluationReport`), and the same
protocol on several seeds as mean ± standard error (`SeedsReport`), as a table and as
the JSON stored on the serving run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from recommendations.algorithms.als import AlsParams
from recommendations.algorithms.ease import EaseParams
from recommendations.config import Algorithm, HybridParams, SimilarParams
from recommendations.evaluation.metrics import RANKING_METRICS, standard_error
from recommendations.evaluation.splits import Relevance, Split, describe_protocol

METRICS = (
    *RANKING_METRICS,
    "coverage",
    "diversity",
    "personalisation",
    "novelty",
    "bayesian_rating",
    "miscalibration",
    "genre_coverage",
)
RATING_METRICS = ("rmse", "mae")
# Users by how many ratings they have in training: the blend should serve each group.
ACTIVITY_BUCKETS: dict[str, tuple[int, float]] = {
    "1-4": (1, 4),
    "5-19": (5, 19),
    "20-99": (20, 99),
    "100+": (100, np.inf),
}
SIMILARITY_METRICS = ("hits", "hit_rate")


@dataclass
class EvaluationReport:
    k: int
    seed: int
    split: Split
    relevance: Relevance
    params: AlsParams
    config: HybridParams
    ease_params: EaseParams
    similar_config: SimilarParams
    results: dict[str, dict[str, float]]  # algorithm -> METRICS
    similar: dict[str, dict[str, float]]  # method -> SIMILARITY_METRICS
    ratings: dict[str, dict[str, float]]  # rating model -> RATING_METRICS
    tuning: list[dict] = field(default_factory=list)

    @property
    def activity(self) -> dict[str, dict[str, float | None]]:
        """algorithm -> activity bucket -> nDCG."""
        return {name: values["ndcg_by_activity"] for name, values in self.results.items()}

    def as_json(self) -> dict:
        return {
            "k": self.k,
            "seed": self.seed,
            "split": str(self.split),
            "relevance": str(self.relevance),
            "protocol": describe_protocol(split=self.split, relevance=self.relevance, k=self.k),
            "params": self.params.as_json(),
            "hybrid": dataclasses.asdict(self.config),
            "ease": self.ease_params.as_json(),
            "similar_weights": dataclasses.asdict(self.similar_config),
            "results": self.results,
            "similar": self.similar,
            "ratings": self.ratings,
            "tuning": self.tuning,
        }


@dataclass
class SeedsReport:
    """The same protocol on several seeds: every figure as mean and standard error."""

    reports: list[EvaluationReport]

    def sections(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Report attribute -> (table title, its metrics)."""
        return {
            "results": ("Top-k lists", METRICS),
            "activity": (
                "nDCG@k by the user's number of training ratings (— : no such users)",
                tuple(ACTIVITY_BUCKETS),
            ),
            "similar": ('"More like this" (one liked training film per user)', SIMILARITY_METRICS),
            "ratings": ("Predicted stars on every held-out rating", RATING_METRICS),
        }

    def summary(self, section: str) -> dict[str, dict[str, tuple[float, float | None]]]:
        """row -> metric -> (mean, standard error or None with a single seed)."""
        first = getattr(self.reports[0], section)
        metrics = self.sections()[section][1]
        return {
            row: {
                metric: _mean_and_error([getattr(r, section)[row][metric] for r in self.reports])
                for metric in metrics
                if metric in values
            }
            for row, values in first.items()
        }

    def table(self) -> str:
        first = self.reports[0]
        seeds = ", ".join(str(r.seed) for r in self.reports)
        protocol = describe_protocol(split=first.split, relevance=first.relevance, k=first.k)
        lines = [
            f"Protocol: {protocol}.",
            f"Seeds {seeds}: mean ± standard error." if len(self.reports) > 1 else f"Seed {seeds}.",
        ]
        for section, (title, metrics) in self.sections().items():
            names = [
                m if m in RATING_METRICS or m in ACTIVITY_BUCKETS else f"{m}@{first.k}"
                for m in metrics
            ]
            lines += ["", f"{title}:", "", f"| | {' | '.join(names)} |"]
            lines.append("|" + "---|" * (len(metrics) + 1))
            for row, values in self.summary(section).items():
                # — for a metric not measured (miscalibration without genres).
                cells = (_cell(*values.get(m, (None, None))) for m in metrics)
                lines.append(f"| {row} | " + " | ".join(cells) + " |")
        if len(self.reports) > 1:
            lines += ["", *self.per_seed_table()]
        return "\n".join(lines)

    def per_seed_table(self) -> list[str]:
        """Each seed's nDCG@k per list, and whether the hybrid beat every other list on
        that seed: a mean can hide a seed where it did not."""
        k = self.reports[0].k
        names = list(self.reports[0].results)
        lines = [
            f"nDCG@{k} per seed:",
            "",
            f"| seed | {' | '.join(names)} | hybrid beats every other list |",
            "|" + "---|" * (len(names) + 2),
        ]
        for report in self.reports:
            ndcg = {name: report.results[name]["ndcg"] for name in names}
            # Other algorithms, not variants of the hybrid (its uncalibrated twin).
            others = [
                value for name, value in ndcg.items() if name in set(Algorithm) - {Algorithm.HYBRID}
            ]
            beats = (
                "—"
                if Algorithm.HYBRID not in ndcg or not others
                else ("yes" if ndcg[Algorithm.HYBRID] > max(others) else "**no**")
            )
            cells = " | ".join(f"{value:.4f}" for value in ndcg.values())
            lines.append(f"| {report.seed} | {cells} | {beats} |")
        return lines

    def as_json(self) -> dict:
        """The first seed's settings; `results` etc. hold the means (what the admin shows),
        `standard_errors` their errors, `per_seed` every seed's full report."""
        first = self.reports[0].as_json()
        summaries = {section: self.summary(section) for section in self.sections()}
        return {
            **{key: first[key] for key in ("k", "split", "relevance", "protocol")},
            "seeds": [r.seed for r in self.reports],
            **{
                section: {row: {m: v[0] for m, v in values.items()} for row, values in rows.items()}
                for section, rows in summaries.items()
            },
            "standard_errors": {
                section: {row: {m: v[1] for m, v in values.items()} for row, values in rows.items()}
                for section, rows in summaries.items()
            },
            "per_seed": [r.as_json() for r in self.reports],
        }


def _mean_and_error(values: list[float | None]) -> tuple[float | None, float | None]:
    """Over the seeds that have a value (a bucket may have no users in some)."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return float(np.mean(values)), standard_error(values) if len(values) > 1 else None


def _cell(mean: float | None, error: float | None) -> str:
    if mean is None:
        return "—"
    return f"{mean:.4f}" if error is None else f"{mean:.4f} ± {error:.4f}"
