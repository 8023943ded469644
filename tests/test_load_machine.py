"""benchmarks/load_machine.py: busy processes for the length of a command, none after."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "load_machine.py"

# The command under load: records the busy processes' ids and whether each was running.
RECORD = (
    "import os, sys; pids = os.environ['LOAD_MACHINE_PIDS'].split(); "
    "alive = [os.path.exists(f'/proc/{p}') or not sys.platform.startswith('linux') "
    "for p in pids]; open(sys.argv[1], 'w').write(' '.join(pids) + '\\n' + str(all(alive)))"
)


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for init is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state != "Z"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _recorded(path: Path) -> tuple[list[int], bool]:
    pids, alive = path.read_text().splitlines()
    return [int(p) for p in pids.split()], alive == "True"


def test_exit_code_passes_through_and_no_busy_process_survives(tmp_path):
    record = tmp_path / "pids"
    command = [sys.executable, "-c", RECORD + "; sys.exit(3)", str(record)]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--procs", "1", "--", *command],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    pids, alive = _recorded(record)
    assert len(pids) == 1 and alive  # one busy process ran beside the command
    assert not any(_running(pid) for pid in pids)
    lines = [line for line in done.stderr.splitlines() if line.startswith("load_machine:")]
    assert len(lines) == 1 and "1 busy process(es)" in lines[0]


def test_zero_exit_and_procs_zero(tmp_path):
    record = tmp_path / "pids"
    command = [sys.executable, "-c", RECORD, str(record)]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--procs", "0", *command], capture_output=True, timeout=60
    )
    assert done.returncode == 0
    assert _recorded(record)[0] == []


def test_ctrl_c_stops_the_command_and_the_busy_processes(tmp_path):
    record = tmp_path / "pids"
    command = [sys.executable, "-c", RECORD + "; import time; time.sleep(60)", str(record)]
    wrapper = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--procs", "2", "--", *command],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the "terminal" of this test
        # a terminal's foreground job handles Ctrl-C, even where this test runs with it
        # ignored (pytest started in the background by a non-interactive shell)
        preexec_fn=_default_sigint,
    )
    deadline = time.monotonic() + 30
    while not (record.exists() and record.read_text().count("\n")) and time.monotonic() < deadline:
        time.sleep(0.05)
    pids, alive = _recorded(record)
    assert len(pids) == 2 and alive
    os.killpg(wrapper.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
    _, err = wrapper.communicate(timeout=30)
    assert wrapper.returncode == 128 + signal.SIGINT  # the command's death by SIGINT
    assert not any(_running(pid) for pid in pids)
    assert "2 busy process(es)" in err


def test_a_command_started_with_ctrl_c_ignored_keeps_it_ignored(tmp_path):
    """A shell's background job (no job control) ignores Ctrl-C: so does its command."""
    show = "import signal; print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)"
    shown = {}
    for name, before_exec in (("ignored", _ignore_sigint), ("default", _default_sigint)):
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--procs", "0", "--", sys.executable, "-c", show],
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=before_exec,
        )
        assert done.returncode == 0, done.stderr
        shown[name] = done.stdout.strip()
    assert shown == {"ignored": "True", "default": "False"}


def test_no_command_is_a_usage_error():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--procs", "1"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "no COMMAND given" in done.stderr


def _module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("load_machine", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loaded_reaps_its_processes_even_on_an_error():
    # In-process, so the kernel's parent-death signal cannot be what stops them.
    load_machine = _module()
    try:
        with load_machine.loaded(2) as load:
            assert all(_running(pid) for pid in load.pids)
            time.sleep(0.3)
            raise RuntimeError("the command failed")
    except RuntimeError:
        pass
    assert [p.returncode is not None for p in load.processes] == [True, True]
    assert not any(_running(pid) for pid in load.pids)
    assert load.units > 0  # they did fixed units of work while the block ran
