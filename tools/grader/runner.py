"""The untrusted side of grading: runs ONE submission, inside the sandbox.

    python -I runner.py JOB_DIR

JOB_DIR (read-only in the sandbox) holds ``job.json`` (the code cells to run, and the
parts: which of the student's functions to call on which inputs, and which engine
functions that part must not use) and ``inputs.npz`` (the input arrays). Nothing in it
says how the results are judged: the references and the scoring stay outside.

The parent process imports the heavy libraries once, makes itself non-dumpable (so that
its children cannot open its file descriptors through /proc), and forks one child per
part. A child:

1. limits its address space, sends its output to a log file, works in an empty folder;
2. replaces the engine functions that the part forbids by functions that raise, in every
   ``hopfield_lib`` module, BEFORE any student code runs (references that the student's
   code takes are references to the raising versions);
3. adds a Python audit hook (audit hooks cannot be removed) that refuses to import
   ``hopfield_lib`` again, to open the engine's source files, to walk the garbage
   collector's objects and to use ctypes: the ways back to the original functions;
4. runs the notebook's code cells (the student's answers and the locked set-up cell), in
   an IPython shell, errors and all, like a notebook would;
5. calls the part's functions on its inputs and sends back their results as plain data
   (JSON numbers and an ``.npz`` of numeric arrays; never pickle) through its own pipe.

The parent reports each part on its stdout as one JSON line; the children never hold
that file descriptor. A child that crashes, exits, or runs past the part's time limit
costs that part alone: the parent kills it and every process it left behind, wipes the
scratch folder and goes on with the next part from a clean fork.
"""

from __future__ import annotations

import base64
import io
import json
import os
import select
import signal
import sys
import time

MAX_PAYLOAD = 64 * 2**20  # bytes of results per part
LOG_TAIL = 4000  # characters of a part's output sent back (feedback)
# The scratch folder: /tmp is private to the sandbox; without one (the instructor's opt-out)
# main() moves both into a fresh temporary folder.
WORK = "/tmp/grading-work"
PART_LOG = "/tmp/grading-part.log"


# ---------------------------------------------------------------- in the parent
def _preload(modules) -> None:
    import importlib
    import pkgutil

    for name in modules:
        importlib.import_module(name)
    import hopfield_lib

    for info in pkgutil.walk_packages(hopfield_lib.__path__, "hopfield_lib."):
        importlib.import_module(info.name)


def _copy_font_cache(job_dir: str) -> None:
    """matplotlib's font list, made by the trusted side, into this sandbox's config folder."""
    import shutil

    target = os.environ.get("MPLCONFIGDIR")
    caches = [n for n in os.listdir(job_dir) if n.startswith("fontlist-")]
    if target and caches:
        os.makedirs(target, exist_ok=True)
        for name in caches:
            shutil.copy(os.path.join(job_dir, name), target)


def _non_dumpable() -> None:
    """prctl(PR_SET_DUMPABLE, 0): /proc/<pid>/fd of this process and its children's
    parent becomes unreachable for processes without CAP_SYS_PTRACE."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)


def _kill_others() -> None:
    """Kill every process of the sandbox except this one and the sandbox's init."""
    me = os.getpid()
    for _ in range(50):
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        others = [p for p in others if _parent_of(p) != 0]
        if not others:
            return
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _reap()
        time.sleep(0.02)


