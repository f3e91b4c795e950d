"""`make run` as a newcomer's first command: seconds from its start until the home page answers (issue 15, point 3).

Where it can (root, with debootstrap or apt-get to install it), on a bare Debian bookworm root as a newcomer's
machine: debootstrap's minbase with python3, git, make and ca-certificates only, this machine's apt and pip
mirror settings, a fresh clone of the committed HEAD in /root/certportal, then
`chroot ROOT env -i HOME=/root PATH=… bash -lc 'cd /root/certportal && make run PORT=<free port>'`, everything
from the system packages and the virtualenv to the demo data included. The root shares this machine's network,
so the home page is asked for from here. Prints `bench: make_run_first_start = <s> s`.
BENCH_BARE_ROOT=/path uses an existing root instead (made by debootstrap as above; it is kept, its
/root/certportal is cloned afresh): packages it already has are not installed again, so that is a first start only
on a root that never ran it.

Elsewhere (not root, no debootstrap), from a fresh clone into a temporary folder on this machine, with this
machine's system packages and pip cache: `bench: make_run_first_start_fresh_clone = <s> s`.

Then Ctrl-C, as a person would (SIGINT to the process group): `bench: make_run_stop = <s> s` and make's exit
status, which must be 0. The root's mounts are taken down and the temporary root removed.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from _setup import ROOT, report

SUITE = "bookworm"
START_TIMEOUT = int(os.environ.get("BENCH_FIRST_START_TIMEOUT", 900))
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mirror() -> str:
    """The Debian mirror this machine's apt uses (deb822 or one-line sources), Debian's own otherwise."""
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for line in Path(path).read_text().splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    sources = Path("/etc/apt/sources.list")
    if sources.exists():
        for line in sources.read_text().splitlines():
            parts = line.split()
            if parts[:1] == ["deb"] and "security" not in line:
                return next(part for part in parts[1:] if not part.startswith("["))
    return "http://deb.debian.org/debian"


def make_bare_root(root: Path) -> None:
    if not shutil.which("debootstrap"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "debootstrap"], check=True, capture_output=True)
    log = root.parent / f"{root.name}.debootstrap.log"
    with log.open("w") as out:
        subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=python3,git,make,ca-certificates", SUITE, root, mirror()],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    log.unlink()


def use_this_machines_mirrors(root: Path) -> None:
    """apt and pip inside reach the same registries as this machine (its sources, proxy settings, pip.conf)."""
    apt = root / "etc/apt"
    for path in glob.glob("/etc/apt/sources.list.d/*.sources"):
        shutil.copy(path, apt / "sources.list.d")
        (apt / "sources.list").unlink(missing_ok=True)
    for path in glob.glob("/etc/apt/apt.conf.d/*"):
        if Path(path).read_text(errors="replace").lstrip().startswith("Acquire"):
            shutil.copy(path, apt / "apt.conf.d")
    for path in ("/etc/pip.conf", "/etc/resolv.conf", "/etc/ssl/certs/ca-certificates.crt"):
        if os.path.exists(path):
            shutil.copy(path, root / path.lstrip("/"))
    hosts = root / "etc/hosts"
    if not hosts.exists():
        hosts.write_text("127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n")


def mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve()) + "/"
    with open("/proc/self/mounts") as mounts:
        return [line.split()[1] for line in mounts if line.split()[1].startswith(prefix)]


def mount(root: Path) -> None:
    if not os.path.ismount(root / "proc"):
        subprocess.run(["mount", "-t", "proc", "proc", root / "proc"], check=True)
    for name in ("sys", "dev"):
        if not os.path.ismount(root / name):
            subprocess.run(["mount", "--rbind", f"/{name}", root / name], check=True)
            subprocess.run(["mount", "--make-rslave", root / name], check=True)


def unmount(root: Path) -> None:
    for name in ("proc", "sys", "dev"):
        if os.path.ismount(root / name):
            done = subprocess.run(["umount", "-R", root / name], capture_output=True)
            if done.returncode:
                subprocess.run(["umount", "-R", "-l", root / name], check=False)


def processes_in(root: Path) -> list[int]:
    """Processes whose root is the chroot (what this benchmark started there)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/root") == str(root.resolve()):
                    pids.append(int(entry))
            except OSError:
                continue
    return pids


def wait_for_home_page(port: int, process: subprocess.Popen, started: float) -> float | None:
    while time.monotonic() - started < START_TIMEOUT:
        if process.poll() is not None:
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                if answer.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    return None


def first_start(command: list[str], env: dict | None, port: int, log: Path, name: str) -> bool:
    with log.open("w") as out:
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        seconds = wait_for_home_page(port, process, started)
        if seconds is not None:
            report(name, seconds, "s")
        if process.poll() is None:
            stopping = time.monotonic()
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group
            try:
                process.wait(timeout=30)
                report("make_run_stop", time.monotonic() - stopping, "s")
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    print(f"make run exited with status {process.returncode}")
    if seconds is None or process.returncode != 0:
        print(f"make run did not start and stop cleanly; the end of its output ({log}):", file=sys.stderr)
        print("\n".join(log.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
        return False
    return True


def on_bare_root(root: Path, keep: bool) -> bool:
    checkout = root / "root/certportal"
    port = free_port()
    try:
        if not (root / "usr/bin/python3").exists():
            make_bare_root(root)
        use_this_machines_mirrors(root)
        shutil.rmtree(checkout, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", ROOT, checkout], check=True)
        mount(root)
        command = ["chroot", root, "env", "-i", "HOME=/root", f"PATH={PATH}", "bash", "-lc"]
        command.append(f"cd /root/certportal && make run PORT={port}")
        return first_start(command, None, port, root / "var/tmp/make-run.log", "make_run_first_start")
    finally:
        for pid in processes_in(root):
            os.kill(pid, signal.SIGKILL)
        unmount(root)
        if not keep:
            if mounts_under(root):
                print(f"bench: left {root} in place, still mounted: {mounts_under(root)}", file=sys.stderr)
            else:
                shutil.rmtree(root)


def on_fresh_clone() -> bool:
    with tempfile.TemporaryDirectory(prefix="certportal-first-start-") as tmp:
        checkout = Path(tmp) / "certportal"
        subprocess.run(["git", "clone", "-q", ROOT, checkout], check=True)
        port = free_port()
        env = {"HOME": os.environ.get("HOME", tmp), "PATH": os.environ.get("PATH", PATH)}
        command = ["make", "-C", str(checkout), "run", f"PORT={port}"]
        log = Path(tmp) / "make-run.log"
        ok = first_start(command, env, port, log, "make_run_first_start_fresh_clone")
        if not ok:
            shutil.copy(log, ROOT / "var" / "bench-make-run.log")
        return ok


def main() -> int:
    given = os.environ.get("BENCH_BARE_ROOT")
    is_root = os.geteuid() == 0
    can_build = is_root and (shutil.which("debootstrap") or shutil.which("apt-get")) and shutil.which("chroot")
    if given:
        ok = on_bare_root(Path(given), keep=True)
    elif can_build:
        ok = on_bare_root(Path(tempfile.mkdtemp(prefix="certportal-bare-root-", dir="/var/tmp")), keep=False)
    else:
        print("bench_make_run_first_start: not root or no debootstrap: measured on a fresh clone on this machine")
        ok = on_fresh_clone()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
