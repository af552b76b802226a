"""The README and docs/ say only what is real: each walkthrough the README prints is, character for
character, the script the API tests run (tests/api/test_walkthroughs.py), and every `make` target and
`anubandh` command they show exists (the commands in shell blocks parse with the CLI's own parser)."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from infra.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
WALKTHROUGHS = ROOT / "docs" / "walkthroughs"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

MARKED_BLOCK = re.compile(r"<!-- walkthrough: (?P<path>[\w./-]+) -->\n```bash\n(?P<body>.*?)```", re.DOTALL)
SHELL_BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(?P<body>.*?)^```", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"(?<!`)`(?P<code>[^`\n]+)`(?!`)")
MAKE_TARGET = re.compile(r"^(?P<target>[A-Za-z][\w.-]*)\s*:(?!=)", re.MULTILINE)
WORD = re.compile(r"^[a-z][a-z-]*$")
ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def make_targets() -> set[str]:
    return set(MAKE_TARGET.findall((ROOT / "Makefile").read_text(encoding="utf-8")))


def shell_commands(text: str) -> list[list[str]]:
    """Each simple command (split at `&&`, `||`, `;`, `|`) of every line of the shell blocks that are not
    walkthroughs, continuation lines joined, comments dropped."""
    walkthroughs = MARKED_BLOCK.sub("", text)
    commands = []
    for block in SHELL_BLOCK.finditer(walkthroughs):
        for line in block["body"].replace("\\\n", " ").splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
            lexer.whitespace_split = True
            lexer.commenters = "#"
            command: list[str] = []
            for token in lexer:
                if token and set(token) <= set(";&|"):
                    commands.append(command)
                    command = []
                else:
                    command.append(token)
            commands.append(command)
    return [c for c in commands if c]


def program_and_args(words: list[str]) -> tuple[str, list[str]]:
    """`PORT=8080 make run` is `make` with `run`; `.venv/bin/anubandh` is `anubandh`."""
    while words and ENV_ASSIGNMENT.match(words[0]):
        words = words[1:]
    if not words:
        return "", []
    return words[0].rsplit("/", 1)[-1], words[1:]


def parse(argv: list[str]) -> int:
    """What the CLI's parser says of argv: 0 when it accepts it (or shows its help)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            build_parser().parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    return 0


def test_each_walkthrough_in_the_readme_is_its_script_exactly() -> None:
    text = README.read_text(encoding="utf-8")
    printed = [(m["path"], m["body"]) for m in MARKED_BLOCK.finditer(text)]
    scripts = sorted(str(path.relative_to(ROOT)) for path in WALKTHROUGHS.glob("*.sh"))
    assert sorted(path for path, _ in printed) == scripts, "every walkthrough script is printed in the README once"
    for path, body in printed:
        assert body == (ROOT / path).read_text(encoding="utf-8"), f"the README's {path} differs from the file"


def test_the_command_extraction_sees_commands_and_skips_walkthroughs() -> None:
    page = (
        "```sh\nPORT=8080 make run   # a comment\nmake package && sam deploy \\\n  --guided\n```\n"
        "<!-- walkthrough: docs/walkthroughs/x.sh -->\n```bash\nmake nothing\n```\n"
    )
    assert shell_commands(page) == [["PORT=8080", "make", "run"], ["make", "package"], ["sam", "deploy", "--guided"]]
    assert parse(["roll", "import", "roll.csv", "--stack", "s", "--username", "u"]) == 0
    assert parse(["roll", "import", "roll.csv", "--stack", "s", "--no-such-option"]) == 2
    assert parse(["no-such-command", "--help"]) == 2


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_make_target_and_anubandh_command_shown_exists(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANUBANDH_ENDPOINT", raising=False)  # the parser's defaults depend on it
    text = page.read_text(encoding="utf-8")
    targets = make_targets()
    problems = []
    # Shell blocks: each make target exists; each anubandh command parses, options and all
    for words in shell_commands(text):
        program, args = program_and_args(words)
        if program == "make":
            problems += [
                f"make {t}: no such target" for t in args if not t.startswith("-") and "=" not in t and t not in targets
            ]
        elif program == "anubandh" and parse(args) != 0:
            problems.append(f"{shlex.join(words)}: the CLI refuses it")
    # Inline code in the prose: make targets exist; an anubandh command's subcommands exist
    for span in INLINE_CODE.finditer(MARKED_BLOCK.sub("", SHELL_BLOCK.sub("", text))):
        try:
            program, args = program_and_args(shlex.split(span["code"]))
        except ValueError:
            continue
        if program == "make":
            problems += [f"`{span['code']}`: no such target" for t in args[:1] if "=" not in t and t not in targets]
        elif program == "anubandh":
            path = []
            for word in args[:2]:
                if not WORD.match(word):
                    break
                path.append(word)
            if parse([*path, "--help"]) != 0:
                problems.append(f"`{span['code']}`: no such command")
    assert not problems, problems
