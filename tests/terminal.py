"""A command run in a pseudo-terminal, as a person runs it in theirs (`make run`'s test and its first-start benchmark)."""

import fcntl
import os
import select
import signal
import subprocess
import termios
import time
import urllib.request


class Terminal:
    """The command gets its own session with the terminal as its controlling one, so Ctrl-C is the terminal's SIGINT
    to whatever job holds it. Everything it prints is kept, with when it was read."""

    def __init__(self, command: list[str], env: dict, cwd=None):
        self.master, replica = os.openpty()
        self.output = b""
        self.read_at: list[tuple[float, int]] = []  # (when, len(output) then)
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=replica,
            stdout=replica,
            stderr=replica,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(replica)

    def read(self, seconds: float) -> None:
        """Reads for a while (a terminal nobody reads fills up and blocks its writers)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.2)[0]:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:  # the other side closed: everything was read
                    return
                self.read_at.append((time.monotonic(), len(self.output)))

    def wait_for(self, text: str, seconds: float) -> bool:
        """Reads until `text` shows, the command ends or the time is up."""
        deadline = time.monotonic() + seconds
        while text.encode() not in self.output and time.monotonic() < deadline and self.process.poll() is None:
            self.read(0.5)
        self.read(0.5)
        return text.encode() in self.output

    def wait_for_page(self, url: str, seconds: float) -> float | None:
        """Reads until `url` answers 200; the time.monotonic() when it did, or None."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - the portal on loopback
                    if answer.status == 200:
                        return time.monotonic()
            except OSError:
                self.read(0.25)
        return None

    def first_seen(self, text: str) -> float | None:
        """When `text` was first read (time.monotonic()), or None."""
        found = self.output.find(text.encode())
        if found < 0:
            return None
        return next(when for when, length in self.read_at if length >= found + len(text.encode()))

    def ctrl_c(self) -> None:
        os.write(self.master, b"\x03")

    def text(self) -> str:
        return self.output.decode(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.master)
