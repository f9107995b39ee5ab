"""The set-up contract: two README commands, the lab command serves JupyterLab, binder/ is valid."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readme_has_exactly_two_setup_commands_and_a_binder_link():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \w+)", section, flags=re.M)
    assert commands == ["make lab", "make test"]
    assert "mybinder.org/v2/gh/" in readme
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert nb.name in readme, f"README does not list {nb.name}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, flags=re.M)


def test_torch_is_pinned_and_installed_at_the_pin():
    import torch

    pins = (ROOT / "constraints.txt").read_text()
    assert re.search(r"^torch==2\.13\.0$", pins, flags=re.M)
    assert torch.__version__.split("+")[0] == "2.13.0"


def test_binder_environment_matches_root_and_covers_the_dependencies():
    root = yaml.safe_load((ROOT / "environment.yml").read_text())
    binder = yaml.safe_load((ROOT / "binder" / "environment.yml").read_text())
    assert root == binder
    conda = {re.split(r"[<>=\s]", d, maxsplit=1)[0] for d in root["dependencies"] if isinstance(d, str)}
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    rename = {"torch": "pytorch-cpu"}
    for dep in deps:
        name = re.split(r"[<>=\[\s]", dep, maxsplit=1)[0].lower()
        assert rename.get(name, name) in conda, f"{name} missing from environment.yml"
    assert {"jupyterlab", "ipykernel", "python"} <= conda


def test_make_and_binder_run_torchs_avx2_kernels():
    """The lab, the tests, the book and Binder compute with torch's AVX2 kernels (README, "Same digits"), unless
    the user set ATEN_CPU_CAPABILITY."""
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    make = subprocess.run(["make", "--no-print-directory", "--eval", "show-kernels: ; @echo $$ATEN_CPU_CAPABILITY",
                           "show-kernels"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert make.stdout.strip() == "avx2", make.stdout + make.stderr
    start = ROOT / "binder" / "start"
    assert os.access(start, os.X_OK)
    for given, expected in ((None, "avx2"), ("default", "default")):
        run_env = env if given is None else {**env, "ATEN_CPU_CAPABILITY": given}
        out = subprocess.run([str(start), "sh", "-c", "echo $ATEN_CPU_CAPABILITY"], env=run_env,
                             capture_output=True, text=True, timeout=60).stdout
        assert out.strip() == expected


def test_repo2docker_accepts_binder_config():
    exe = Path(sys.executable).parent / "repo2docker"
    result = subprocess.run(
        [str(exe), "--no-build", "--debug", str(ROOT)], capture_output=True, text=True, timeout=300
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-2000:]
    assert 'binder/environment.yml' in out and "./binder/postBuild" in out
    assert "python=3.11" in out
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert "pip install --no-deps" in post_build.read_text()


@pytest.mark.slow
def test_make_lab_serves_jupyterlab_on_127_0_0_1():
    port, token = free_port(), "foldlab-test-token"
    env = {**os.environ, "JUPYTER_TOKEN": token, "VENV": str(Path(sys.executable).parents[1])}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"PORT={port}", f"VENV={env['VENV']}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline, page = time.time() + 120, None
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as r:
                    page = r.read().decode()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        said = proc.stdout.read1().decode()[-3000:] if proc.poll() is not None else "still starting"
        assert page is not None, f"JupyterLab did not answer on port {port}: {said}"
        assert "JupyterLab" in page
        # the address the command prints, and the server's root, open the start notebook
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?token={token}", timeout=10) as r:
            assert urllib.parse.urlparse(r.geturl()).path == "/lab/tree/00_start_here.ipynb", r.geturl()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={token}", timeout=10) as r:
            listing = json.load(r)
        names = {item["name"] for item in listing["content"]}
        assert {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} <= names
        # bound to loopback only
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) == 0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_the_wheel_ships_the_type_marker_and_every_subpackage(tmp_path):
    """PEP 561: ``py.typed`` travels with the package, and so do the subpackages (plotting, widgets, ...)."""
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path)],
        check=True, capture_output=True, timeout=300, cwd=tmp_path,
    )
    names = zipfile.ZipFile(next(tmp_path.glob("foldlab-*.whl"))).namelist()
    assert "foldlab/py.typed" in names
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "foldlab").rglob("__init__.py")}
    assert all(f"{package}/__init__.py" in names for package in packages), packages
    from foldlab.trained import PRETRAINED

    assert all(f"foldlab/weights/{name}.pt" in names for name in PRETRAINED)  # fl.pretrained's files
