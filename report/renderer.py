"""vl-convert in a process of its own: a panic in its Rust code aborts that process, never the app or a build.

One long-lived renderer process serves every conversion in turn; it is started on first use and started
again after it dies or hangs, so a failure costs one figure, not the next.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from functools import cache
from multiprocessing.connection import Connection
from pathlib import Path

SCRIPT = Path(__file__).with_name("render_process.py")
TIMEOUT = 120  # seconds one conversion may take before the renderer is stopped
# Fonts of the TeX installation the documents are set in, which the system's font list may not hold: the Chinese
# serif ctex sets by default and Latin Modern.
TEX_FONTS = ("FandolSong-Regular.otf", "lmroman10-regular.otf")


@cache
def tex_font_directories() -> tuple[str, ...]:
    """The folders of TEX_FONTS that kpsewhich finds; none without TeX."""
    if shutil.which("kpsewhich") is None:
        return ()
    found = subprocess.run(["kpsewhich", *TEX_FONTS], capture_output=True, text=True, timeout=30).stdout.split()
    return tuple(dict.fromkeys(str(Path(f).parent) for f in found))


class RenderFailed(Exception):
    """One conversion failed: vl-convert raised, or its process died or hung."""


class Renderer:
    """Calls vl-convert functions by name in the renderer process, one call at a time."""

    def __init__(self, timeout: float = TIMEOUT):
        self.timeout = timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def __call__(self, job: str, *args, **kwargs):
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()
            try:
                self._requests.send((job, args, kwargs))
                if not self._replies.poll(self.timeout):
                    self._stop()
                    raise RenderFailed(f"the renderer gave no answer within {self.timeout:g} s")
                ok, value = self._replies.recv()
            except (EOFError, OSError):  # the process died before or while answering
                raise RenderFailed(f"the renderer stopped ({self._stop()})") from None
        if not ok:
            raise RenderFailed(value)
        return value

    def _start(self) -> None:
        # -P: the script's folder (report/) must not shadow modules such as html or docx.
        self._process = subprocess.Popen([sys.executable, "-P", str(SCRIPT), *tex_font_directories()],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._requests = Connection(os.dup(self._process.stdin.fileno()), readable=False)
        self._replies = Connection(os.dup(self._process.stdout.fileno()), writable=False)
        self._process.stdin.close()
        self._process.stdout.close()

    def _stop(self) -> str:
        """End the process, whatever its state, and say how it ended."""
        process, self._process = self._process, None
        process.kill()
        code = process.wait()
        self._requests.close()
        self._replies.close()
        if code < 0:
            return f"signal {signal.Signals(-code).name}"
        return f"exit status {code}"


render = Renderer()
