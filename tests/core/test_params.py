from dataclasses import dataclass

from core.params import JsonParams


@dataclass(frozen=True, kw_only=True)
class Params(JsonParams):
    factors: int = 32
    alpha: float = 2.0


def test_params_round_trip_through_json():
    params = Params(factors=64, alpha=0.5)
    assert params.as_json() == {"factors": 64, "alpha": 0.5}
    assert Params.from_json(params.as_json()) == params


def test_stored_params_of_older_code_still_load():
    # A key this code no longer knows is ignored; one it added since takes its default.
    assert Params.from_json({"factors": 16, "iterations": 15}) == Params(factors=16, alpha=2.0)
