"""Regenerate the pictures of the documentation (docs/images/) from a real render.

    uv run --locked python scripts/docs_pictures.py

- questions-to-tree.svg: the answers of a render with the default answers, and the file tree
  Copier rendered from them (an answer that names files, and those files, in one colour);
- ui-*.png: the Dagster UI of that project under `dg dev`, as the UI test in
  tests/test_dg_dev_e2e.py sees it in headless Chromium (the test runs, its screenshots are
  copied here).

Offline once the packages are installed: Copier renders the working tree (uncommitted changes
included, as it does for a local template), and so does the UI test, which installs the project
from uv's cache and materializes the first partition.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

REPO = Path(__file__).resolve().parent.parent
IMAGES = REPO / "docs" / "images"
# The test's screenshots the docs show, and their names there.
SCREENSHOTS = {
    "asset-graph.png": "ui-asset-graph.png",
    "order-summary-partitions.png": "ui-partitions.png",
    "order-summary-checks.png": "ui-checks.png",
}
COLOURS = ["#1f6feb", "#8250df", "#bf3989", "#1a7f37", "#bc4c00", "#0550ae"]
INK, GREY = "#24292f", "#57606a"
LINE, CHAR, FONT = 18, 7.8, 13  # line height, monospace advance and font size (px)
WIDTH, ANSWERS_X, ANSWER_CHARS, TREE_X = 960, 20, 40, (440, 700)


def render(dst: Path) -> dict:
    """The template's defaults rendered into dst; the answers Copier recorded."""
    subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet",
         "--vcs-ref", "HEAD", "-d", "project_name=Acme Data", str(REPO), str(dst)],
        check=True,
    )  # fmt: skip
    answers = yaml.safe_load((dst / ".copier-answers.yml").read_text())
    return {key: value for key, value in answers.items() if not key.startswith("_")}


def tree(root: Path) -> list[tuple[int, str, bool]]:
    """(depth, name, is a folder) of every rendered file, folders first, as `tree` lists them
    (the empty package markers __init__.py left out)."""
    lines = []

    def walk(folder: Path, depth: int) -> None:
        entries = [p for p in folder.iterdir() if p.name not in {".git", "__init__.py"}]
        for path in sorted(entries, key=lambda p: (p.is_file(), p.name)):
            lines.append((depth, path.name, path.is_dir()))
            if path.is_dir():
                walk(path, depth + 1)

    walk(root, 0)
    return lines


def answer_text(value) -> str:
    return f"[{', '.join(map(str, value))}]" if isinstance(value, list) else str(value)


def svg(answers: dict, files: list[tuple[int, str, bool]]) -> str:
    # Answers whose value (or one of its items) names a rendered file or folder get a colour.
    names = [name for _, name, _ in files]
    tokens = {}  # token -> the answer it comes from
    for key, value in answers.items():
        for token in map(str, value if isinstance(value, list) else [value]):
            if len(token) > 2 and any(token in name for name in names):
                tokens[token] = key
    named = dict(zip(dict.fromkeys(tokens.values()), COLOURS * 3, strict=False))

    def colour_of_file(name: str) -> str | None:
        return next((named[key] for token, key in tokens.items() if token in name), None)

    # The tree in two columns, split between top-level entries.
    tops = [i for i, (depth, _, _) in enumerate(files) if depth == 0]
    split = min(tops, key=lambda i: abs(i - len(files) / 2))
    columns = [(TREE_X[0], files[:split]), (TREE_X[1], files[split:])]
    height = 70 + LINE * max(len(answers), split, len(files) - split)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans Mono, Menlo, Consolas, '
        f'monospace" font-size="{FONT}">',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="{ANSWERS_X}" y="30" font-size="15" font-weight="bold" fill="{INK}">'
        "Questions: the default answers</text>",
        f'<text x="{TREE_X[0]}" y="30" font-size="15" font-weight="bold" fill="{INK}">'
        "The rendered project</text>",
    ]
    for i, (key, value) in enumerate(answers.items()):
        text = f"{key}: {answer_text(value)}"
        text = (
            text
            if len(text) <= ANSWER_CHARS
            else text[: ANSWER_CHARS - 1] + "\N{HORIZONTAL ELLIPSIS}"
        )
        out.append(
            f'<text x="{ANSWERS_X}" y="{60 + LINE * i}" fill="{named.get(key, INK)}" '
            f'xml:space="preserve">{escape(text)}</text>'
        )
    arrow_y = 60 + LINE * (len(answers) - 1) / 2
    start, end = ANSWERS_X + ANSWER_CHARS * CHAR + 8, TREE_X[0] - 10
    out += [
        f'<line x1="{start}" y1="{arrow_y}" x2="{end - 10}" y2="{arrow_y}" stroke="{GREY}" '
        'stroke-width="2"/>',
        f'<polygon points="{end - 12},{arrow_y - 6} {end},{arrow_y} {end - 12},{arrow_y + 6}" '
        f'fill="{GREY}"/>',
        f'<text x="{start}" y="{arrow_y - 8}" font-size="11" fill="{GREY}">copier copy</text>',
    ]
    for x, entries in columns:
        for i, (depth, name, folder) in enumerate(entries):
            fill = colour_of_file(name) or INK
            weight = ' font-weight="bold"' if folder else ""
            label = escape(name + ("/" if folder else ""))
            out.append(
                f'<text x="{x + depth * 2 * CHAR}" y="{60 + LINE * i}" fill="{fill}"{weight}>'
                f"{label}</text>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def screenshots(dst: Path) -> None:
    """The UI test, alone, with its screenshots in dst."""
    env = {**os.environ, "SCREENSHOTS_DIR": str(dst)}
    subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_dg_dev_e2e.py", "-k",
         "test_ui_in_a_browser and defaults", "-n", "0", "-q", "-p", "no:cacheprovider"],
        cwd=REPO, env=env, check=True,
    )  # fmt: skip


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="docs-pictures-") as scratch:
        project = Path(scratch) / "acme"
        answers = render(project)
        (IMAGES / "questions-to-tree.svg").write_text(svg(answers, tree(project)))
        shots = Path(scratch) / "screenshots"
        screenshots(shots)
        for name, target in SCREENSHOTS.items():
            shutil.copyfile(shots / name, IMAGES / target)
    for path in sorted(IMAGES.iterdir()):
        print(f"{path.relative_to(REPO)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
