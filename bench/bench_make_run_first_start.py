"""`make run` as a newcomer's first command: seconds from its start until the home page answers.

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

BENCH_SMOKE=1 (CI): `make run` in this checkout, with its virtualenv, and a temporary CERTPORTAL_VAR_DIR (a new
database, broker folder and private files), so not a first start: `bench: make_run_start_smoke = <s> s`.

It runs in a pseudo-terminal, as in a person's, and prints how long each step took (apt, pip, migrate, seed_demo,
the processes' start). Then Ctrl-C, as a person would: `bench: make_run_stop = <s> s`; make's exit status must be 0
and its output hold no ERROR line. The root's mounts are taken down and the temporary root removed.
"""

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT, SMOKE, free_port, report

sys.path.insert(0, str(ROOT))
from tests.terminal import Terminal  # noqa: E402

SUITE = "bookworm"
START_TIMEOUT = int(os.environ.get("BENCH_FIRST_START_TIMEOUT", 900))
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


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


# Where the time goes: the first line of each step as make run prints it.
STEPS = [
    ("apt (system-deps), python3 -m venv", "system-deps: installing"),
    ("pip install, compilemessages", "venv: installing"),
    ("migrate, seed_demo", "Preparing the database"),
    ("(the demo logins printed)", "Demo data ready"),
    ("web, worker, beat until the home page answers", "certportal is starting on"),
]


def first_start(command: list[str], env: dict, port: int, name: str) -> bool:
    """Runs make run in a terminal until the home page answers, then presses Ctrl-C as a person would."""
    terminal = Terminal(command, env)
    started = time.monotonic()
    try:
        answered = terminal.wait_for_page(f"http://127.0.0.1:{port}/", START_TIMEOUT)
        if answered is not None:
            report(name, answered - started, "s")
            marks = [(label, terminal.first_seen(text)) for label, text in STEPS]
            marks = [("make's own start", started)] + [(label, when) for label, when in marks if when is not None]
            marks.append(("", answered))
            for (label, when), (_, until) in zip(marks, marks[1:], strict=False):
                print(f"  {until - when:6.1f} s  {label}")
            terminal.wait_for(" ready.", 60)
            stopping = time.monotonic()
            terminal.ctrl_c()
            terminal.wait_for("make run ended", 60)  # never printed: reads until make has exited
            if terminal.process.poll() is not None:
                report("make_run_stop", time.monotonic() - stopping, "s")
    finally:
        terminal.close()
    print(f"make run exited with status {terminal.process.returncode}")
    if answered is None or terminal.process.returncode != 0 or "ERROR" in terminal.text():
        print("make run did not start and stop cleanly; the end of its output:", file=sys.stderr)
        print("\n".join(terminal.text().splitlines()[-60:]), file=sys.stderr)
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
        command = ["chroot", str(root), "env", "-i", "HOME=/root", f"PATH={PATH}", "TERM=dumb", "bash", "-lc"]
        command.append(f"cd /root/certportal && make run PORT={port}")
        return first_start(command, {"PATH": PATH}, port, "make_run_first_start")
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
        env = {"HOME": os.environ.get("HOME", tmp), "PATH": os.environ.get("PATH", PATH), "TERM": "dumb"}
        return first_start(
            ["make", "-C", str(checkout), "run", f"PORT={port}"], env, port, "make_run_first_start_fresh_clone"
        )


def in_this_checkout() -> bool:
    with tempfile.TemporaryDirectory(prefix="certportal-start-smoke-") as tmp:
        port = free_port()
        env = {"HOME": os.environ.get("HOME", tmp), "PATH": os.environ.get("PATH", PATH), "TERM": "dumb"}
        env["CERTPORTAL_VAR_DIR"] = tmp
        return first_start(["make", "-C", str(ROOT), "run", f"PORT={port}"], env, port, "make_run_start_smoke")


def main() -> int:
    if SMOKE:
        print("bench_make_run_first_start: smoke run, make run in this checkout with a temporary var folder")
        return 0 if in_this_checkout() else 1
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
