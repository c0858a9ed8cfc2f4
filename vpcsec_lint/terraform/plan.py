"""A Terraform plan (`terraform show -json plan.out`) -> a `Unit` of planned resources.

A plan knows what static evaluation cannot (data sources, remote state,
computed names), so it replaces static evaluation of its module: values come
from `planned_values` (and `resource_changes[].change.after` for anything
missing there). What is still unknown at plan time (IDs, mostly) keeps its
reference: from the `.tf` sources next to the plan when they are present
(their static evaluation also gives every value its `file:line`), else from
the plan's `configuration` (`references`), with findings on the plan file.

An attribute unknown at plan time that the configuration does not set is
computed by the provider: it is treated as omitted (the documented default).
Values the plan marks sensitive are unknown here, so they are never echoed.
"""

from __future__ import annotations

import json
import os
from typing import Any

from vpcsec_lint.findings import Notice, shown
from vpcsec_lint.raw import FileProblem, RawResource, Unit
from vpcsec_lint.terraform.expansion import INSTANCE_KEY
from vpcsec_lint.values import UNKNOWN, Location, Val

MAX_RESOURCES = 10_000
"""Planned resources analysed at most (the rest: a budget notice)."""
MAX_DEPTH = 64
"""Nesting of one planned value followed at most (deeper: unknown)."""
_NOT_RESOURCES = ("var.", "local.", "each.", "count.", "path.", "terraform.", "self.")


def is_plan(text: str) -> bool:
    """Whether JSON text is the output of `terraform show -json` for a plan."""
    head = text.lstrip("\ufeff \t\r\n")[:256]
    return head.startswith("{") and '"format_version"' in head and '"planned_values"' in text


def load_plan(path: str, text: str) -> Unit:
    """The planned resources of `path`; a malformed plan is a VSL000 on it."""
    unit = Unit("terraform", path, files=[path])
    try:
        document = json.loads(text)
    except RecursionError:
        unit.problems.append(FileProblem(path, "invalid plan JSON: nested too deeply"))
        return unit
    except ValueError as exc:
        unit.problems.append(FileProblem(path, f"invalid plan JSON: {exc}",
                                         getattr(exc, "lineno", 1), getattr(exc, "colno", 1)))
        return unit
    planned = document.get("planned_values") if isinstance(document, dict) else None
    if not isinstance(planned, dict) or not isinstance(planned.get("root_module", {}), dict):
        unit.problems.append(FileProblem(path, "not a Terraform plan (no planned_values module)"))
        return unit
    static = _static_resources(path, unit)
    changes = _changes(document.get("resource_changes"))
    configs = _configurations(_mapping(document.get("configuration")).get("root_module"), "")
    seen: set[str] = set()
    entries = list(_planned(planned.get("root_module"), 0))
    entries += [(a, c["mode"], c["type"], c["after"]) for a, c in changes.items()
                if c.get("after") is not None and "delete" not in c.get("actions", ())]
    for address, mode, rtype, values in entries:
        if address in seen or not isinstance(values, dict):
            continue
        seen.add(address)
        if len(seen) > MAX_RESOURCES:
            unit.notices.append(Notice("budget", "plan-resources", path, 1,
                                       f"the plan has more than {MAX_RESOURCES} resources; "
                                       "the rest were not analysed"))
            break
        change = changes.get(address, {})
        own = static.get(address) or static.get(INSTANCE_KEY.sub("", address))
        where = _address_location(path, text, address)
        config = configs.get(INSTANCE_KEY.sub("", address), {})
        prefix = address[: address.rfind(f"{'data.' if mode == 'data' else ''}{rtype}.")]
        body = _value(values, change.get("after_unknown"), change.get("after_sensitive"),
                      own.body if own is not None else None, config, prefix,
                      own.loc if own is not None else where, top=True, depth=0)
        unit.resources.append(RawResource(
            "terraform", rtype, address, body, own.loc if own is not None else where,
            is_data=mode == "data", call_sites=own.call_sites if own is not None else ()))
    unit.resources += _providers(document, static, path)
    return unit


def _providers(document: dict, static: dict[str, RawResource], path: str) -> list[RawResource]:
    """The provider configurations (their regions): from the sources, else from the plan."""
    written = [r for r in static.values() if r.type == "provider"]
    if written:
        return written
    out = []
    configs = _mapping(_mapping(document.get("configuration")).get("provider_config"))
    for key, config in configs.items():
        module, _, name = key.rpartition(":")
        if not isinstance(config, dict) or name.split(".")[0] != "aws":
            continue
        loc = Location(path, 1)
        region = _mapping(_mapping(config.get("expressions")).get("region")).get("constant_value")
        body = {"region": Val(region, loc)} if isinstance(region, str) else {}
        out.append(RawResource("terraform", "provider",
                               f"{module + '.' if module else ''}provider.{name}",
                               Val(body, loc), loc, is_data=True))
    return out


