"""The sandbox command line: bubblewrap (bwrap), or no sandbox when the instructor opts out.

Inside, the submission's process sees only: the system's /usr and /etc, Python's
installation, the course's virtual environment and the engine (all read-only), the
runner script and its job folder (read-only), a private /tmp (gone when it exits),
/dev and its own /proc. No network, no other process, no course folder: not the
gradebook, not the other submissions, the feedback, the solutions, the specs or
nbgrader_config.py. It runs as user nobody (65534) without capabilities, with a limit
on its processes; the runner limits memory per part, the grader the time.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

UNSANDBOXED = "HOPFIELD_GRADING_UNSANDBOXED"
NOBODY = "65534"
MAX_PROCESSES = 256
RUNNER = Path(__file__).with_name("runner.py")
INSTALL_HINT = (
    "grading runs every submission in a bubblewrap sandbox, and `bwrap` was not found.\n"
    "Install it (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install "
    "bubblewrap`),\nor, on a machine where you trust every submission, set "
    f"{UNSANDBOXED}=1 to grade without isolation (see instructor.md)."
)


class NoSandbox(RuntimeError):
    """bubblewrap is missing and the instructor did not opt out."""


def unsandboxed() -> bool:
    return os.environ.get(UNSANDBOXED, "") == "1"


def check() -> None:
    if not unsandboxed() and shutil.which("bwrap") is None:
        raise NoSandbox(INSTALL_HINT)


def _python_paths() -> list:
    """The virtual environment and the Python installation it was made from."""
    venv = Path(sys.prefix)
    base = Path(sys.base_prefix)
    return [p for p in dict.fromkeys([venv, base]) if not str(p).startswith("/usr")]


def _engine_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("hopfield_lib")
    return Path(spec.origin).parent


def _dirs_above(path: Path) -> list:
    """bwrap options that create the folders above ``path`` world-readable."""
    out = []
    for parent in reversed(path.parents):
        if str(parent) != "/":
            out += ["--perms", "0755", "--dir", str(parent)]
    return out


def command(job_dir: Path, python: str | None = None) -> list:
    """The command that runs tools/grader/runner.py on ``job_dir``."""
    python = python or sys.executable
    runner = [python, "-I", "-X", "utf8", "/grader/runner.py", "/job", "--sandboxed"]
    if unsandboxed():
        return [python, "-I", str(RUNNER), str(job_dir)]
    check()
    args = ["bwrap", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "lib", "lib64", "sbin"):
        target = os.path.join("/", name)
        if os.path.islink(target):
            args += ["--symlink", os.readlink(target), target]
        elif os.path.isdir(target):
            args += ["--ro-bind", target, target]
    for path in _python_paths() + [_engine_path()]:
        args += _dirs_above(path) + ["--ro-bind", str(path), str(path)]
    args += [
        "--perms",
        "0755",
        "--dir",
        "/grader",
        "--ro-bind",
        str(RUNNER),
        "/grader/runner.py",
        "--ro-bind",
        str(job_dir),
        "/job",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--perms",
        "1777",
        "--tmpfs",
        "/tmp",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--chdir",
        "/tmp",
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "TMPDIR",
        "/tmp",
        "--setenv",
        "MPLCONFIGDIR",
        "/tmp/matplotlib",
        "--setenv",
        "PATH",
        "/usr/bin:/bin",
    ]
    if os.getuid() == 0:  # drop to nobody, without capabilities, with a process limit
        args += [
            "--cap-add",
            "CAP_SETUID",
            "--cap-add",
            "CAP_SETGID",
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ]
    args += ["prlimit", f"--nproc={MAX_PROCESSES}", "--core=0"]
    return args + runner
