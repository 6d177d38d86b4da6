"""The star scale: half stars from MIN_SCORE to MAX_SCORE, the one owner of its steps.

Pure constants (no Django), so the recommender's numpy models use the same scale as the
rating model field, its forms, admin filter and the taste histogram.
"""

from decimal import Decimal

MIN_SCORE = Decimal("0.5")
MAX_SCORE = Decimal("5.0")
# 0.5, 1.0, ..., 5.0: every score a rating can have.
HALF_STARS: tuple[Decimal, ...] = tuple(
    MIN_SCORE * n for n in range(1, int(MAX_SCORE / MIN_SCORE) + 1)
)

# The recommender's two readings of a score, named once:
# - a like: a rating the models learn a taste from (the profile's liked films, EASE's
#   positives, `HybridParams.like_threshold` and `EaseParams.liked_score` by default);
LIKED_STARS = Decimal("3.5")
# - relevant: a film the user loved, which the offline evaluation counts as a hit and
#   "Because you liked X" starts from.
RELEVANT_STARS = Decimal("4.0")
# And one reading of a prediction: no recommender puts a film it predicts below this near
# the top of a person's picks (`recommendations.ranking`).
PICK_FLOOR_STARS = Decimal("3.0")
