"""CloudFormation templates (YAML or JSON, SAM included) -> evaluated resources.

Intrinsics are resolved where their inputs are known: parameter defaults,
`Mappings`/`Fn::FindInMap`, `Conditions`, `Fn::If`, `Fn::Sub`, `Fn::Join`,
`Fn::Select`, `Fn::Split`. `Ref` and `Fn::GetAtt` of a resource keep their
shape in `Val.ref` (`("Vpc", "Ref")`, `("Vpc", "CidrBlock")`) and take the
resource's property value when it has one of that name. Anything else
(`Fn::ImportValue`, pseudo parameters, SSM parameters) is `UNKNOWN`.

Conditions, then resources, are evaluated once each in dependency order
(`evaluation_order.py`), and every value within the budgets of `budgets.py`
(over one: unknown, with a `budget` notice).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from vpcsec_lint import budgets
from vpcsec_lint.budgets import BudgetExceeded, Sizer, budget_notice
from vpcsec_lint.evaluation_order import dependency_order
from vpcsec_lint.raw import RawResource, Unit
from vpcsec_lint.values import UNKNOWN, Location, Val, merge_origins, referring_parts

if TYPE_CHECKING:
    from vpcsec_lint.cloudformation.stacks import Stacks

_NO_VALUE = Val(None)  # AWS::NoValue: the key or item disappears
_SUB_VAR = re.compile(r"\$\{([^}!$][^}$]*)\}")
"""`${Name}` or `${Res.Attr}` (a name never holds `$`: each match attempt stops at the
next `$`, so a template of many unclosed `${` costs linear time)."""
_UNRESOLVED = object()


def is_template(doc: Val | None) -> bool:
    """True when a document is recognisably CloudFormation."""
    if doc is None or not isinstance(doc.value, dict):
        return False
    if "AWSTemplateFormatVersion" in doc.value:
        return True
    resources = doc.get("Resources")
    if resources is None or not isinstance(resources.value, dict):
        return False
    for res in resources.value.values():
        rtype = res.get("Type")
        if rtype is not None and isinstance(rtype.value, str) and rtype.value.startswith(
                ("AWS::", "Alexa::", "Custom::")):
            return True
    return False


REGION_TYPE = "AWS::Region"
"""The pseudo-resource that carries a region fixed by the template's `Rules` (a data entry)."""


def mentions_template(text: str) -> bool:
    """A cheap test for text that looks like CloudFormation (for broken files)."""
    return "AWSTemplateFormatVersion" in text or ("Resources" in text and "AWS::" in text)


def build_unit(doc: Val, path: str) -> Unit:
    """Evaluate a template document into a `Unit` of raw resources (with the stacks it
    imports from and its nested stacks: `stacks.py`)."""
    from vpcsec_lint.cloudformation.stacks import Stacks

    unit = Unit("cloudformation", path, files=[path])
    template = _Template(doc, path, unit, stacks=Stacks(unit, path))
    template.run()
    return unit


