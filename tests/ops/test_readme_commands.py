"""The README's commands work as written: `bin/storyloom` uses this checkout's .venv whatever `flask` is on PATH."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[list[str]]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S):
        for line in block.splitlines():
            if line.startswith("bin/storyloom "):
                lines.append(shlex.split(line.split("#")[0].replace("…", "")))
    return lines


def test_every_readme_command_is_a_real_command(app):
    commands = readme_commands()
    assert len(commands) >= 15 and ["bin/storyloom", "backup", "create", "PATH"] in commands
    for words in commands:
        group = app.cli
        ctx = click.Context(group, obj=None)
        command = group
        for word in words[1:]:
            if not isinstance(command, click.Group) or not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            found = command.get_command(ctx, word)
            assert found is not None, f"README: {' '.join(words)}: no command {word!r}"
            command = found
        assert not isinstance(command, click.Group) or words[1:] == ["db", "upgrade"], words


def test_the_wrapper_ignores_another_flask_on_path(tmp_path):
    decoys = tmp_path / "decoy-bin"
    decoys.mkdir()
    for name in ("flask", "python", "python3"):
        (decoys / name).write_text("#!/bin/sh\necho 'the wrong one' >&2\nexit 3\n")
        (decoys / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{decoys}:{os.environ['PATH']}", "FLASK_DATA_DIR": str(tmp_path / "data")}
    env.pop("FLASK_APP", None)
    done = subprocess.run([str(ROOT / "bin" / "storyloom"), "routes"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ops.readyz" in done.stdout and "the wrong one" not in done.stderr
