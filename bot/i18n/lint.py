"""Static checks of the catalogues and of the code that uses them.

Two halves, both run by tests/core/test_i18n.py and ``python -m bot.i18n check``:

* :func:`catalogue_problems` — every locale has the same messages, each translated (not empty,
  not fuzzy), in NFC, with a ``str.format`` template that has the same named placeholders in
  every locale, the same HTML flag and plurality, and as many plural forms as the locale has;
* :func:`scan` + :func:`usage_problems` — every call of a function that names a message
  (``t``, ``t_html``, ``tn``, ``deferred``, ``deferred_n``) names it with a literal (or a
  conditional between literals), the message exists, plural functions are used for plural
  messages only, and the call passes every placeholder.
"""

from __future__ import annotations

import ast
import contextlib
import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from bot.i18n.loader import HTML_CONTEXT
from bot.i18n.pofiles import entry_key, messages_of

I18N_MODULE = "bot.i18n"
_MODULES = {I18N_MODULE, f"{I18N_MODULE}.translate", f"{I18N_MODULE}.deferred"}
# Every function that names a message, and whether it takes a plural one (then it fills {n}).
FUNCTIONS = {"t": False, "t_html": False, "deferred": False, "tn": True, "deferred_n": True}


def forms_of(message: Message) -> tuple[str, ...]:
    string_: object = message.string
    if isinstance(string_, str):
        return (string_,)
    return tuple(str(form) for form in string_)  # type: ignore[attr-defined]


def placeholders(template: str) -> set[str]:
    """Named ``str.format`` fields; raises ValueError on a template that does not parse."""
    names: set[str] = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            if not name or name.isdigit():
                raise ValueError("positional placeholder {} (name it)")
            names.add(name.split(".")[0].split("[")[0])
    return names


def _entry_problems(locale: str, key: str, message: Message, nplurals: int) -> list[str]:
    where = f"{locale}: {key}"
    problems: list[str] = []
    if message.fuzzy:
        problems.append(f"{where}: marked fuzzy (not translated yet)")
    if message.context not in (None, HTML_CONTEXT):
        problems.append(f"{where}: unknown msgctxt {message.context!r} (only 'html')")
    forms = forms_of(message)
    if not isinstance(message.id, str) and len(forms) != nplurals:
        problems.append(f"{where}: {len(forms)} plural forms, {locale} has {nplurals}")
    for form in forms:
        if not form.strip():
            problems.append(f"{where}: empty translation")
        elif not unicodedata.is_normalized("NFC", form):
            problems.append(f"{where}: not in NFC")
        try:
            placeholders(form)
        except ValueError as exc:
            problems.append(f"{where}: bad template: {exc}")
    return problems


def _names(message: Message) -> frozenset[str]:
    """Placeholders of every form together (a bad template is reported by _entry_problems)."""
    names: set[str] = set()
    for form in forms_of(message):
        with contextlib.suppress(ValueError):
            names |= placeholders(form)
    return frozenset(names)


def _signature(message: Message) -> tuple[bool, bool, frozenset[str]]:
    return (message.context == HTML_CONTEXT, not isinstance(message.id, str), _names(message))


def catalogue_problems(catalogs: Mapping[str, Catalog], source: str = "vi") -> list[str]:
    """Everything wrong with a set of catalogues, compared with the ``source`` locale."""
    problems: list[str] = []
    by_locale = {locale: messages_of(catalog) for locale, catalog in catalogs.items()}
    reference = by_locale[source]
    for locale, messages in by_locale.items():
        nplurals = catalogs[locale].num_plurals
        for key, message in sorted(messages.items()):
            problems += _entry_problems(locale, key, message, nplurals)
        if locale == source:
            continue
        for key in sorted(reference.keys() - messages.keys()):
            problems.append(f"{locale}: {key}: missing (present in {source})")
        for key in sorted(messages.keys() - reference.keys()):
            problems.append(f"{locale}: {key}: not in {source}")
        for key in sorted(reference.keys() & messages.keys()):
            (html_a, plural_a, names_a) = _signature(reference[key])
            (html_b, plural_b, names_b) = _signature(messages[key])
            if html_a != html_b:
                problems.append(f"{locale}: {key}: msgctxt html differs from {source}")
            if plural_a != plural_b:
                problems.append(f"{locale}: {key}: plural in one locale only")
            if names_a != names_b:
                problems.append(
                    f"{locale}: {key}: placeholders {sorted(names_b)} but {source} has "
                    f"{sorted(names_a)}"
                )
    return problems


