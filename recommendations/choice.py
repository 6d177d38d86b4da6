"""The parameters a training run trains and serves with: one typed object, and the one
owner of their layout in `TrainingRun.params`.

The tuning search chooses one (`tuning`), the training run stores it on its row
(`training`), serving reads the blend and "more like this" weights back from it
(`serving`) and the admin shows it: all of them through `Choice`, never by the JSON's
keys. The layout is the one runs have always stored (ALS's fields at the top level,
the others under their key; the rating model's key was "explicit" until migration
0008 renamed it), so every stored run still loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from recommendations.algorithms.als import AlsParams
from recommendations.algorithms.ease import EaseParams
from recommendations.algorithms.rating import RatingParams
from recommendations.config import DEFAULT_HYBRID, DEFAULT_SIMILAR, HybridParams, SimilarParams


@dataclass(frozen=True, kw_only=True)
class Choice:
    als: AlsParams = field(default_factory=AlsParams)
    ease: EaseParams = field(default_factory=EaseParams)
    hybrid: HybridParams = DEFAULT_HYBRID
    similar: SimilarParams = DEFAULT_SIMILAR
    rating: RatingParams = field(default_factory=RatingParams)
    # The first start's quick model (`training.training_run_train(quick=True)`): cut-down
    # EASE and rating model fits, no search; the next run completes it.
    quick: bool = False

    @classmethod
    def from_json(cls, stored: dict) -> Choice:
        """A run's `params`; what it lacks (runs from before a model, or a blend, was
        chosen per run) takes the defaults."""
        return cls(
            als=AlsParams.from_json(stored),
            ease=EaseParams.from_json(stored.get("ease", {})),
            hybrid=HybridParams.from_json(stored.get("hybrid", {})),
            similar=SimilarParams.from_json(stored.get("similar", {})),
            rating=RatingParams.from_json(stored.get("rating", {})),
            quick=stored.get("quick", False),
        )

    def as_json(self) -> dict:
        return {
            **self.als.as_json(),
            "ease": self.ease.as_json(),
            "hybrid": self.hybrid.as_json(),
            "similar": self.similar.as_json(),
            "rating": self.rating.as_json(),
            **({"quick": True} if self.quick else {}),
        }