class _Template:
    def __init__(self, doc: Val, path: str, unit: Unit, prefix: str = "",
                 inputs: dict[str, Val] | None = None, stacks: Stacks | None = None) -> None:
        self.doc = doc
        self.path = path
        self.unit = unit
        self.prefix = prefix
        """Joined to another template's unit: `NetworkStack/` (exports) or `Network.` (nested)."""
        self.inputs = inputs
        """A nested stack's `Parameters`, as its parent resolved them."""
        self.stacks = stacks
        self.parameters = _mapping(doc.get("Parameters"))
        self.mappings = _mapping(doc.get("Mappings"))
        self.conditions = _mapping(doc.get("Conditions"))
        self.resources = _mapping(doc.get("Resources"))
        self.globals = _mapping(_mapping(doc.get("Globals")).get("Function"))
        self._conditions: dict[str, Any] = {}
        self._props: dict[str, Any] = {}
        self._settling = False
        self.sizer = Sizer()

    def budget(self, code: str, loc: Location | None, what: str = "") -> None:
        self.unit.notices.append(budget_notice(code, loc, self.path, what))

    def settle(self) -> None:
        """Every condition, then every resource's properties, each after what it refers to."""
        self._settling = True
        try:
            graph = {name: list(_references(body, "Condition")) for name, body
                     in self.conditions.items()}
            for name in dependency_order(graph):
                self._condition(name)
            graph = {lid: list(_references(res, "Resources")) for lid, res
                     in self.resources.items()}
            for logical_id in dependency_order(graph):
                if logical_id not in self._props:
                    self._properties(logical_id)
        finally:
            self._settling = False

    def run(self, joined: bool = False) -> None:
        metadata = self.doc.get("Metadata")
        if not joined:
            self.unit.template_metadata = metadata
        self.settle()
        unit_nodes = 0
        for logical_id, res in self.resources.items():
            rtype = res.get("Type") if isinstance(res.value, dict) else None
            if rtype is None or not isinstance(rtype.value, str):
                # `Fn::ForEach::*`, Rain modules and broken entries: nothing we can model,
                # and the rest of the template is still analysed.
                continue
            condition = res.get("Condition")
            if condition is not None and isinstance(condition.value, str):
                if self.condition(condition.value) is False:
                    continue
            props = self.properties(logical_id)
            unit_nodes += self.sizer.measure(props)[0]
            if unit_nodes > budgets.UNIT_NODES:
                self.budget("unit-nodes", res.loc, logical_id)
                props = Val({k: Val(UNKNOWN, v.loc) for k, v in props.value.items()}, props.loc)
            self.unit.resources.append(RawResource(
                "cloudformation", rtype.value, self.prefix + logical_id, props,
                res.loc or Location(self.path, 1), metadata=res.get("Metadata")))
            if rtype.value == "AWS::CloudFormation::Stack" and self.stacks is not None:
                self.stacks.nested(self, logical_id)
        region = self.fixed_region()
        if region is not None and not self.prefix:  # a pulled-in template's region is not ours
            self.unit.resources.append(RawResource(
                "cloudformation", REGION_TYPE, REGION_TYPE, region,
                region.loc or Location(self.path, 1), is_data=True))

    def fixed_region(self) -> Val | None:
        """The region a template's `Rules` insist on (an unconditional assertion that
        `AWS::Region` equals a literal), else None: a template deploys to any region."""
        for rule in _mapping(self.doc.get("Rules")).values():
            if not isinstance(rule.value, dict) or rule.get("RuleCondition") is not None:
                continue
            assertions = rule.get("Assertions")
            for assertion in (assertions.items() if assertions is not None else []):
                check = assertion.get("Assert") if isinstance(assertion.value, dict) else None
                equals = check.get("Fn::Equals") if check is not None else None
                items = equals.items() if equals is not None else []
                if len(items) != 2:
                    continue
                for one, other in (items, items[::-1]):
                    ref = one.get("Ref") if isinstance(one.value, dict) else None
                    if ref is not None and ref.value == "AWS::Region" \
                            and isinstance(other.value, str):
                        return Val(other.value, other.loc)
        return None

    # -- resources -----------------------------------------------------------

    def properties(self, logical_id: str) -> Val:
        cached = self._props.get(logical_id)
        if cached is _UNRESOLVED or (cached is None and self._settling):
            return Val(UNKNOWN)  # a cycle
        if cached is not None:
            return cached
        return self._properties(logical_id)

    def _properties(self, logical_id: str) -> Val:
        self._props[logical_id] = _UNRESOLVED
        res = self.resources[logical_id]
        props = res.get("Properties")
        if props is None:
            props = Val({}, res.loc)
        value = self.resolve(props)
        if not isinstance(value.value, dict):
            value = Val({}, props.loc)
        rtype = res.get("Type")
        if rtype is not None and rtype.value == "AWS::Serverless::Function" and self.globals:
            for key, gval in self.globals.items():
                if key not in value.value:
                    value.value[key] = self.resolve(gval)
        total = 0
        for key, member in list(value.value.items()):  # each property, then all together
            code = self.sizer.check(member)
            if code is None and total <= budgets.VALUE_NODES:
                total += self.sizer.measure(member)[0]
                if total > budgets.VALUE_NODES:
                    code = "value-nodes"
            if code is not None:
                self.budget(code, member.loc or res.loc, f"{logical_id}.{key}")
                value.value[key] = Val(UNKNOWN, member.loc)
        self._props[logical_id] = value
        return value

    # -- intrinsics ----------------------------------------------------------

    def resolve(self, val: Val) -> Val:
        try:
            return self._resolve(val, 0)
        except RecursionError:  # not expected: `EXPRESSION_DEPTH` stops well before
            self.budget("expression-depth", val.loc)
            return Val(UNKNOWN, val.loc)

    def _resolve(self, val: Val, depth: int) -> Val:
        if depth > budgets.EXPRESSION_DEPTH:
            self.budget("expression-depth", val.loc)
            return Val(UNKNOWN, val.loc)
        value = val.value
        if isinstance(value, dict):
            if len(value) == 1:
                (name, arg), = value.items()
                if name == "Ref" or name.startswith("Fn::"):
                    return self._intrinsic(name, arg, val.loc, depth)
            out = {}
            for key, item in value.items():
                resolved = self._resolve(item, depth + 1)
                if resolved is not _NO_VALUE:
                    out[key] = resolved
            return Val(out, val.loc)
        if isinstance(value, list):
            items = [self._resolve(item, depth + 1) for item in value]
            return Val([i for i in items if i is not _NO_VALUE], val.loc)
        return val

    def _intrinsic(self, name: str, arg: Val, loc: Location | None, depth: int) -> Val:
        if name == "Ref":
            return self.ref(arg, loc)
        if name == "Fn::GetAtt":
            return self.get_att(arg, loc)
        if name == "Fn::If":
            return self.fn_if(arg, loc, depth)
        if name == "Fn::Sub":
            return self.sub(arg, loc, depth)
        args = self._resolve(arg, depth + 1)
        if name == "Fn::Join":
            try:
                return _join(args, loc)
            except BudgetExceeded as exc:
                self.budget(exc.code, loc, name)
                return Val(UNKNOWN, loc)
        if name == "Fn::Select":
            return _select(args, loc)
        if name == "Fn::Split":
            return _split(args, loc)
        if name == "Fn::FindInMap":
            return self.find_in_map(args, loc)
        if name == "Fn::ToJsonString" and args.known:
            return Val(args.value, loc)
        if name == "Fn::ImportValue" and self.stacks is not None:
            return self.stacks.import_value(args, loc)
        return Val(UNKNOWN, loc)

    def ref(self, arg: Val, loc: Location | None) -> Val:
        name = arg.value
        if not isinstance(name, str):
            return Val(UNKNOWN, loc)
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.parameters:
            return self.parameter(name, loc)
        if name in self.resources:
            return Val(UNKNOWN, loc, ref=(self.prefix + name, "Ref"))
        return Val(UNKNOWN, loc)

    def parameter(self, name: str, loc: Location | None) -> Val:
        param = self.parameters[name]
        symbol = f"param:{self.prefix}{name}"
        if self.inputs is not None and name in self.inputs:  # bound by the parent stack
            bound = self.inputs[name]
            return Val(bound.value, loc, (*((bound.loc,) if bound.loc else ()), *bound.origins),
                       bound.ref, bound.symbol or symbol, bound.alternatives)
        ptype = param.get("Type")
        default = param.get("Default")
        if default is None or (ptype is not None and isinstance(ptype.value, str)
                               and ptype.value.startswith("AWS::SSM::Parameter::Value")):
            return Val(UNKNOWN, loc, symbol=symbol)
        value = default.value
        if ptype is not None and isinstance(ptype.value, str) and isinstance(value, str) and (
                ptype.value == "CommaDelimitedList" or ptype.value.startswith("List<")):
            value = [Val(part.strip(), default.loc) for part in value.split(",")]
        if isinstance(value, (dict, list)) and not all(
                isinstance(v, Val) for v in (value.values() if isinstance(value, dict)
                                             else value)):
            return Val(UNKNOWN, loc, symbol=symbol)
        return Val(value, loc, (default.loc,) if default.loc else (), None, symbol)

    def get_att(self, arg: Val, loc: Location | None) -> Val:
        parts = arg.value
        if isinstance(parts, str):
            parts = [Val(p) for p in parts.split(".", 1)]
        if not isinstance(parts, list) or len(parts) != 2:
            return Val(UNKNOWN, loc)
        logical_id, attr = parts[0].value, parts[1].value
        if not isinstance(logical_id, str) or not isinstance(attr, str):
            return Val(UNKNOWN, loc)
        ref = (self.prefix + logical_id, attr)
        if logical_id not in self.resources:
            return Val(UNKNOWN, loc, ref=ref)
        if attr.startswith("Outputs.") and self.stacks is not None and _type_of(
                self.resources[logical_id]) == "AWS::CloudFormation::Stack":
            return self.stacks.nested_output(self, logical_id, attr[len("Outputs."):], loc)
        props = self.properties(logical_id)
        member = props.get(attr) if isinstance(props.value, dict) else None
        if member is None:
            return Val(UNKNOWN, loc, ref=ref)
        return Val(member.value, loc, (member.loc,) if member.loc else (), ref, member.symbol,
                   member.alternatives)

    def fn_if(self, arg: Val, loc: Location | None, depth: int) -> Val:
        parts = arg.value
        if not isinstance(parts, list) or len(parts) != 3 or not isinstance(parts[0].value, str):
            return Val(UNKNOWN, loc)
        state = self.condition(parts[0].value)
        if state is True:
            return self._resolve(parts[1], depth + 1)
        if state is False:
            return self._resolve(parts[2], depth + 1)
        alts = tuple(a for a in (self._resolve(parts[1], depth + 1),
                                 self._resolve(parts[2], depth + 1)) if a is not _NO_VALUE)
        return Val(UNKNOWN, loc, alternatives=alts)

    def sub(self, arg: Val, loc: Location | None, depth: int) -> Val:
        text, variables = arg, {}
        if isinstance(arg.value, list) and arg.value:
            text = arg.value[0]
            if len(arg.value) > 1 and isinstance(arg.value[1].value, dict):
                variables = {k: self._resolve(v, depth + 1) for k, v in arg.value[1].value.items()}
        if not isinstance(text.value, str):
            return Val(UNKNOWN, loc)
        template = text.value
        whole = _SUB_VAR.fullmatch(template)
        if whole and whole.group(1) not in variables:
            name = whole.group(1)
            return self._sub_name(name, loc)
        unknown = False
        origins: list[Location] = []
        evaluated: list[Val] = []
        length = len(template)

        def replace(match: re.Match[str]) -> str:
            nonlocal unknown
            name = match.group(1)
            val = variables.get(name) or self._sub_name(name, loc)
            evaluated.append(val)
            if isinstance(val.value, (str, int, float)) and not isinstance(val.value, bool):
                origins.extend(val.origins)
                return str(val.value)
            unknown = True
            return match.group(0)

        def replace_bounded(match: re.Match[str]) -> str:
            nonlocal length
            text = replace(match)
            length += len(text)
            if length > budgets.STRING_CHARS:
                raise BudgetExceeded("string-size")
            return text

        try:
            result = _SUB_VAR.sub(replace_bounded, template).replace("${!", "${")
        except BudgetExceeded as exc:
            self.budget(exc.code, loc, "Fn::Sub")
            return Val(UNKNOWN, loc)
        parts = referring_parts(evaluated)
        if unknown:
            return Val(UNKNOWN, loc, merge_origins(origins), partial=result, parts=parts)
        return Val(result, loc, merge_origins(origins), parts=parts)

    def _sub_name(self, name: str, loc: Location | None) -> Val:
        if "." in name:
            logical_id, attr = name.split(".", 1)
            return self.get_att(Val([Val(logical_id), Val(attr)]), loc)
        return self.ref(Val(name), loc)

    def find_in_map(self, args: Val, loc: Location | None) -> Val:
        parts = args.value
        if not isinstance(parts, list) or len(parts) < 3:
            return Val(UNKNOWN, loc)
        names = [p.value for p in parts[:3]]
        if not all(isinstance(n, (str, int)) for n in names):
            return Val(UNKNOWN, loc)
        node = self.mappings.get(str(names[0]))
        for name in names[1:]:
            node = node.get(str(name)) if node is not None else None
        if node is None:
            if len(parts) > 3 and isinstance(parts[3].value, dict):
                default = parts[3].get("DefaultValue")
                if default is not None:
                    return self.resolve(default)
            return Val(UNKNOWN, loc)
        resolved = self.resolve(node)
        return Val(resolved.value, loc, (node.loc,) if node.loc else (), resolved.ref,
                   resolved.symbol)

    # -- conditions ----------------------------------------------------------

    def condition(self, name: str) -> Any:
        """True, False, or UNKNOWN."""
        if name in self._conditions:
            state = self._conditions[name]
            return UNKNOWN if state is _UNRESOLVED else state
        if self._settling and name in self.conditions:
            return UNKNOWN  # a cycle
        return self._condition(name)

    def _condition(self, name: str) -> Any:
        self._conditions[name] = _UNRESOLVED
        body = self.conditions.get(name)
        state = self._condition_value(body, 0) if body is not None else UNKNOWN
        self._conditions[name] = state
        return state

    def _condition_value(self, val: Val, depth: int) -> Any:
        if depth > 100 or not isinstance(val.value, dict) or len(val.value) != 1:
            return UNKNOWN
        (name, arg), = val.value.items()
        if name == "Condition" and isinstance(arg.value, str):
            return self.condition(arg.value)
        items = arg.value if isinstance(arg.value, list) else None
        if items is None:
            return UNKNOWN
        if name == "Fn::Equals" and len(items) == 2:
            a, b = (self.resolve(items[0]), self.resolve(items[1]))
            if a.known and b.known and not isinstance(a.value, (dict, list)) \
                    and not isinstance(b.value, (dict, list)):
                return str(a.value).lower() == str(b.value).lower() if isinstance(
                    a.value, bool) or isinstance(b.value, bool) else a.value == b.value
            return UNKNOWN
        states = [self._condition_value(i, depth + 1) for i in items]
        if name == "Fn::Not" and len(states) == 1:
            return UNKNOWN if states[0] is UNKNOWN else not states[0]
        if name == "Fn::And":
            if any(s is False for s in states):
                return False
            return True if all(s is True for s in states) else UNKNOWN
        if name == "Fn::Or":
            if any(s is True for s in states):
                return True
            return False if all(s is False for s in states) else UNKNOWN
        return UNKNOWN