@dataclass(frozen=True, slots=True)
class Usage:
    """One call of a message-naming function found in the code."""

    where: str  # path:line
    function: str  # "t", "tn", "t_html", "deferred" or "deferred_n"
    keys: tuple[str, ...]  # every key the call can use (two for a conditional)
    keywords: frozenset[str]
    splat: bool  # passes **params, so its keywords are not known statically


def _literal_keys(node: ast.expr) -> tuple[str, ...] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.IfExp):
        body, orelse = _literal_keys(node.body), _literal_keys(node.orelse)
        if body is not None and orelse is not None:
            return body + orelse
    return None


def _bound_names(tree: ast.Module) -> tuple[dict[str, str], set[str]]:
    """Names this module binds to t/tn (``{alias: function}``) and to the module itself."""
    functions: dict[str, str] = {}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in _MODULES:
            for alias in node.names:
                if alias.name in FUNCTIONS:
                    functions[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module == "bot":
            modules.update(a.asname or a.name for a in node.names if a.name == "i18n")
        elif isinstance(node, ast.Import):
            modules.update(a.asname for a in node.names if a.name == I18N_MODULE and a.asname)
    return functions, modules


def _called_function(func: ast.expr, functions: dict[str, str], modules: set[str]) -> str | None:
    if isinstance(func, ast.Name):
        return functions.get(func.id)
    if isinstance(func, ast.Attribute) and func.attr in FUNCTIONS:
        value = func.value
        if isinstance(value, ast.Name) and value.id in modules:
            return func.attr
        if ast.unparse(value) == I18N_MODULE:  # import bot.i18n; bot.i18n.t(...)
            return func.attr
    return None


def scan_source(source: str, where: str) -> tuple[list[Usage], list[str]]:
    """Message-naming calls in one module, and the calls whose id is not literal."""
    tree = ast.parse(source, filename=where)
    functions, modules = _bound_names(tree)
    usages: list[Usage] = []
    problems: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = _called_function(node.func, functions, modules)
        if function is None:
            continue
        at = f"{where}:{node.lineno}"
        key_node = node.args[0] if node.args else None
        for keyword in node.keywords:
            if keyword.arg == "key":
                key_node = keyword.value
        keys = _literal_keys(key_node) if key_node is not None else None
        if keys is None:
            problems.append(f"{at}: {function}() needs a literal message id, not an expression")
            continue
        usages.append(
            Usage(
                where=at,
                function=function,
                keys=keys,
                keywords=frozenset(k.arg for k in node.keywords if k.arg and k.arg != "key"),
                splat=any(k.arg is None for k in node.keywords),
            )
        )
    return usages, problems


def scan(paths: Iterable[Path], relative_to: Path) -> tuple[list[Usage], list[str]]:
    """:func:`scan_source` over every ``.py`` file under ``paths``."""
    usages: list[Usage] = []
    problems: list[str] = []
    for root in paths:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for file in files:
            where = (
                str(file.relative_to(relative_to))
                if file.is_relative_to(relative_to)
                else str(file)
            )
            found, wrong = scan_source(file.read_text("utf-8"), where)
            usages += found
            problems += wrong
    return usages, problems


def usage_problems(usages: Iterable[Usage], catalogs: Mapping[str, Catalog]) -> list[str]:
    """Calls naming a message some catalogue lacks, or misusing it."""
    problems: list[str] = []
    by_locale = {locale: messages_of(catalog) for locale, catalog in catalogs.items()}
    for usage in usages:
        for key in usage.keys:
            for locale, messages in by_locale.items():
                message = messages.get(key)
                if message is None:
                    problems.append(f"{usage.where}: {key!r} missing from the {locale} catalogue")
                    continue
                plural = not isinstance(message.id, str)
                wants_plural = FUNCTIONS[usage.function]
                if plural != wants_plural:
                    kind = "a plural message" if plural else "not plural"
                    problems.append(
                        f"{usage.where}: {key!r} is {kind}: {usage.function}() is not for it"
                    )
                if usage.splat:
                    continue
                implicit = {"n"} if wants_plural else set()
                missing = _names(message) - usage.keywords - implicit
                if missing:
                    problems.append(
                        f"{usage.where}: {key!r} ({locale}) needs {sorted(missing)} not passed"
                    )
    return sorted(set(problems))


def unused(usages: Iterable[Usage], catalog: Catalog) -> list[str]:
    """Message ids no call uses (reported, not an error: keys can arrive before their code)."""
    used = {key for usage in usages for key in usage.keys}
    return sorted(entry_key(m) for m in catalog if m.id and entry_key(m) not in used)
