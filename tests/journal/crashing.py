"""Crash `siamex` right after each of its durable writes, and rerun it after each crash.

    python crashing.py FOLDER JOURNAL ARG...

runs `siamex ARG...` (whose arguments write the journal JOURNAL) once through, then again and
again in forked children of this process, which has run siamex once already and so starts
each child warm. The Nth child SIGKILLs itself right after its Nth fsync: the fault comes from
outside the product, by wrapping os.fsync. After each such crash the same command is rerun in
a new child without the fault. N goes 1, 2, ... until a child gets through. FOLDER receives

    events.jsonl, reference.journal   the uninterrupted run's standard output and journal
    crashed-N.journal                 the journal as the Nth crash left it
    events-N.jsonl, final-N.journal   the rerun's standard output and journal

and the exit status is 0 only if every crash was a SIGKILL and every rerun succeeded.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

from siamex.cli import main as siamex


def _run(args: list[str], output: Path) -> int:
    """Run siamex in this process with its standard output in `output`; return its status."""
    sys.stdout.flush()
    saved = os.dup(1)
    code = 0
    with output.open("wb") as out:
        os.dup2(out.fileno(), 1)
        try:
            siamex(args, prog_name="siamex")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
    return code


def _die_after(fsyncs: int) -> None:
    """Wrap os.fsync so that the process is killed right after the `fsyncs`th call."""
    fsync = os.fsync
    done = 0

    def fsync_then_die(fd: int) -> None:
        nonlocal done
        fsync(fd)
        done += 1
        if done == fsyncs:
            os.kill(os.getpid(), signal.SIGKILL)

    os.fsync = fsync_then_die


def _child(args: list[str], output: Path, fsyncs: int = 0) -> int:
    """Run siamex in a forked child (killed after `fsyncs` fsyncs, if given); return how it
    ended, as subprocess reports it: its exit status, or minus the signal that killed it."""
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        if fsyncs:
            _die_after(fsyncs)
        os._exit(_run(args, output))
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def main() -> int:
    """Crash after each durable write in turn; keep what each crash and rerun left."""
    folder, journal, args = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    if _run(args, folder / "events.jsonl") != 0:
        return 1
    journal.rename(folder / "reference.journal")
    fsyncs = 1
    while True:
        journal.unlink(missing_ok=True)
        ended = _child(args, Path(os.devnull), fsyncs)
        if ended == 0:
            return 0
        if ended != -signal.SIGKILL:
            print(f"the child to crash after fsync {fsyncs} ended with {ended}", file=sys.stderr)
            return 1
        shutil.copyfile(journal, folder / f"crashed-{fsyncs}.journal")
        if _child(args, folder / f"events-{fsyncs}.jsonl") != 0:
            print(f"the rerun after crash {fsyncs} failed", file=sys.stderr)
            return 1
        shutil.copyfile(journal, folder / f"final-{fsyncs}.journal")
        fsyncs += 1


if __name__ == "__main__":
    sys.exit(main())
