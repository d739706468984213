"""The system libraries the frozen terminal (dist/kiosk) needs, against the checked list of them.

PyInstaller copies most shared libraries into the frozen folder but leaves out, on purpose, those that
must match the machine (the C library, libGL/libEGL, libdrm, libxcb, the Wayland client libraries). The
Debian package must depend on the packages that hold them. ``packaging/frozen-libraries.txt`` is that
list, one ``SONAME PACKAGE`` a line (``@PACKAGE reason`` for what no ELF file names: the fonts the
program finds through fontconfig); ``check`` fails when a file of the frozen folder needs a library the
list does not cover, so a new dependency cannot slip into a package that lacks it.

    python3 scripts/frozen_libraries.py check   dist/kiosk packaging/frozen-libraries.txt
    python3 scripts/frozen_libraries.py depends packaging/frozen-libraries.txt      (the Depends: field)
    python3 scripts/frozen_libraries.py update  dist/kiosk packaging/frozen-libraries.txt

``ldd`` runs with the folder's ``_internal`` on ``LD_LIBRARY_PATH``, as PyInstaller's bootloader runs the
program; ``update`` maps each library outside the folder to its package with ``dpkg -S``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(not found|\S+)")


def elf_files(folder: Path) -> list[Path]:
    """Every shared object and executable in ``folder`` (files starting with the ELF magic)."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and (".so" in path.name or os.access(path, os.X_OK)):
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def outside_libraries(folder: Path) -> dict[str, str]:
    """``{soname: path}`` of each library a file of ``folder`` loads from outside it ("not found" when
    this machine lacks it)."""
    folder = folder.resolve()
    internal = folder / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal if internal.is_dir() else folder)}
    needed: dict[str, str] = {}
    files = elf_files(folder)
    for start in range(0, len(files), 64):
        batch = [str(p) for p in files[start:start + 64]]
        result = subprocess.run(["ldd", *batch], capture_output=True, text=True, env=env, timeout=300)
        for line in result.stdout.splitlines():
            match = LDD_LINE.match(line)
            if match is None:
                continue
            soname, where = match.groups()
            if where != "not found" and Path(where).resolve().is_relative_to(folder):
                continue
            if needed.get(soname, "not found") == "not found":
                needed[soname] = where
    return needed


def read_list(path: Path) -> tuple[dict[str, str], list[str]]:
    """``({soname: package}, [runtime packages])`` of a list file."""
    libraries, runtime = {}, []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("@"):
            runtime.append(line[1:].split()[0])
        else:
            soname, package = line.split()[:2]
            libraries[soname] = package
    return libraries, runtime


def depends(path: Path) -> list[str]:
    """The packages of the list, each once, in the list's order."""
    libraries, runtime = read_list(path)
    return list(dict.fromkeys([*libraries.values(), *runtime]))


def uncovered(folder: Path, list_path: Path) -> dict[str, str]:
    libraries, _ = read_list(list_path)
    return {soname: where for soname, where in outside_libraries(folder).items() if soname not in libraries}


def package_of(library: str) -> str | None:
    """The Debian package that holds ``library`` (tried as given, under /usr for a merged /usr, and as the
    file its links end at)."""
    resolved = str(Path(library).resolve())
    for candidate in dict.fromkeys([library, "/usr" + library, resolved]):
        result = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True, timeout=60)
        if result.returncode == 0 and result.stdout:
            return result.stdout.split(":", 1)[0].strip()
    return None


def update(folder: Path, list_path: Path) -> int:
    _, runtime_lines = read_list(list_path) if list_path.exists() else ({}, [])
    kept = [line for line in list_path.read_text(encoding="utf-8").splitlines()
            if line.startswith(("#", "@")) or not line.strip()] if list_path.exists() else []
    rows, missing = [], []
    for soname, where in sorted(outside_libraries(folder).items()):
        package = package_of(where) if where != "not found" else None
        if package is None:
            missing.append(f"{soname} ({where})")
        else:
            rows.append(f"{soname:<28} {package}")
    comments = [line for line in kept if line.startswith("#")]
    runtime = [line for line in kept if line.startswith("@")]
    list_path.write_text("\n".join([*comments, *rows, *runtime]) + "\n", encoding="utf-8")
    for item in missing:
        print(f"frozen-libraries: no package holds {item}; install it and run update again", file=sys.stderr)
    return 1 if missing else 0


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "check":
        missing = uncovered(Path(argv[1]), Path(argv[2]))
        for soname, where in sorted(missing.items()):
            print(f"frozen-libraries: {argv[1]} needs {soname} ({where}), which {argv[2]} does not list",
                  file=sys.stderr)
        if missing:
            print(f"frozen-libraries: run `python3 scripts/frozen_libraries.py update {argv[1]} {argv[2]}` "
                  "and review the new Depends", file=sys.stderr)
            return 1
        print(f"frozen-libraries: every library {argv[1]} needs from the system is in {argv[2]}")
        return 0
    if len(argv) == 2 and argv[0] == "depends":
        print(", ".join(depends(Path(argv[1]))))
        return 0
    if len(argv) == 3 and argv[0] == "update":
        return update(Path(argv[1]), Path(argv[2]))
    print(__doc__.split("\n\n")[2], file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
