"""Static checks of the Docker deployment files: Dockerfile, docker-compose.yml, .dockerignore.

No Docker engine is needed (nor used): the files are parsed and their wiring is checked
against the repository, the settings and each other.
"""

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]

APP_SERVICES = ("migrate", "web", "worker", "beat")
ALL_SERVICES = ("db", "redis", *APP_SERVICES)
COLLECTSTATIC_ENV = ("MOVIEREC_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS")
LOCK, DEV_LOCK = "requirements.lock", "requirements-dev.lock"


def compose() -> dict:
    # safe_load resolves the x-app anchor and the `<<` merge keys.
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def services() -> dict:
    return compose()["services"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    assert not current, "Dockerfile ends inside a continued instruction"
    return instructions


def dockerfile_env() -> str:
    """The arguments of every ENV instruction: what the image keeps in its environment."""
    return " ".join(args for keyword, args in dockerfile_instructions() if keyword == "ENV")


def run_commands() -> list[str]:
    """Every shell command of every RUN instruction, split at &&."""
    return [
        part.strip()
        for keyword, arguments in dockerfile_instructions()
        if keyword == "RUN"
        for part in arguments.split("&&")
    ]


def image_cmd() -> list[str]:
    cmds = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "CMD"]
    assert len(cmds) == 1, "the Dockerfile needs exactly one CMD"
    return json.loads(cmds[0])  # exec form: signals reach gunicorn, not a shell


