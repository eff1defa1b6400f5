"""Coq source sets to trace: the installed libraries (the standard library under `theories/`, packages under
`user-contrib/` such as Debian's Mathematical Components or Coquelicot) and a user's own project described by its
`_CoqProject`, built with `coq_makefile` so that its files' `Require`s load (what LeanDojo does for a Lean repo)."""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..env import BackendUnavailable

STDLIB = "stdlib"


class ProjectError(ValueError):
    """A `_CoqProject` that cannot be read or built: bad input, said in one line."""


@dataclass
class CoqSources:
    """Files to trace: paths relative to `root` with their logical names, and the coqtop arguments they need."""

    root: str
    files: list[tuple[str, str]]
    load_args: tuple[str, ...] = ()


def installed_libraries(where: str) -> dict[str, str]:
    """Library name -> folder (relative to `coqc -where`): the standard library and each user-contrib package."""
    libs = {STDLIB: "theories"} if os.path.isdir(os.path.join(where, "theories")) else {}
    contrib = os.path.join(where, "user-contrib")
    if os.path.isdir(contrib):
        libs.update({name: os.path.join("user-contrib", name) for name in sorted(os.listdir(contrib))})
    return libs


def library_sources(where: str, library: str = STDLIB) -> CoqSources:
    """The `.v` sources of one installed library (the standard library's Init is left out: it is loaded already
    and replays badly). Installed libraries need no load arguments: coqtop maps user-contrib itself."""
    libs = installed_libraries(where)
    if library not in libs:
        raise ValueError(f"no installed Coq library {library!r}; installed: {', '.join(libs) or 'none'}")
    top = libs[library]
    files = []
    for dirpath, _, names in os.walk(os.path.join(where, top)):
        for name in sorted(names):
            if not name.endswith(".v"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), where)
            if library == STDLIB:
                logical = "Coq." + rel[len("theories/") : -2].replace(os.sep, ".")
            else:
                logical = rel[len("user-contrib/") : -2].replace(os.sep, ".")
            if not logical.startswith("Coq.Init."):
                files.append((rel, logical))
    return CoqSources(where, sorted(files))


@dataclass
class CoqProject:
    """What we use of a `_CoqProject`: the `-R`/`-Q` mappings (physical folder, logical prefix) and the files."""

    directory: Path
    mappings: list[tuple[str, str, str]] = field(default_factory=list)  # (flag, physical, logical)
    files: list[str] = field(default_factory=list)

    def logical_name(self, rel: str) -> str:
        """The module name `rel` (relative to the project folder) gets from the longest matching mapping."""
        best = None
        for _, phys, logical in self.mappings:
            prefix = os.path.normpath(phys)
            inside = prefix == "." or rel == prefix or rel.startswith(prefix + os.sep)
            if inside and (best is None or len(prefix) > len(best[0])):
                best = (prefix, logical)
        stem = rel[:-2]
        if best is None:
            return stem.replace(os.sep, ".")
        tail = stem if best[0] == "." else os.path.relpath(stem, best[0])
        return ".".join(p for p in [best[1], *tail.split(os.sep)] if p)

    def load_args(self) -> tuple[str, ...]:
        args: list[str] = []
        for flag, phys, logical in self.mappings:
            args += [flag, str((self.directory / phys).resolve()), logical]
        return tuple(args)


def read_project(directory: Path) -> CoqProject:
    """Parse `directory/_CoqProject` (coq_makefile's format: `-R`/`-Q` mappings, `.v` files; other options are
    left to coq_makefile). Files must stay inside the project folder."""
    path = directory / "_CoqProject"
    try:
        tokens = shlex.split(path.read_text(encoding="utf-8"), comments=True)
    except OSError as exc:
        raise ProjectError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an unclosed quote
        raise ProjectError(f"{path}: {exc}") from None
    project = CoqProject(directory.resolve())
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in ("-R", "-Q"):
            if i + 2 >= len(tokens):
                raise ProjectError(f"{path}: {tok} needs a folder and a logical name")
            project.mappings.append((tok, tokens[i + 1], tokens[i + 2]))
            i += 3
            continue
        if tok in ("-I", "-arg"):
            i += 2
            continue
        if tok.endswith(".v"):
            rel = os.path.normpath(tok)
            if os.path.isabs(rel) or rel.startswith(".."):
                raise ProjectError(f"{path}: {tok} is outside the project folder")
            project.files.append(rel)
        i += 1
    if not project.files:
        raise ProjectError(f"{path} lists no .v files")
    return project


def build_project(project: CoqProject, jobs: int = 2, timeout: float = 3600.0) -> None:
    """Compile the project with coq_makefile's Makefile (into the project folder, as `make` would), so that tracing
    one file can load the others; a failed build is a ProjectError with the end of the log."""
    for tool in ("coq_makefile", "make"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            raise BackendUnavailable(f"`{tool}` not found; install coq and make")
    steps = [
        ["coq_makefile", "-f", "_CoqProject", "-o", "CoqMakefile"],
        ["make", "-f", "CoqMakefile", f"-j{max(1, jobs)}"],
    ]
    for argv in steps:
        try:
            done = subprocess.run(argv, cwd=project.directory, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ProjectError(f"building {project.directory} took more than {timeout:g}s") from None
        if done.returncode != 0:
            tail = " ".join((done.stderr or done.stdout).split())[-400:]
            raise ProjectError(f"`{' '.join(argv)}` failed in {project.directory}: {tail}")


def project_sources(directory: Path, build: bool = True, jobs: int = 2) -> CoqSources:
    """The files of the project at `directory` with their logical names and load arguments (built first)."""
    project = read_project(directory)
    missing = [f for f in project.files if not (project.directory / f).is_file()]
    if missing:
        raise ProjectError(f"{directory / '_CoqProject'} lists files that do not exist: {', '.join(missing[:5])}")
    if build:
        build_project(project, jobs)
    files = [(rel, project.logical_name(rel)) for rel in project.files]
    return CoqSources(str(project.directory), sorted(files), project.load_args())