def _type_of(res: Val) -> object:
    rtype = res.get("Type") if isinstance(res.value, dict) else None
    return rtype.value if rtype is not None else None


def _mapping(val: Val | None) -> dict[str, Val]:
    if val is not None and isinstance(val.value, dict):
        return val.value
    return {}


def _join(args: Val, loc: Location | None) -> Val:
    parts = args.value
    if not isinstance(parts, list) or len(parts) != 2 or not isinstance(parts[0].value, str) \
            or not isinstance(parts[1].value, list):
        return Val(UNKNOWN, loc)
    texts = []
    unknown = False
    length = 0
    for item in parts[1].value:
        if item.value is UNKNOWN and not item.alternatives:
            unknown = True  # keep the known text: `partial` shows `${...}` for this part
            texts.append(item.partial if item.partial is not None else "${...}")
            continue
        if not isinstance(item.value, (str, int, float)) or isinstance(item.value, bool):
            return Val(UNKNOWN, loc)
        texts.append(str(item.value))
        length += len(texts[-1]) + len(parts[0].value)
        if length > budgets.STRING_CHARS:
            raise BudgetExceeded("string-size")
    referring = referring_parts(parts[1].value)
    if unknown:
        return Val(UNKNOWN, loc, partial=parts[0].value.join(texts), parts=referring)
    return Val(parts[0].value.join(texts), loc, parts=referring)


