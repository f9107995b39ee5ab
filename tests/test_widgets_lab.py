"""Widget state survives JupyterLab's save and reopen: the lab setting that saves it is installed where
`make lab` and Binder put it, and foldlab.course.check_environment reports it (the browser test saves,
reopens and looks)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from foldlab.course import check_environment

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "@jupyter-widgets/jupyterlab-manager:plugin"


def overrides() -> dict:
    return json.loads((ROOT / "binder" / "overrides.json").read_text())


def test_binder_overrides_save_widget_state():
    settings = overrides()
    assert settings[PLUGIN] == {"saveState": True}
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_make_lab_and_binder_install_the_overrides():
    makefile = (ROOT / "Makefile").read_text()
    lab = re.search(r"^lab: (.*)$", makefile, flags=re.M).group(1)
    assert "$(SETTINGS)" in lab.split()
    assert re.search(r"^SETTINGS := \$\(VENV\)/share/jupyter/lab/settings/overrides\.json$", makefile, flags=re.M)
    assert re.search(r"^\$\(SETTINGS\): binder/overrides\.json", makefile, flags=re.M)
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert 'cp binder/overrides.json "$prefix/share/jupyter/lab/settings/overrides.json"' in post_build


def test_the_installed_overrides_are_binders():
    installed = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert installed.is_file(), f"{installed} is missing: `make install` copies binder/overrides.json there"
    assert json.loads(installed.read_text()) == overrides(), "stale overrides: run `make install`"


def test_check_environment_reports_saved_widget_state(capsys):
    report = check_environment()
    assert report["widget_state"] is True
    assert "✓ JupyterLab saves widget state in notebooks" in capsys.readouterr().out


def test_check_environment_says_when_widget_state_is_not_saved(tmp_path, monkeypatch):
    """The check reads the setting, not just the file: without saveState it reports False and says what to do."""
    import jupyter_core.paths

    (tmp_path / "overrides.json").write_text(json.dumps({PLUGIN: {"saveState": False}}))
    monkeypatch.setattr(jupyter_core.paths, "jupyter_path", lambda *parts: [str(tmp_path)])
    report = check_environment(quiet=True)
    assert report["widget_state"] is False


@pytest.mark.parametrize("package", ["anywidget", "voila"])
def test_the_conda_environments_carry_what_the_widgets_and_voila_need(package):
    for path in (ROOT / "environment.yml", ROOT / "binder" / "environment.yml"):
        names = {re.split(r"[<>=\s]", d, maxsplit=1)[0] for d in yaml.safe_load(path.read_text())["dependencies"]
                 if isinstance(d, str)}
        assert package in names, f"{package} missing from {path.relative_to(ROOT)}"