def service_command(name: str) -> list[str]:
    command = services()[name].get("command")
    if command is None:
        return image_cmd()
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def module_file_exists(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def settings_str_defaults() -> dict[str, str]:
    """NAME -> default of every env.str("NAME", default="...") in movierec/settings.py."""
    tree = ast.parse((ROOT / "movierec" / "settings.py").read_text())
    defaults = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "str"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "env"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            for keyword in node.keywords:
                if keyword.arg == "default" and isinstance(keyword.value, ast.Constant):
                    defaults[node.args[0].value] = keyword.value.value
    return defaults


# --- docker-compose.yml ------------------------------------------------------------------


def test_compose_has_every_service_and_no_version_key():
    data = compose()
    assert "version" not in data, "the top-level version key is obsolete in the Compose spec"
    assert set(ALL_SERVICES) <= set(data["services"])
    for name in ALL_SERVICES:
        assert data["services"][name].get("image") or data["services"][name].get("build")


def test_app_services_share_image_build_and_environment():
    svc = services()
    reference = svc["web"]
    assert reference.get("build"), "the application services must build the Dockerfile"
    assert reference.get("image"), "and name the image they share"
    for name in APP_SERVICES:
        for key in ("image", "build", "env_file", "environment", "volumes"):
            assert svc[name].get(key) == reference.get(key), f"{name}.{key} differs from web's"


def test_app_environment_is_production_and_points_at_the_compose_services():
    svc = services()
    env = svc["web"]["environment"]
    assert env["MOVIEREC_ENV"] == "production"
    assert svc["web"]["env_file"] in (".env", [".env"])

    db_env = svc["db"]["environment"]
    user, password, database = (
        db_env["POSTGRES_USER"],
        db_env["POSTGRES_PASSWORD"],
        db_env["POSTGRES_DB"],
    )
    assert env["DATABASE_URL"] == f"postgres://{user}:{password}@db:5432/{database}"
    assert re.fullmatch(r"redis://redis:6379/\d+", env["REDIS_URL"])


def test_secret_key_is_required_not_defaulted():
    # ${VAR:?message} makes Compose stop with the message when SECRET_KEY is unset or empty.
    value = services()["web"]["environment"]["SECRET_KEY"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", value), value


def test_local_tryout_defaults():
    env = services()["web"]["environment"]
    assert env["ALLOWED_HOSTS"] == "${ALLOWED_HOSTS:-localhost,127.0.0.1}"
    assert env["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-false}"
    assert env["BEHIND_TLS_PROXY"] == "${BEHIND_TLS_PROXY:-false}"


@pytest.mark.parametrize(
    "name", ["MOVIELENS_SOURCE", "TMDB_METADATA_PATH", "TMDB_API_KEY", "EMBEDDING_MODEL"]
)
def test_passthrough_defaults_match_settings(name):
    # Compose sets the variable even when the user did not, so its fallback must be the
    # settings default: an empty MOVIELENS_SOURCE would override the real default URL.
    value = services()["web"]["environment"][name]
    match = re.fullmatch(r"\$\{(\w+):-(.*)\}", value)
    assert match and match.group(1) == name, value
    assert match.group(2) == settings_str_defaults()[name]


def test_dependencies_wait_for_health_and_migrations():
    svc = services()
    assert svc["web"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert svc["worker"]["depends_on"] == svc["web"]["depends_on"]
    assert svc["beat"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert svc["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert svc["migrate"]["restart"] == "no", "a one-shot job must not be restarted"
    # service_healthy needs a healthcheck on the other side.
    for name in APP_SERVICES:
        for dependency, spec in svc[name]["depends_on"].items():
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in svc[dependency], f"{dependency} has no healthcheck"


def test_db_is_pgvector_on_postgres_17_or_18_with_a_persistent_volume():
    db = services()["db"]
    match = re.fullmatch(r"pgvector/pgvector:(?:[\d.]+-)?pg(\d+)(?:-\w+)?", db["image"])
    assert match, db["image"]
    major = int(match.group(1))
    assert major in (17, 18)
    # PostgreSQL 18+ images moved PGDATA under /var/lib/postgresql/<major>/docker and the
    # VOLUME to /var/lib/postgresql; a mount at .../data would miss the data.
    target = "/var/lib/postgresql" if major >= 18 else "/var/lib/postgresql/data"
    sources = {v.split(":")[0] for v in db["volumes"] if v.split(":")[1] == target}
    assert sources and sources <= set(compose()["volumes"]), "the data needs a named volume"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_redis_persists_and_has_a_healthcheck():
    redis = services()["redis"]
    assert redis["image"].startswith("redis:7")
    assert "--appendonly" in redis["command"]
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])
    assert any(v.endswith(":/data") for v in redis["volumes"])


def test_commands_name_modules_that_exist():
    assert (ROOT / "manage.py").is_file()
    assert service_command("migrate")[:4] == ["python", "manage.py", "migrate", "--noinput"]

    web = service_command("web")
    assert web[0] == "gunicorn"
    wsgi_module, _, attribute = web[1].partition(":")
    assert (wsgi_module, attribute) == ("movierec.wsgi", "application")
    assert module_file_exists(wsgi_module)
    assert "0.0.0.0:8000" in web
    assert any(port.endswith(":8000") for port in services()["web"]["ports"])

    for name, role in (("worker", "worker"), ("beat", "beat")):
        command = service_command(name)
        assert command[:4] == ["celery", "-A", "movierec.celery", role], command
        assert module_file_exists(command[2]), command[2]
    assert "--concurrency" in service_command("worker")
    # The image's user can write /tmp, not the code directory.
    beat = service_command("beat")
    assert beat[beat.index("--schedule") + 1].startswith("/tmp/")


# --- Dockerfile --------------------------------------------------------------------------


def test_dockerfile_base_user_and_offline_model():
    instructions = dockerfile_instructions()
    stages = [arguments for keyword, arguments in instructions if keyword == "FROM"]
    assert stages[-1] == "python:3.11-slim", "the final (runtime) stage"
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must not run as root"
    assert re.search(r"\bHF_HUB_OFFLINE=1\b", dockerfile_env())


def test_dockerfile_installs_the_production_lock_with_hashes_and_cpu_torch():
    installs = [c for c in run_commands() if re.match(r"(python -m )?pip install\b", c)]
    assert installs, "no pip install in the Dockerfile"
    for command in installs:
        args = shlex.split(command)
        assert not any("[dev" in arg for arg in args), f"dev extras in the image: {command}"
        assert not any(arg in ("-e", "--editable") for arg in args), command
        assert LOCK not in args or {"--require-hashes", "--no-deps"} <= set(args), command
    [from_lock] = [c for c in installs if LOCK in shlex.split(c)]
    args = shlex.split(from_lock)
    assert args[args.index(LOCK) - 1] in ("-r", "--requirement"), from_lock
    # torch's CPU build lives on PyTorch's index only; PyPI stays the main index.
    assert args[args.index("--extra-index-url") + 1] == "https://download.pytorch.org/whl/cpu"
    [project] = [c for c in installs if shlex.split(c)[-1] == "."]
    assert "--no-deps" in shlex.split(project), "the lock alone brings the dependencies"
    assert installs.index(from_lock) < installs.index(project)
    copies = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "COPY"]
    assert any(LOCK in c.split() for c in copies)


def test_collectstatic_runs_with_build_only_settings():
    commands = [c for c in run_commands() if "collectstatic" in c]
    assert len(commands) == 1
    words = shlex.split(commands[0])
    assignments = {}
    for word in words:
        name, equals, value = word.partition("=")
        if not equals or not re.fullmatch(r"[A-Z_]+", name):
            break
        assignments[name] = value
    assert words[len(assignments) :][:3] == ["python", "manage.py", "collectstatic"]
    assert "--noinput" in words
    assert set(COLLECTSTATIC_ENV) <= set(assignments)
    assert assignments["MOVIEREC_ENV"] == "production"
    # settings.py refuses a short or django-insecure key in production.
    assert len(assignments["SECRET_KEY"]) >= 50
    assert not assignments["SECRET_KEY"].startswith("django-insecure")
    # The dummies live on that RUN line only, never in the image's environment.
    assert "SECRET_KEY" not in dockerfile_env() and "DATABASE_URL" not in dockerfile_env()


def test_dockerignore_keeps_local_state_and_secrets_out():
    patterns = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (".env", ".venv", ".data", ".git", "staticfiles", "node_modules"):
        assert required in patterns, f".dockerignore misses {required}"


def test_image_has_the_vendored_front_end_files_the_templates_use():
    # Production's manifest storage raises on a {% static %} file that collectstatic never
    # saw, and static/vendor is not in git: the image must produce it itself.
    copies = [c for c in run_commands() if c.startswith("cp ") and "node_modules/" in c]
    assert len(copies) == 1, "one cp of the npm files into the vendor directory"
    vendored = {Path(word).name for word in shlex.split(copies[0])[1:-1]}
    copy_from = [args for keyword, args in dockerfile_instructions() if keyword == "COPY"]
    assert any(
        c.startswith("--from=") and c.split()[-1].rstrip("/") == "static/vendor" for c in copy_from
    )

    used = set()
    template_dirs = [ROOT / "templates", *ROOT.glob("*/templates")]  # project and app templates
    for template in (t for directory in template_dirs for t in directory.rglob("*.html")):
        used |= set(re.findall(r"""{%\s*static\s+["']vendor/([^"']+)["']""", template.read_text()))
    assert used <= vendored, f"templates use vendor files the image lacks: {used - vendored}"

    # The same files as `make install` vendors, when the Makefile lists them.
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    listed = re.search(r"^VENDOR_FILES\s*:?=(.*)$", makefile, re.MULTILINE)
    if listed:
        assert {Path(word).name for word in listed.group(1).split()} == vendored


# --- Lock files (make lock) ------------------------------------------------------------------


def locked(name: str) -> dict[str, tuple[str, list[str]]]:
    """Normalised package name -> (pinned version, sha256 hashes) of a lock file."""
    text = (ROOT / name).read_text().replace("\\\n", " ")
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, *options = line.split()
        package, equals, version = requirement.partition("==")
        assert equals, f"{name}: {requirement} is not pinned with =="
        hashes = [o.removeprefix("--hash=sha256:") for o in options if o.startswith("--hash=")]
        pins[canonicalize_name(package)] = (version, hashes)
    return pins


def declared(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]
    return [
        Requirement(r) for r in project["dependencies"] + [r for e in extras for r in optional[e]]
    ]


@pytest.mark.parametrize(("lock", "extras"), [(LOCK, ()), (DEV_LOCK, ("dev",))])
def test_lock_pins_every_declared_dependency_with_hashes(lock, extras):
    pins = locked(lock)
    for requirement in declared(*extras):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} lacks {requirement.name}: run `make lock`"
        version, _ = pins[name]
        assert requirement.specifier.contains(Version(version), prereleases=True), (
            f"{lock} pins {name}=={version}, pyproject.toml asks {requirement}: run `make lock`"
        )
    for name, (_version, hashes) in pins.items():
        assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), name


@pytest.mark.parametrize("lock", [LOCK, DEV_LOCK])
def test_lock_has_the_cpu_build_of_torch_and_no_cuda(lock):
    pins = locked(lock)
    version = Version(pins["torch"][0])
    assert (version.public, version.local) == ("2.13.0", "cpu")
    cuda = [name for name in pins if name.startswith(("nvidia-", "triton"))]
    assert not cuda, f"{lock} pulls in CUDA packages: {cuda}"


def test_production_lock_is_the_dev_lock_minus_the_dev_tools():
    production, development = locked(LOCK), locked(DEV_LOCK)
    assert production.items() <= development.items()
    dev_tools = {canonicalize_name(r.name) for r in declared("dev")} - {
        canonicalize_name(r.name) for r in declared()
    }
    # pyyaml is a dev extra for the tests, and a dependency of production packages too.
    assert dev_tools & production.keys() == {"pyyaml"}


def test_makefile_installs_the_dev_lock_with_hashes_and_the_project_without_deps():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^DEV_LOCK := requirements-dev\.lock$", makefile, re.MULTILINE)
    install = re.search(r"^\$\(STAMP\):(.*?)\n\n", makefile, re.MULTILINE | re.DOTALL)
    assert install and "$(DEV_LOCK)" in install.group(1).split("\n")[0]
    assert re.search(
        r"pip install .*--no-deps --require-hashes .*-r \$\(DEV_LOCK\)", install.group(1)
    )
    assert "pip install --quiet --disable-pip-version-check --no-deps -e ." in install.group(1)
    assert "pip check" in install.group(1)


def test_make_install_exports_the_embedding_model_after_the_packages_and_only_once(tmp_path):
    """`make` itself, dry-run in a folder shaped like an installed checkout: a second
    `make install` has nothing to do; a change of the export code exports again, and new
    packages are installed before the model is exported from them."""
    shutil.copy(ROOT / "Makefile", tmp_path)
    sources = ["pyproject.toml", DEV_LOCK, "package.json", "package-lock.json"]
    made = [".venv/.installed", "static/vendor/.installed", ".models/.exported"]
    for age, name in enumerate([*sources, "catalog/embedding.py", *made]):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        os.utime(path, (1_000_000 + age, 1_000_000 + age))  # each newer than the ones before
    env = {k: v for k, v in os.environ.items() if k not in {"EMBEDDING_EXPORT_DIR", "MAKEFLAGS"}}

    def make(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            # Under `make test` this make is nested: no "Entering directory" lines.
            ["make", "--no-print-directory", *options, "install"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )

    assert make("-q").returncode == 0, "a second make install would do something"
    export = [
        ".venv/bin/python manage.py export_embedding_model",
        "mkdir -p .models",
        "touch .models/.exported",
    ]
    os.utime(tmp_path / "catalog" / "embedding.py")  # the export code changed
    assert make("-n").stdout.splitlines() == export
    os.utime(tmp_path / DEV_LOCK)  # new packages
    steps = make("-n").stdout.splitlines()
    assert steps[-3:] == export
    assert any("pip check" in step for step in steps[:-3])


def test_metrics_files_stay_in_each_container_and_the_worker_exposes_its_port():
    env = services()["web"]["environment"]
    # /dev/shm is private to each container: PIDs repeat across containers.
    assert env["PROMETHEUS_MULTIPROC_DIR"].startswith("/dev/shm/")
    assert not any("/dev/shm" in volume for volume in services()["web"]["volumes"])
    port = env["WORKER_METRICS_ADDRESS"].rpartition(":")[2]
    assert port in services()["worker"]["expose"]
    assert "ports" not in services()["worker"], "worker metrics must not be published"
