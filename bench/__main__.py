"""Run the benchmarks: `make bench` or `python -m bench [name ...]`.

Each `bench/bench_<name>.py` has a `main()` that prints its own side-by-side ratios.
"""

import importlib
import os
import pkgutil
import sys

import django


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movierec.settings")
    from movierec.embedded import ensure_services

    ensure_services()
    django.setup()
    import bench

    names = sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith("bench_")
    )
    selected = argv or names
    unknown = sorted(set(selected) - set(names))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(names)}")
        return 2
    for name in selected:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"bench.bench_{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
