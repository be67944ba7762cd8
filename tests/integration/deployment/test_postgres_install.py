"""PostgreSQL's installation path of the deployment test (``postgres.py``), without apt-get."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.deployment import postgres


def test_no_service_may_start_during_the_install_and_the_guard_goes_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy-rc.d"
    monkeypatch.setattr(postgres, "POLICY_RC_D", policy)
    with postgres._services_not_started():
        assert policy.read_text().rstrip().endswith("exit 101")
        assert subprocess.run([str(policy), "postgresql", "start"], check=False).returncode == 101
    assert not policy.exists()


def test_an_existing_policy_is_left_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 0\n")
    monkeypatch.setattr(postgres, "POLICY_RC_D", policy)
    with postgres._services_not_started():
        pass
    assert policy.read_text() == "#!/bin/sh\nexit 0\n"


def test_a_missing_server_is_installed_with_apt_get(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy-rc.d"
    monkeypatch.setattr(postgres, "POLICY_RC_D", policy)
    installed = tmp_path / "bin"
    calls: list[tuple[list[str], bool]] = []

    def run(argv: list[str], **kwargs: Any) -> None:
        calls.append((argv, policy.exists()))
        if argv[:2] == ["apt-get", "install"]:
            installed.mkdir()

    monkeypatch.setattr(postgres.os, "geteuid", lambda: 0)
    monkeypatch.setattr(postgres.subprocess, "run", run)
    monkeypatch.setattr(postgres, "find_bin_dir", lambda: installed if installed.exists() else None)
    assert postgres.ensure_installed(log=lambda message: None) == installed
    assert [argv[:2] for argv, _ in calls] == [["apt-get", "update"], ["apt-get", "install"]]
    assert "postgresql" in calls[1][0]
    assert calls[1][1]  # services were forbidden during the install
    assert not policy.exists()