def _static_resources(path: str, unit: Unit) -> dict[str, RawResource]:
    """The resources of the `.tf` sources next to the plan, by address (for locations)."""
    from vpcsec_lint.terraform.loader import load_module, module_files

    directory = os.path.dirname(path) or "."
    if not module_files(directory)[0]:
        unit.notices.append(Notice(
            "unresolved", "plan-without-sources", path, 1,
            f"{shown(os.path.basename(path))}: its .tf sources are not next to it; findings "
            "are reported on the plan file (put the plan in its root module's directory)"))
        return {}
    sources = load_module(directory)
    unit.texts.update(sources.texts)
    unit.installed_modules = sources.installed_modules
    unit.call_arguments = sources.call_arguments
    return {r.address: r for r in sources.resources}


def _address_location(path: str, text: str, address: str) -> Location:
    """Where the plan first gives `address` (findings of a plan without its sources)."""
    offset = text.find('"address":' + json.dumps(address))
    if offset < 0:
        offset = text.find(json.dumps(address))
    if offset < 0:
        return Location(path, 1, 1)
    line = text.count("\n", 0, offset) + 1
    return Location(path, line, offset - text.rfind("\n", 0, offset))


def _mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _planned(module: object, depth: int):
    """(address, mode, type, values) of every resource of a planned module, children too."""
    module = _mapping(module)
    for res in module.get("resources") or []:
        res = _mapping(res)
        if isinstance(res.get("address"), str) and isinstance(res.get("type"), str):
            yield res["address"], res.get("mode"), res["type"], res.get("values")
    if depth < MAX_DEPTH:
        for child in module.get("child_modules") or []:
            yield from _planned(child, depth + 1)


def _changes(changes: object) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for item in changes if isinstance(changes, list) else []:
        item = _mapping(item)
        change = _mapping(item.get("change"))
        if isinstance(item.get("address"), str) and isinstance(item.get("type"), str):
            out[item["address"]] = {"mode": item.get("mode"), "type": item["type"], **change}
    return out


def _configurations(module: object, prefix: str, depth: int = 0) -> dict[str, dict]:
    """Each configured resource's `expressions`, by address without instance keys."""
    module = _mapping(module)
    out: dict[str, dict] = {}
    for res in module.get("resources") or []:
        res = _mapping(res)
        if isinstance(res.get("address"), str):
            out[prefix + res["address"]] = _mapping(res.get("expressions"))
    if depth < MAX_DEPTH:
        for name, call in _mapping(module.get("module_calls")).items():
            out.update(_configurations(_mapping(call).get("module"), f"{prefix}module.{name}.",
                                       depth + 1))
    return out


def _references(expression: object, prefix: str) -> list[tuple[str, str]]:
    """`(address, attribute)` for each resource attribute an expression refers to."""
    refs = _mapping(expression).get("references")
    out: list[tuple[str, str]] = []
    for ref in refs if isinstance(refs, list) else []:
        if not isinstance(ref, str) or ref.startswith(_NOT_RESOURCES):
            continue
        parts = ref.split(".")
        size = 3 if ref.startswith("data.") else 2  # data.T.N.attr, module.M.output, T.N.attr
        if len(parts) > size:
            out.append((prefix + ".".join(parts[:size]), parts[size]))
    return out


def _value(value: object, unknown: object, sensitive: object, static: Val | None,
           expression: object, prefix: str, fallback: Location, top: bool, depth: int) -> Val:
    """A planned value as a `Val`: locations and references from `static` where present."""
    loc = static.loc if static is not None and static.loc is not None else fallback
    if sensitive is True or depth > MAX_DEPTH:
        return Val(UNKNOWN, loc)
    if unknown is True:
        if static is not None:
            return Val(UNKNOWN, loc, static.origins, static.ref, static.symbol)
        refs = _references(expression, prefix)
        if len(refs) == 1:
            return Val(UNKNOWN, loc, ref=refs[0])
        return Val([Val(UNKNOWN, loc, ref=r) for r in refs] if refs else UNKNOWN, loc)
    keep = (static.origins, static.ref, static.symbol) if static is not None else ((), None, None)
    if isinstance(value, dict):
        unknowns, secrets = _mapping(unknown), _mapping(sensitive)
        config = _mapping(expression)
        members: dict[str, Val] = {}
        for key in sorted({*value, *(k for k, u in unknowns.items() if u is True)}):
            if value.get(key) is None and unknowns.get(key) is not True:
                continue  # null: omitted
            if top and unknowns.get(key) is True and key not in config:
                continue  # computed by the provider: its default, as if omitted
            inner = static.get(key) if static is not None else None
            members[key] = _value(value.get(key), unknowns.get(key), secrets.get(key), inner,
                                  config.get(key), prefix, loc, False, depth + 1)
        return Val(members, loc, *keep)
    if isinstance(value, list):
        unknown_items = unknown if isinstance(unknown, list) else []
        secret_items = sensitive if isinstance(sensitive, list) else []
        statics: list[Val] = static.value if static is not None and isinstance(
            static.value, list) and len(static.value) == len(value) else []
        configs = expression if isinstance(expression, list) else []
        return Val([_value(item, _at(unknown_items, i), _at(secret_items, i), _at(statics, i),
                           _at(configs, i) if configs else expression, prefix, loc, False,
                           depth + 1) for i, item in enumerate(value)], loc, *keep)
    return Val(value, loc, *keep)


def _at(items: list, index: int) -> Any:
    return items[index] if index < len(items) else None
