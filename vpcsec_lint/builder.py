"""What both framework builders share: following references to entities."""

from __future__ import annotations

from vpcsec_lint.model import Attachment, Model, Ref
from vpcsec_lint.raw import RawResource
from vpcsec_lint.values import Location, Val


class BaseBuilder:
    """Builds a `Model` from raw resources; subclasses map their framework's types."""

    framework = ""
    identity_attrs: frozenset[str] = frozenset()
    """Reference attributes that name the resource itself (`id`, `Ref`, `GroupId`)."""

    def __init__(self, root: str, resources: list[RawResource]) -> None:
        self.model = Model(self.framework, root)
        for res in resources:
            self.model.resources.setdefault(res.address, res)
        self.raw = [r for r in resources]

    def target(self, val: Val | None) -> str | None:
        """The address a value refers to by identity, if any."""
        if val is None or val.ref is None:
            return None
        address, attr = val.ref
        if attr in self.identity_attrs:
            return address
        return None

    def ref(self, val: Val | None, entities: dict) -> Ref:
        """A reference to an entity in `entities`; key None when it cannot be followed."""
        key = self.target(val)
        return Ref(key if key in entities else None, val)

    def refs(self, val: Val | None, entities: dict) -> list[Ref]:
        """One `Ref` per item of a list value (an unknown list gives one unknown Ref)."""
        if val is None:
            return []
        if not isinstance(val.value, list):
            return [self.ref(val, entities)]
        return [self.ref(item, entities) for item in val.value]

    def attachments(self, skip_types: set[str], endpoint_types: set[str],
                    is_interface: dict[str, bool]) -> None:
        """Record every resource that references a security group by identity."""
        groups = self.model.security_groups
        for res in self.raw:
            if res.type in skip_types or res.is_data:
                continue
            seen: set[str] = set()
            for val in res.body.walk():
                key = self.target(val)
                if key in groups and key not in seen and key != res.address:
                    seen.add(key)
                    interface = res.type in endpoint_types and is_interface.get(res.address, False)
                    self.model.attachments.setdefault(key, []).append(
                        Attachment(res.address, res.type, interface))


def setting_loc(val: Val | None, fallback: Location) -> Location:
    return val.loc if val is not None and val.loc is not None else fallback
