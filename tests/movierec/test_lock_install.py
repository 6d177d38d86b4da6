"""The Makefile installs exactly what the lock names, whatever the index holds on the day.

A package reached through an extra (pip-audit needs CacheControl[filecache]) is resolved
afresh by older pips, the machine's own pip 23 among them: with a newer release on the index
than the lock pins, that pip picked the newer one and --require-hashes refused it, so a
clean clone could not install. This test builds a wheelhouse with exactly that trap and runs
the Makefile's own install recipe on it, in a venv made by the machine's Python.
"""

import base64
import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = shutil.which("python3.11")


def _wheel(directory: Path, name: str, version: str, requires: list[str]) -> Path:
    """A minimal pure-Python wheel with one module and the given Requires-Dist lines."""
    dist = f"{name}-{version}"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist}.dist-info/METADATA": "\n".join(
            ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
            + ["Provides-Extra: cache"] * (name == "lockdemo_lib")
            + [f"Requires-Dist: {requirement}" for requirement in requires]
        )
        + "\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [
        f"{path},sha256={_b64_digest(content.encode())},{len(content.encode())}"
        for path, content in files.items()
    ]
    files[f"{dist}.dist-info/RECORD"] = "\n".join([*record, f"{dist}.dist-info/RECORD,,"]) + "\n"
    path = directory / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name_in_zip, content in files.items():
            archive.writestr(name_in_zip, content)
    return path


def _b64_digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _locked(wheel: Path, requirement: str) -> str:
    return f"{requirement} --hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}\n"


def _install_recipe(venv: Path, lock: Path, wheelhouse: Path) -> list[str]:
    """The commands `make install` runs to create the venv and install the lock, as the
    Makefile has them (make -n prints a rule's recipe without running it)."""
    printed = subprocess.run(
        [
            "make", "-n", "-B", "-C", str(ROOT), f"{venv}/.installed",
            f"VENV={venv}", f"DEV_LOCK={lock}",
            f"TORCH_SOURCE=--no-index --find-links {wheelhouse}",
        ],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    return [line for line in printed if "-m venv" in line or f"-r {lock}" in line]


@pytest.mark.skipif(PYTHON is None, reason="the Makefile's default interpreter, python3.11")
def test_install_takes_the_locked_version_when_the_index_has_a_newer_one_behind_an_extra(
    tmp_path,
):
    wheelhouse = tmp_path / "index"
    wheelhouse.mkdir()
    # lockdemo_app needs lockdemo_lib[cache]; the lock pins lib 1.0, and 1.1 came out later.
    app = _wheel(wheelhouse, "lockdemo_app", "1.0", ["lockdemo_lib[cache]>=1.0"])
    lib = _wheel(wheelhouse, "lockdemo_lib", "1.0", [])
    _wheel(wheelhouse, "lockdemo_lib", "1.1", [])
    lock = tmp_path / "requirements.lock"
    lock.write_text(_locked(app, "lockdemo-app==1.0") + _locked(lib, "lockdemo-lib==1.0"))
    venv = tmp_path / "venv"
    recipe = _install_recipe(venv, lock, wheelhouse)
    assert len(recipe) == 2, recipe

    # The machine's pip settings (its own wheel folders and constraints) stay out of it.
    environment = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    for command in recipe:
        result = subprocess.run(
            ["/bin/sh", "-c", command], cwd=ROOT, env=environment, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr

    installed = subprocess.run(
        [venv / "bin" / "python", "-c", "import lockdemo_lib; print(lockdemo_lib.VERSION)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert installed == "1.0"