def _select(args: Val, loc: Location | None) -> Val:
    parts = args.value
    if not isinstance(parts, list) or len(parts) != 2:
        return Val(UNKNOWN, loc)
    try:
        index = int(parts[0].value)
    except (TypeError, ValueError):
        return Val(UNKNOWN, loc)
    items = parts[1].value
    if isinstance(items, list) and 0 <= index < len(items):
        item = items[index]
        return Val(item.value, loc, item.origins, item.ref, item.symbol, item.alternatives)
    return Val(UNKNOWN, loc, ref=parts[1].ref)  # an item of `!GetAtt X.List` keeps its shape


def _split(args: Val, loc: Location | None) -> Val:
    parts = args.value
    if isinstance(parts, list) and len(parts) == 2 and isinstance(parts[0].value, str) \
            and isinstance(parts[1].value, str) and parts[0].value:
        return Val([Val(p, loc) for p in parts[1].value.split(parts[0].value)], loc)
    return Val(UNKNOWN, loc)


def _references(val: Val, kind: str) -> set[str]:
    """The names a template value refers to: resources (`Ref`, `Fn::GetAtt`, `Fn::Sub`)
    when `kind` is "Resources", conditions (`Condition`) when it is "Condition"."""
    out: set[str] = set()
    stack = [val]
    while stack:
        item = stack.pop()
        value = item.value
        if isinstance(value, list):
            stack.extend(value)
            continue
        if not isinstance(value, dict):
            continue
        stack.extend(value.values())
        if len(value) != 1:
            continue
        (name, arg), = value.items()
        if kind == "Condition":
            if name == "Condition" and isinstance(arg.value, str):
                out.add(arg.value)
        elif name == "Ref" and isinstance(arg.value, str):
            out.add(arg.value)
        elif name == "Fn::GetAtt":
            first = arg.value[0].value if isinstance(arg.value, list) and arg.value else arg.value
            if isinstance(first, str):
                out.add(first.split(".", 1)[0])
        elif name == "Fn::Sub":
            text = arg.value[0].value if isinstance(arg.value, list) and arg.value else arg.value
            if isinstance(text, str):
                out.update(m.group(1).split(".", 1)[0] for m in _SUB_VAR.finditer(text))
    return out
