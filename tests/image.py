"""A rendered project's image without a container engine: its Dockerfile replayed into a folder
that stands in for the image's root filesystem, then its commands run as the image's user.

The build stage's COPY/ENV/WORKDIR/RUN steps run as they are (root, like `docker build`), with
one change: the interpreter is one that the image's user can run. The final stage's RUN creates
the folders the image's user owns (its `groupadd`/`useradd` are not run: the commands run under
`setpriv` with the USER's numeric ids). Absolute paths of the image (`/app`, `/opt/...`) are
mapped into the stand-in folder wherever the Dockerfile, compose.yaml or the Helm values name
them. Everything is root's, as in an image, except what the Dockerfile gives to its user.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from helpers import run

# The image's PATH before its ENV (the python image's) and the PATH of its RUN steps' shell.
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def dockerfile_stages(text: str) -> dict[str, list[tuple[str, str]]]:
    """Instructions per stage name (the last, unnamed stage is 'final')."""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for line in re.sub(r"\\\n\s*", " ", text).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, args = line.strip().partition(" ")
        if instruction == "FROM":
            name = args.split(" AS ")[1] if " AS " in args else "final"
            current = stages.setdefault(name, [])
        current.append((instruction, args))
    return stages


@dataclass
class Image:
    root: Path  # stands in for the image's /
    env: dict[str, str] = field(default_factory=dict)  # the final stage's, paths mapped
    uid: int = 0
    gid: int = 0
    workdir: str = "/"
    cmd: list[str] = field(default_factory=list)
    built: list[str] = field(default_factory=list)  # the RUN commands of the build stage
    owned: list[str] = field(default_factory=list)  # image paths the final stage gives the user

    def path(self, image_path: str) -> Path:
        return self.root / image_path.lstrip("/")

    def mapped(self, value: str) -> str:
        """`value` with each absolute path under one of the image's own folders mapped."""
        tops = {p.name for p in self.root.iterdir()}
        return ":".join(
            str(self.path(part)) if part.startswith("/") and part.split("/")[1] in tops else part
            for part in value.split(":")
        )

    def as_user(self, cmd: list[str], groups: list[int] = ()) -> list[str]:
        """`cmd` run as the image's user (and supplementary `groups`, e.g. a pod's fsGroup)."""
        who = ["--groups", ",".join(map(str, groups))] if groups else ["--clear-groups"]
        return ["setpriv", "--reuid", str(self.uid), "--regid", str(self.gid), *who, *cmd]

    def listing(self) -> dict[str, tuple]:
        """Every path under the root with its type, mode, owner, size and modification time."""
        found = {}
        for folder, dirs, files in os.walk(self.root):
            for name in dirs + files:
                path = Path(folder, name)
                st = path.lstat()
                found[str(path.relative_to(self.root))] = (
                    st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns,
                )  # fmt: skip
        return found

    def changed_outside(self, before: dict[str, tuple], writable: list[str]) -> list[str]:
        """Paths added, removed or changed since `before` that are not under `writable`."""
        after = self.listing()
        changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        allowed = [w.strip("/") for w in writable]
        return sorted(
            p for p in changed if not any(p == w or p.startswith(w + "/") for w in allowed)
        )


def user_python() -> str:
    """An interpreter that an unprivileged user can run (the image's is /usr/local/bin/python3;
    the tests' own may live in root's home, which other users cannot enter)."""
    for candidate in ("/usr/local/bin/python3", "/usr/bin/python3"):
        usable = run(
            ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
             "sh", "-c", '"$0" -c "import sys; assert sys.version_info >= (3, 11)"', candidate],
            check=False,
        )  # fmt: skip
        if usable.returncode == 0:
            return candidate
    raise AssertionError("no Python >= 3.11 that any user can run: install Debian's python3")


@contextlib.contextmanager
def built(project: Path, base_env: dict[str, str]) -> Iterator[Image]:
    """The image of `project`, replayed from its Dockerfile; removed afterwards."""
    assert os.geteuid() == 0, "replaying the image needs root, like `docker build` (chown, setpriv)"
    # Outside pytest's tmp_path, whose folders only root may enter.
    root = Path(tempfile.mkdtemp(prefix="image-"))
    try:
        root.chmod(0o755)
        yield build(project, root, base_env)
    finally:
        shutil.rmtree(root)


def build(project: Path, root: Path, base_env: dict[str, str]) -> Image:
    stages = dockerfile_stages((project / "Dockerfile").read_text())
    image = Image(root)
    tmp = image.path("/tmp")
    tmp.mkdir(mode=0o1777)
    tmp.chmod(0o1777)

    env = {k: v for k, v in base_env.items() if not k.startswith("UV_")}
    app = None
    for instruction, args in stages["build"]:
        if instruction == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(args)))
        elif instruction == "WORKDIR":
            app = image.path(args)
            app.mkdir(parents=True)
        elif instruction == "COPY" and not args.startswith("--from"):
            *sources, _ = args.split()
            for source in sources:
                paths = project.iterdir() if source == "." else project.glob(source)
                for path in paths:
                    if path.name == ".git":  # .dockerignore'd, like the rest of the context
                        continue
                    if path.is_dir():
                        shutil.copytree(path, app / path.name, dirs_exist_ok=True)
                    else:
                        shutil.copy2(path, app / path.name)
        elif instruction == "RUN":
            command = re.sub(r"--mount=\S+\s*", "", args).strip()
            env["UV_PYTHON"] = user_python()
            run(["sh", "-c", command], app, base=env, timeout=900)
            image.built.append(command)

    image.env = {"PATH": BASE_PATH, "LANG": "C.UTF-8", "TMPDIR": str(tmp)}
    ids: dict[str, int] = {}
    for instruction, args in stages["final"]:
        if instruction == "WORKDIR":
            image.workdir = args
        elif instruction == "COPY":
            # The build stage ran where the final stage copies it to.
            assert args == f"--from=build {image.workdir} {image.workdir}", args
        elif instruction == "RUN":
            for command in args.split("&&"):
                run_final(image, shlex.split(command), ids)
        elif instruction == "ENV":
            for pair in shlex.split(args):
                key, value = pair.split("=", 1)
                value = value.replace("$PATH", image.env["PATH"])
                image.env[key] = image.mapped(value)
        elif instruction == "USER":
            image.uid, image.gid = map(int, args.split(":"))
        elif instruction == "CMD":
            image.cmd = json.loads(args)
    assert image.uid and image.gid, "the image runs as a non-root user"
    # Docker sets HOME from the user's /etc/passwd entry: a home that `useradd` did not create.
    name = next(n for n, i in ids.items() if i == image.uid)
    image.env["HOME"] = str(image.path(f"/home/{name}"))
    return image


def run_final(image: Image, argv: list[str], ids: dict[str, int]) -> None:
    """One command of the final stage's RUN."""
    program, *rest = argv
    if program in ("groupadd", "useradd"):
        option = "--gid" if program == "groupadd" else "--uid"
        ids[rest[-1]] = int(rest[rest.index(option) + 1])
        return
    assert program == "install", f"the replay knows groupadd, useradd and install: {argv}"
    mapped = []
    for i, arg in enumerate(rest):
        if i and rest[i - 1] in ("-o", "-g"):
            mapped.append(str(ids[arg]))
        elif arg.startswith("/"):
            mapped.append(str(image.path(arg)))
            image.owned.append(arg)
        else:
            mapped.append(arg)
    run([program, *mapped])
