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
    unknown = sorted(set(argv) - set(names))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(names)}")
        return 2
    for name in argv or names:
        module = importlib.import_module(f"bench.bench_{name}")
        # The longest ones (hours of machine time) run only when named.
        if argv or getattr(module, "RUN_BY_DEFAULT", True):
            print(f"\n=== {name} ===", flush=True)
            module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