def _parent_of(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _wipe(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def _read_child(fd: int, pid: int, limit_s: float):
    """(payload bytes or None, 'ok' | 'timeout' | 'crashed' | 'too large')."""
    chunks, size, deadline = [], 0, time.monotonic() + limit_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, "timeout"
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not ready:
            continue
        data = os.read(fd, 1 << 20)
        if not data:
            break
        size += len(data)
        if size > MAX_PAYLOAD:
            return None, "too large"
        chunks.append(data)
    blob = b"".join(chunks)
    if not blob.startswith(b"RESULT\n"):
        return None, "crashed"
    return blob[len(b"RESULT\n") :], "ok"


def main(job_dir: str, sandboxed: bool) -> None:
    global WORK, PART_LOG
    if not sandboxed:
        import tempfile

        base = tempfile.mkdtemp(prefix="hopfield-grading-")
        WORK, PART_LOG = os.path.join(base, "work"), os.path.join(base, "part.log")
    with open(os.path.join(job_dir, "job.json")) as f:
        job = json.load(f)
    os.environ.update(job.get("env", {}))
    _copy_font_cache(job_dir)
    _preload(job.get("preload", []))
    import torch

    torch.set_num_threads(1)
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(history_length=0)
    shell.history_manager.enabled = False
    _non_dumpable()
    out = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)

    def report(**event):
        out.write(json.dumps(event) + "\n")
        out.flush()

    for part in job["parts"]:
        report(event="start", part=part["id"])
        _wipe(WORK)
        try:
            os.unlink(PART_LOG)
        except FileNotFoundError:
            pass
        read_end, write_end = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child: the student's code runs only here
            os.close(read_end)
            out.close()
            _child(job, part, job_dir, write_end, shell)
            os._exit(0)
        os.close(write_end)
        payload, status = _read_child(read_end, pid, part["time_limit_s"])
        os.close(read_end)
        for target in (-pid, pid):  # the child's process group, then the child
            try:
                os.kill(target, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        if sandboxed:  # what escaped the process group (only the sandbox's own processes)
            _kill_others()
        log = _log_tail()
        event = {
            "event": "result",
            "part": part["id"],
            "status": status,
            "log": log,
            "seconds": round(time.monotonic() - started, 3),
        }
        if payload is not None:
            event["payload"] = base64.b64encode(payload).decode()
        report(**event)
    report(event="done")


def _log_tail() -> str:
    try:
        with open(PART_LOG, errors="replace") as f:
            text = f.read()
    except OSError:
        return ""
    return text[-LOG_TAIL:]


# ----------------------------------------------------------------- in a child
def _child(job, part, job_dir, write_end, shell) -> None:
    import resource

    os.setpgid(0, 0)
    limit = int(job["memory_bytes"])
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    log = os.open(PART_LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0), write_through=True)
    sys.stderr = sys.stdout
    os.chdir(WORK)
    inputs = _load_inputs(job_dir)
    _forbid(part.get("forbid", []))
    _guard()
    for source in job["cells"]:
        try:
            shell.run_cell(source, store_history=False)
        except BaseException as exc:  # noqa: BLE001 (a cell may raise SystemExit)
            print(f"cell stopped: {type(exc).__name__}")
    namespace = shell.user_ns
    results = []
    for call in part["calls"]:
        results.append(_call(namespace, call, inputs, part))
    blob = _encode(results)
    os.write(write_end, b"RESULT\n")
    view = memoryview(blob)
    while view:
        view = view[os.write(write_end, view[: 1 << 20]) :]
    os.close(write_end)


def _load_inputs(job_dir):
    import numpy as np

    with np.load(os.path.join(job_dir, "inputs.npz"), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _forbid(names) -> None:
    """Replace the named engine functions (a module name: all its functions) everywhere
    in hopfield_lib by functions that raise."""
    import importlib
    import inspect

    targets = {}
    for name in names:
        try:
            obj = importlib.import_module(name)
        except ImportError:
            module, _, attr = name.rpartition(".")
            obj = getattr(importlib.import_module(module), attr)
        if inspect.ismodule(obj):
            for value in vars(obj).values():
                if inspect.isfunction(value) and value.__module__ == obj.__name__:
                    targets[id(value)] = f"{obj.__name__}.{value.__name__}"
        else:
            targets[id(obj)] = name
    for module in [m for n, m in list(sys.modules.items()) if n.split(".")[0] == "hopfield_lib"]:
        for attr, value in list(vars(module).items()):
            if id(value) in targets:
                setattr(module, attr, _raising(targets[id(value)]))


def _raising(name):
    def forbidden(*args, **kwargs):
        raise RuntimeError(
            f"{name} is the engine's answer to this part: this part must be "
            "computed by your own code"
        )

    forbidden.__name__ = name.rsplit(".", 1)[-1]
    return forbidden


def _guard() -> None:
    engine = os.path.dirname(sys.modules["hopfield_lib"].__file__)
    blocked = {"gc.get_objects", "gc.get_referrers", "gc.get_referents"}

    def hook(event, args):
        if event == "import" and str(args[0]).split(".")[0] == "hopfield_lib":
            raise ImportError("while grading, hopfield_lib cannot be imported again")
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.fsdecode(args[0])
            if os.path.realpath(path).startswith(engine):
                raise PermissionError("while grading, the engine's files cannot be opened")
        if event in blocked or event.startswith("ctypes."):
            raise RuntimeError(f"{event} is not available while grading")

    sys.addaudithook(hook)


def _argument(spec, inputs, generators):
    import torch

    if not isinstance(spec, dict):
        return spec
    kind = spec["kind"]
    if kind == "tensor":
        return torch.from_numpy(inputs[spec["key"]].copy())
    if kind == "array":
        return inputs[spec["key"]].copy()
    if kind == "generator":
        if spec["name"] not in generators:
            gen = torch.Generator()
            gen.manual_seed(int(spec["seed"]))
            generators[spec["name"]] = gen
        return generators[spec["name"]]
    if kind == "network":
        import hopfield_lib

        patterns = torch.from_numpy(inputs[spec["key"]].copy())
        return hopfield_lib.Hopfield(patterns, self_coupling=spec.get("self_coupling", 0.0))
    if kind == "list":
        return [_argument(item, inputs, generators) for item in spec["items"]]
    raise ValueError(f"unknown argument kind {kind!r}")


def _call(namespace, call, inputs, part):
    generators = part.setdefault("_generators", {})
    outputs = []
    function = namespace.get(call["function"])
    for _ in range(call.get("repeat", 1)):
        if not callable(function):
            return {"error": f"NameError: there is no function {call['function']}"}
        try:
            args = [_argument(a, inputs, generators) for a in call["args"]]
            kwargs = {
                k: _argument(v, inputs, generators) for k, v in call.get("kwargs", {}).items()
            }
            outputs.append(function(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 (students raise anything, SystemExit too)
            return {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return {"values": outputs}


def _encode(results) -> bytes:
    import numpy as np

    arrays = {}

    def plain(x, depth=0):
        import torch

        if x is None or type(x) in (bool, int, float, str):
            return x
        if isinstance(x, np.generic):
            return x.item()
        if isinstance(x, torch.Tensor):
            x = x.detach().cpu().resolve_conj().numpy()
        if type(x) is np.ndarray:
            if x.dtype.hasobject:
                return {"__unsupported__": "array of Python objects"}
            key = f"a{len(arrays)}"
            arrays[key] = np.ascontiguousarray(x)
            return {"__array__": key}
        if type(x) in (list, tuple) and depth < 4:
            return [plain(item, depth + 1) for item in x[:100_000]]
        return {"__unsupported__": type(x).__name__}

    try:
        structure = [
            r if "error" in r else {"values": [plain(v) for v in r["values"]]} for r in results
        ]
    except BaseException as exc:  # noqa: BLE001
        structure, arrays = [{"error": f"results could not be read: {type(exc).__name__}"}], {}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    head = json.dumps(structure).encode()
    return len(head).to_bytes(8, "little") + head + buffer.getvalue()


if __name__ == "__main__":
    main(sys.argv[1], sandboxed="--sandboxed" in sys.argv[2:])
