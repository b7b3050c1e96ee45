"""The command line's help in the language chosen, from the catalogues.

Every command's and option's help is the catalogue entry ``cli.help.<path>`` (the command's
path under ``kaohe``, dots between: ``cli.help.run``, ``cli.help.users.add``; ``cli.help.kaohe``
for ``kaohe`` itself) and ``cli.help.<path>.<option>`` (an option's name as the function takes
it: ``cli.help.run.quiet``), or, for options many commands share, ``cli.help.option.<option>``.
A catalogue paragraph of several lines is printed as written (a list, an example); a paragraph
of one line is wrapped to the terminal.

The language is ``--lang`` anywhere on the command line (so ``kaohe run --help --lang en``
works whichever comes first), else ``KAOHE_LANG``, else Chinese. Nothing here imports the
platform: ``kaohe --help`` reads the platform's commands' lines from the catalogue.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import click

#: ``ctx.meta`` key of the language found on the command line
META = "kaohe.lang"


def lang_of(args: Sequence[str]) -> str | None:
    """The value of ``--lang`` among the command line's words, if any."""
    for k, word in enumerate(args):
        if word == "--":
            break
        if word == "--lang" and k + 1 < len(args):
            return args[k + 1]
        if word.startswith("--lang="):
            return word.partition("=")[2]
    return None


def ctx_lang(ctx: click.Context | None) -> str:
    """The language of the help: ``--lang`` (as found by the ``kaohe`` group), else the
    environment's."""
    found = ctx.find_root().meta.get(META) if ctx is not None else None
    value = str(found or os.environ.get("KAOHE_LANG", "zh")).lower()
    return "en" if value.startswith("en") else "zh"


def help_path(ctx: click.Context) -> str:
    """The command's path under ``kaohe``, dots between (``users.add``; ``kaohe`` itself)."""
    names = []
    node: click.Context | None = ctx
    while node is not None:
        if node.parent is None and isinstance(node.command, Group) and node.command.root:
            break
        names.append(node.command.name or "")
        node = node.parent
    return ".".join(reversed(names)) or "kaohe"


def command_help(path: str, lang: str) -> str:
    """A command's help: the catalogue's text, paragraphs of several lines kept as written."""
    from kaohe.i18n import t

    text = t(f"cli.help.{path}", lang)
    return "\n\n".join(
        f"\b\n{para}" if "\n" in para else para for para in text.strip().split("\n\n")
    )


def option_help(path: str, name: str, lang: str) -> str:
    """An option's help: its command's entry, else the shared one (``cli.help.option.*``)."""
    from kaohe.i18n import LABELS, t

    key = f"cli.help.{path}.{name}"
    return t(key if key in LABELS else f"cli.help.option.{name}", lang)


def short_help(path: str, lang: str, limit: int) -> str:
    """A command's line in its group's list: the first sentence of its help, cut to fit."""
    from kaohe.i18n import t

    first = t(f"cli.help.{path}", lang).strip().split("\n\n")[0].replace("\n", " ")
    if lang == "en":
        sentence = first.split(". ")[0].removesuffix(".")
        if len(sentence) <= limit:
            return sentence
        return sentence[: limit - 3].rsplit(" ", 1)[0].rstrip(",;:") + "..."
    sentence = re.split("[。？；]", first, maxsplit=1)[0]
    if width(sentence) > limit:
        sentence = sentence.split("：")[0]
    if sentence.count("（") > sentence.count("）"):
        sentence = sentence[: sentence.rindex("（")]
    if width(sentence) <= limit:
        return sentence
    while width(sentence) > limit - 1:
        sentence = sentence[:-1]
    return sentence + "…"


def width(text: str) -> int:
    """Columns a text takes on a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def heading(formatter: click.HelpFormatter, key: str, lang: str) -> None:
    """A section's heading, its colon the language's (``选项：``, ``Options:``)."""
    from kaohe.i18n import t

    formatter.write_paragraph()
    formatter.write(f"{'':>{formatter.current_indent}}{t(key, lang)}\n")


def _param_name(param: click.Parameter) -> str:
    return "help" if param.name == "_click_default_help" else str(param.name)


class Command(click.Command):
    """A command whose help, usage and option lines come from the catalogues."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # every command takes --lang (read by the kaohe group from the whole command line),
        # so that ``kaohe db upgrade --help --lang en`` works as ``kaohe run --help --lang en``
        if not any(p.name == "lang" for p in self.params):
            choice = click.Choice(["zh", "en"])
            self.params.append(click.Option(["--lang"], type=choice, expose_value=False))

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from kaohe.i18n import t

        pieces = self.collect_usage_pieces(ctx)
        word = t("cli.word.usage", ctx_lang(ctx))
        prefix = word if word.endswith("：") else word + " "
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(command_help(help_path(ctx), ctx_lang(ctx)))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:

        lang, path = ctx_lang(ctx), help_path(ctx)
        rows = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Argument) or getattr(param, "hidden", False):
                continue
            written = getattr(param, "help", None)
            param.help = option_help(path, _param_name(param), lang)
            try:
                record = param.get_help_record(ctx)
            finally:
                param.help = written
            if record is not None:
                rows.append((record[0], _extras(record[1], lang)))
        if rows:
            heading(formatter, "cli.word.options", lang)
            with formatter.indentation():
                formatter.write_dl(rows)


def _extras(text: str, lang: str) -> str:
    """Click's own words in an option's line (``[default: 5]``, ``[required]``)."""
    from kaohe.i18n import t

    return (
        text.replace("[default: ", f"[{t('cli.word.default', lang)}: ")
        .replace("; default: ", f"; {t('cli.word.default', lang)}: ")
        .replace("required]", f"{t('cli.word.required', lang)}]")
    )


class Group(Command, click.Group):
    """A group of :class:`Command`; its list of commands from the catalogues too."""

    #: the ``kaohe`` group itself (its path is ``kaohe``; its commands' paths start after it)
    root = False
    command_class = Command
    group_class = type

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        Command.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:

        lang, path = ctx_lang(ctx), help_path(ctx)
        names = [n for n in self.list_commands(ctx) if not self._hidden(n)]
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        prefix = "" if path == "kaohe" else f"{path}."
        rows = [(n, short_help(prefix + n, lang, limit)) for n in names]
        heading(formatter, "cli.word.commands", lang)
        with formatter.indentation():
            formatter.write_dl(rows)

    def _hidden(self, name: str) -> bool:
        cmd = self.commands.get(name)
        return cmd is not None and cmd.hidden
