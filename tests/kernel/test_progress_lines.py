"""Progress bars only where someone watches: on a terminal a tqdm bar; in captured
output (a pipe, a CI log) one summary line, no carriage-return redraws."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from ..helpers import package_env, run_cli, write_notebook


def project_with_a_remote(tmp_path: Path) -> Path:
    project = tmp_path / "p"
    write_notebook(project / "train.ipynb", ["x = 1"])
    (project / "data.bin").write_bytes(os.urandom(300_000))
    run_cli("snapshot", "train.ipynb", "data.bin", cwd=project, check=True)
    run_cli("remote", "add", "team", str(tmp_path / "remote"), cwd=project, check=True)
    return project


def test_captured_output_gets_one_summary_line(tmp_path: Path) -> None:
    project = project_with_a_remote(tmp_path)
    pushed = run_cli("push", cwd=project, check=True)
    assert "\r" not in pushed.stderr and "%|" not in pushed.stderr
    (line,) = pushed.stderr.splitlines()
    assert line.startswith("push to team: ") and line.endswith(" s") and "KB in " in line


def test_a_terminal_gets_a_bar(tmp_path: Path) -> None:
    project = project_with_a_remote(tmp_path)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 wide
    env = {**package_env(), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_mv.cli", "push"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=follower
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=120) == 0
    terminal = b"".join(chunks).decode(errors="replace")
    assert "push to team" in terminal and "\r" in terminal and " in 0." not in terminal
