"""``python -m bot.i18n``: maintain the message catalogues (output in English, like the CLI).

python -m bot.i18n import-json FILE.json LOCALE [--html KEY] [--plain KEY]
python -m bot.i18n compile [--check]
python -m bot.i18n check
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.i18n import lint, pofiles
from bot.i18n.loader import SOURCE_ROOT, catalogue_path, read_compiled


def _import_json(args: argparse.Namespace) -> int:
    report = pofiles.import_json(
        Path(args.file),
        args.locale,
        root=args.root,
        html=frozenset(args.html),
        plain=frozenset(args.plain),
    )
    for label, keys in (("added", report.added), ("changed", report.changed)):
        for key in keys:
            print(f"{label}: {key}")
    for key in report.skipped:
        print(f"skipped (plural in the catalogue): {key}", file=sys.stderr)
    print(
        f"{args.locale}: {len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.unchanged)} unchanged; HTML messages: {', '.join(report.html) or 'none'}"
    )
    print(f"wrote {catalogue_path(args.locale, '.po', args.root)} and its .mo")
    return 1 if report.skipped else 0


def stale_locales(root: Path) -> list[str]:
    """Locales whose ``.mo`` does not hold exactly what their ``.po`` says."""
    stale = []
    for locale in pofiles.locales_in(root):
        mo = catalogue_path(locale, ".mo", root)
        expected = read_compiled(pofiles.compiled(pofiles.read_source(locale, root)), locale)
        if not mo.exists() or read_compiled(mo.read_bytes(), locale) != expected:
            stale.append(locale)
    return stale


def _compile(args: argparse.Namespace) -> int:
    if args.check:
        stale = stale_locales(args.root)
        for locale in stale:
            print(f"{locale}: messages.mo is out of date; run: python -m bot.i18n compile")
        return 1 if stale else 0
    for locale in pofiles.locales_in(args.root):
        print(f"wrote {pofiles.compile_locale(locale, args.root)}")
    return 0


def _check(args: argparse.Namespace) -> int:
    catalogs = {locale: pofiles.read_source(locale, args.root) for locale in ("vi", "en")}
    code = Path(__file__).resolve().parent.parent
    usages, problems = lint.scan([code], relative_to=code.parent)
    problems += lint.catalogue_problems(catalogs)
    problems += lint.usage_problems(usages, catalogs)
    problems += [f"{locale}: messages.mo is out of date" for locale in stale_locales(args.root)]
    for problem in problems:
        print(problem)
    for key in lint.unused(usages, catalogs["vi"]):
        print(f"note: {key} is not named by any t()/tn()/deferred() call", file=sys.stderr)
    print(f"{len(usages)} calls, {len(problems)} problems")
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.i18n", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=SOURCE_ROOT,
        help="the locales directory (default: the package's)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    imp = commands.add_parser("import-json", help="merge a {key: text} JSON file into LOCALE's .po")
    imp.add_argument("file")
    imp.add_argument("locale", choices=("vi", "en"))
    imp.add_argument("--html", action="append", default=[], metavar="KEY", help="mark KEY as HTML")
    imp.add_argument("--plain", action="append", default=[], metavar="KEY", help="KEY is not HTML")
    imp.set_defaults(run=_import_json)

    comp = commands.add_parser("compile", help="write messages.mo from every messages.po")
    comp.add_argument("--check", action="store_true", help="only report stale .mo files (exit 1)")
    comp.set_defaults(run=_compile)

    chk = commands.add_parser(
        "check", help="check the catalogues and every t()/tn()/deferred() call in bot/"
    )
    chk.set_defaults(run=_check)

    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
