"""The project's size limits (docs/architecture.md): no function over 80 lines and no
module over 600 lines, outside the tests, the migrations and the benchmarks.

A long function is several steps that want names; a long module is several concerns that
want modules of their own. The check reads every module's syntax tree, so it needs
neither Django nor a database.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 600
# Whatever is not the project's own runtime code: tests, benchmarks, generated
# migrations, and the folders tools and data live in.
EXCLUDED = {"tests", "bench", "migrations", "node_modules", "static", "docs"}


def project_modules(root: Path) -> list[Path]:
    """Every module of the project's own code; hidden folders (the venv, the data) and the
    excluded ones are not walked at all."""
    found = []
    for top in root.iterdir():
        if top.name.startswith(".") or top.name in EXCLUDED:
            continue
        paths = top.rglob("*.py") if top.is_dir() else [top] if top.suffix == ".py" else []
        found += [p for p in paths if not EXCLUDED.intersection(p.relative_to(root).parts)]
    return sorted(found)


def oversized(path: Path) -> list[str]:
    """What in `path` breaks a limit, as "file:line name (n lines)"."""
    source = path.read_text(encoding="utf-8")
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{path}: module ({lines} lines)")
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{path}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_the_walk_covers_every_app_and_leaves_out_tests_migrations_and_bench():
    walked = {path.relative_to(ROOT) for path in project_modules(ROOT)}

    assert Path("manage.py") in walked
    assert Path("recommendations/algorithms/als.py") in walked
    tops = {path.parts[0] for path in walked}
    assert {"movierec", "pages", "social", "recommendations", "ratings", "catalog"} <= tops
    assert {"accounts", "jobs", "core"} <= tops
    assert not tops & {"tests", "bench", ".venv", "node_modules"}
    assert not any("migrations" in path.parts for path in walked)


def test_no_function_over_80_lines_and_no_module_over_600():
    found = [problem for path in project_modules(ROOT) for problem in oversized(path)]

    assert found == [], "Split these into named steps or modules:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("function_lines", "module_padding", "expected"),
    [
        (80, 0, []),
        (81, 0, ["long (81 lines)"]),
        (3, 598, ["module (601 lines)"]),
    ],
)
def test_the_check_finds_a_long_function_and_a_long_module(
    tmp_path, function_lines, module_padding, expected
):
    body = "\n".join(f"    x{i} = {i}" for i in range(function_lines - 1))
    path = tmp_path / "sample.py"
    path.write_text(f"def long():\n{body}\n" + "\n" * module_padding)

    assert [problem.split(" ", 1)[1] for problem in oversized(path)] == expected
