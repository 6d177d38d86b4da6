"""Hyper-parameter dataclasses that round-trip through JSON (stored on training runs)."""

from dataclasses import asdict
from typing import Self


class JsonParams:
    """For frozen dataclasses of hyper-parameters stored as JSON. Unknown keys are ignored
    and missing ones take the defaults, so parameters stored by older code still load."""

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Self:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})
