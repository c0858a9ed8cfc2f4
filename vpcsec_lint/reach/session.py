"""The models of a run (`ModelSet`) and the addresses the `reach` command and `reach:` entries use.

An address is what findings name (`aws_lambda_function.api`,
`module.app.aws_db_instance.db`, a CloudFormation logical ID), optionally
qualified by its unit (`infra/app#aws_ecs_service.web`, `template.yaml#Api`)
when several Terraform root modules or templates are analysed; `aws:<service>`
and `internet` are targets of their own.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable

from vpcsec_lint.model import Model
from vpcsec_lint.reach.network import Place, endpoint_place, instance_place, lambda_place

SPECIAL = ("internet",)


class AddressError(ValueError):
    """An address that names nothing analysed (exit 2 with the closest names)."""


def places(model: Model) -> dict[str, Place]:
    """Every workload and target of a model by address."""
    out: dict[str, Place] = {}
    for fn in model.lambdas.values():
        out[fn.resource] = lambda_place(model, fn)
    for inst in model.instances.values():
        out[inst.resource] = instance_place(model, inst)
    for endpoint in model.endpoints.values():
        etype = endpoint.endpoint_type.value if endpoint.endpoint_type else None
        if etype == "Interface":
            out[endpoint.resource] = endpoint_place(model, endpoint)
    from vpcsec_lint.reach.targets import target_places

    out.update(target_places(model))
    return out


class ModelSet:
    """The models of one run and their places, addressable as findings name them (the
    lint run itself is `vpcsec_lint.session.Session`)."""

    def __init__(self, models: Iterable[Model]) -> None:
        self.models = list(models)
        self._places = [(m, places(m)) for m in self.models]

    def names(self) -> list[str]:
        """Every address, qualified with its unit when that is needed to tell them apart."""
        counts: dict[str, int] = {}
        for _, found in self._places:
            for key in found:
                counts[key] = counts.get(key, 0) + 1
        out = []
        for model, found in self._places:
            for key in found:
                out.append(key if counts[key] == 1 else f"{_unit_name(model)}#{key}")
        return sorted(out)

    def resolve(self, address: str) -> tuple[Model | None, Place | str]:
        """The model and place an address names; `aws:<service>` and `internet` as text."""
        if address.startswith("aws:") and len(address) > 4:
            return None, address
        if address in SPECIAL:
            return None, address
        unit, _, key = address.rpartition("#")
        matches = []
        for model, found in self._places:
            if key in found and (not unit or _same_unit(model, unit)):
                matches.append((model, found[key]))
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise AddressError(
                f"{address!r} is defined in several analysed units; name one of: "
                + ", ".join(f"{_unit_name(m)}#{key}" for m, _ in matches))
        close = difflib.get_close_matches(address, self.names() + ["internet"], n=5, cutoff=0.5)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise AddressError(f"unknown address {address!r}{hint}")

    def find(self, address: str) -> tuple[Model | None, Place | str] | None:
        """As `resolve`, but None when the address names nothing analysed."""
        try:
            return self.resolve(address)
        except AddressError:
            return None


def load_models(paths: list[str], options: object | None = None) -> ModelSet:
    """Load every unit under `paths` (as the linter does) and build its model."""
    from vpcsec_lint.discovery import collect
    from vpcsec_lint.engine import build_model
    from vpcsec_lint.options import Options
    from vpcsec_lint.session import Session

    opts = options if isinstance(options, Options) else Options()
    lint = Session(opts)
    units = [unit for unit, _ in lint.units(collect(paths, opts.excluded))]
    return ModelSet(build_model(u) for u in units)


def _unit_name(model: Model) -> str:
    root = os.path.relpath(model.root) if os.path.isabs(model.root) else model.root
    return root.replace(os.sep, "/")


def _same_unit(model: Model, unit: str) -> bool:
    """`unit` names the model's root: the same path, or its trailing path components
    (`infra/app`, `template.yaml`), wherever the command runs from."""
    mine = os.path.normpath(os.path.abspath(model.root)).split(os.sep)
    other = [p for p in os.path.normpath(unit).split(os.sep) if p not in ("", ".")]
    if os.path.isabs(unit):
        return mine == os.path.normpath(unit).split(os.sep)
    return bool(other) and mine[-len(other):] == other
