"""Evaluate a Terraform module statically.

Known: literals, variable defaults and tfvars, module inputs, locals, string
templates with known parts, the functions in `functions.py`, `file()` under
the module, and the arguments of resources defined in the analysed files.
Everything else is `UNKNOWN`, but references keep their shape in `Val.ref`
(`aws_vpc.main.cidr_block` -> `("aws_vpc.main", "cidr_block")`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from vpcsec_lint.raw import RawResource
from vpcsec_lint.terraform.functions import FUNCTIONS
from vpcsec_lint.terraform.syntax import (
    Attribute,
    BinaryOp,
    Block,
    Body,
    Call,
    Conditional,
    Expr,
    GetAttr,
    Index,
    Literal,
    ObjectExpr,
    Splat,
    Template,
    Traversal,
    TupleExpr,
    UnaryOp,
)
from vpcsec_lint.values import UNKNOWN, Location, Val

NON_RESOURCE_ROOTS = {"var", "local", "module", "data", "each", "count", "self", "path",
                      "terraform", "provider"}
MAX_FILE_FUNCTION_BYTES = 1_000_000
MAX_MODULE_DEPTH = 8
_IN_PROGRESS = object()


@dataclass
class ModuleSource:
    """The parsed files of one module directory."""

    directory: str
    bodies: list[tuple[str, Body]] = field(default_factory=list)
    tfvars: list[tuple[str, Body]] = field(default_factory=list)


ModuleLoader = Callable[[str], "ModuleSource | None"]


class Module:
    """One instance of a module: the root, or a local module call with its inputs bound."""

    def __init__(self, source: ModuleSource, loader: ModuleLoader, prefix: str = "",
                 inputs: dict[str, Val] | None = None, call_sites: tuple[Location, ...] = (),
                 root_dir: str | None = None, depth: int = 0,
                 extra_tfvars: list[tuple[str, Body]] | None = None) -> None:
        self.source = source
        self.loader = loader
        self.prefix = prefix
        self.inputs = inputs
        self.call_sites = call_sites
        self.root_dir = root_dir or source.directory
        self.depth = depth
        self.variables: dict[str, Block] = {}
        self.locals: dict[str, Attribute] = {}
        self.resources: dict[str, Block] = {}
        self.data: dict[str, Block] = {}
        self.module_calls: dict[str, Block] = {}
        self.outputs: dict[str, Attribute] = {}
        self.tfvars: dict[str, Attribute] = {}
        self.providers: dict[str, Block] = {}
        """Provider configurations written in this module: `aws`, `aws.west` (by alias)."""
        self.inherited: dict[str, RawResource] = {}
        """Provider configurations this instance receives from its caller, by local name."""
        self._memo: dict[str, object] = {}
        self._children: dict[str, Module | None] = {}
        self._collect(extra_tfvars or [])

    # -- collection ----------------------------------------------------------

    def _collect(self, extra_tfvars: list[tuple[str, Body]]) -> None:
        ordinary = [(p, b) for p, b in self.source.bodies if not _is_override(p)]
        overrides = [(p, b) for p, b in self.source.bodies if _is_override(p)]
        for _path, body in ordinary:
            for block in body.blocks:
                self._add_block(block)
        for _path, body in overrides:
            for block in body.blocks:
                self._apply_override(block)
        if self.inputs is None:
            for _path, body in [*self.source.tfvars, *extra_tfvars]:
                self.tfvars.update(body.attributes)

    def _add_block(self, block: Block) -> None:
        kind, labels = block.type, block.labels
        if kind == "variable" and len(labels) == 1:
            self.variables.setdefault(labels[0], block)
        elif kind == "locals":
            for name, attr in block.body.attributes.items():
                self.locals.setdefault(name, attr)
        elif kind == "resource" and len(labels) == 2:
            self.resources.setdefault(f"{labels[0]}.{labels[1]}", block)
        elif kind == "data" and len(labels) == 2:
            self.data.setdefault(f"data.{labels[0]}.{labels[1]}", block)
        elif kind == "module" and len(labels) == 1:
            self.module_calls.setdefault(labels[0], block)
        elif kind == "output" and len(labels) == 1 and "value" in block.body.attributes:
            self.outputs.setdefault(labels[0], block.body.attributes["value"])
        elif kind == "provider" and len(labels) == 1:
            alias = block.body.attributes.get("alias")
            alias_val = self.eval(alias.expr) if alias is not None else None
            if alias_val is not None and not isinstance(alias_val.value, str):
                return
            key = labels[0] + (f".{alias_val.value}" if alias_val is not None else "")
            self.providers.setdefault(key, block)

    def _apply_override(self, block: Block) -> None:
        if block.type == "resource" and len(block.labels) == 2:
            target = self.resources.get(f"{block.labels[0]}.{block.labels[1]}")
        elif block.type == "locals":
            self.locals.update(block.body.attributes)
            return
        else:
            target = None
        if target is None:
            self._add_block(block)
            return
        target.body.attributes.update(block.body.attributes)
        replaced = {b.type for b in block.body.blocks}
        target.body.blocks = [b for b in target.body.blocks if b.type not in replaced]
        target.body.blocks.extend(block.body.blocks)

    # -- public --------------------------------------------------------------

    def provider_configs(self) -> dict[str, RawResource]:
        """The provider configurations resources of this instance use, by local name.

        Each is a `RawResource` of type `provider` (a data entry: no rule sees it
        as a resource) at `<prefix>provider.<name>`; a child module's come from
        its caller (`providers = {...}`, else the caller's default ones).
        """
        out = dict(self.inherited)
        for key, block in self.providers.items():
            out[key] = RawResource("terraform", "provider", f"{self.prefix}provider.{key}",
                                   self.block_value("provider." + key, block), block.loc,
                                   is_data=True, call_sites=self.call_sites)
        return out

    def raw_resources(self) -> list[RawResource]:
        """Every resource and data source of this module and its local children."""
        out: list[RawResource] = []
        configs = self.provider_configs()
        for key, config in configs.items():
            address = f"{self.prefix}provider.{key}"
            out.append(config if config.address == address else RawResource(
                "terraform", "provider", address, config.body, config.loc, is_data=True,
                call_sites=self.call_sites))
        for address, block in self.resources.items():
            if self._has_no_instances(block):
                continue
            out.append(RawResource("terraform", block.labels[0], self.prefix + address,
                                   self.block_value(address, block), block.loc,
                                   call_sites=self.call_sites))
        for address, block in self.data.items():
            out.append(RawResource("terraform", block.labels[0], self.prefix + address,
                                   self.block_value(address, block), block.loc, is_data=True,
                                   call_sites=self.call_sites))
        for name in self.module_calls:
            child = self.child(name)
            if child is not None:
                out.extend(child.raw_resources())
        return out

    def child(self, name: str) -> Module | None:
        """The local module called `name`, evaluated with its inputs, or None."""
        if name in self._children:
            return self._children[name]
        self._children[name] = None
        block = self.module_calls[name]
        source_attr = block.body.attributes.get("source")
        source = self.eval(source_attr.expr) if source_attr else None
        result = None
        if (source is not None and isinstance(source.value, str)
                and source.value.startswith(("./", "../")) and self.depth < MAX_MODULE_DEPTH
                and not self._has_no_instances(block)):
            directory = os.path.normpath(os.path.join(self.source.directory, source.value))
            loaded = self.loader(directory)
            if loaded is not None:
                inputs = {k: self.eval(a.expr, loc=a.loc) for k, a in block.body.attributes.items()
                          if k not in {"source", "version", "count", "for_each", "providers",
                                       "depends_on"}}
                result = Module(loaded, self.loader, f"{self.prefix}module.{name}.", inputs,
                                (*self.call_sites, block.loc), self.root_dir, self.depth + 1)
                result.inherited = self._passed_providers(block)
        self._children[name] = result
        return result

    def _passed_providers(self, block: Block) -> dict[str, RawResource]:
        """The provider configurations a module call hands to its child, by the child's names."""
        configs = self.provider_configs()
        attr = block.body.attributes.get("providers")
        if attr is None:  # the caller's default (unaliased) configurations are inherited
            return {k: v for k, v in configs.items() if "." not in k}
        passed = self.eval(attr.expr)
        out: dict[str, RawResource] = {}
        if isinstance(passed.value, dict):
            for child_name, val in passed.value.items():
                name = val.ref[0][len(self.prefix):] if val.ref else None
                if name in configs:
                    out[child_name] = configs[name]
        return out

    def _has_no_instances(self, block: Block) -> bool:
        attrs = block.body.attributes
        if "count" in attrs:
            count = self.eval(attrs["count"].expr)
            return count.value == 0 and not isinstance(count.value, bool)
        if "for_each" in attrs:
            each = self.eval(attrs["for_each"].expr)
            return isinstance(each.value, (list, dict)) and len(each.value) == 0
        return False

    # -- resource bodies -----------------------------------------------------

    def block_value(self, address: str, block: Block) -> Val:
        memo_key = "block:" + address
        cached = self._memo.get(memo_key)
        if cached is _IN_PROGRESS:
            return Val(UNKNOWN, block.loc)
        if cached is not None:
            return cached  # type: ignore[return-value]
        self._memo[memo_key] = _IN_PROGRESS
        env = {"each": Val(UNKNOWN), "count": Val(UNKNOWN), "self": Val(UNKNOWN)}
        value = self.body_value(block.body, block.loc, env)
        self._memo[memo_key] = value
        return value

    def body_value(self, body: Body, loc: Location, env: dict[str, Val]) -> Val:
        out: dict[str, Val] = {}
        for name, attr in body.attributes.items():
            out[name] = self.eval(attr.expr, env, loc=attr.loc)
        for block in body.blocks:
            if block.type == "dynamic" and block.labels:
                name = block.labels[0]
                iterator = name
                it_attr = block.body.attributes.get("iterator")
                if it_attr is not None and isinstance(it_attr.expr, Traversal):
                    iterator = it_attr.expr.root
                content = next((b for b in block.body.blocks if b.type == "content"), None)
                if content is None:
                    continue
                inner_env = {**env, iterator: Val(UNKNOWN)}
                item = self.body_value(content.body, block.loc, inner_env)
                item.symbol = "dynamic"
                out.setdefault(name, Val([], block.loc)).value.append(item)
                continue
            if block.type in {"lifecycle", "provisioner", "connection"}:
                continue
            item = self.body_value(block.body, block.loc, env)
            existing = out.get(block.type)
            if existing is None or not isinstance(existing.value, list):
                existing = out[block.type] = Val([], block.loc)
            existing.value.append(item)
        return Val(out, loc)

    # -- expressions ---------------------------------------------------------

    def eval(self, expr: Expr, env: dict[str, Val] | None = None,
             loc: Location | None = None) -> Val:
        """Evaluate `expr`; `loc` (the attribute's span) replaces the expression's location."""
        try:
            val = self._eval(expr, env or {})
        except RecursionError:
            val = Val(UNKNOWN)
        if loc is not None:
            val = Val(val.value, loc, val.origins, val.ref, val.symbol, val.alternatives,
                      val.partial)
        return val

    def _eval(self, expr: Expr, env: dict[str, Val]) -> Val:
        if isinstance(expr, Literal):
            return Val(expr.value, expr.loc)
        if isinstance(expr, Template):
            return self._template(expr, env)
        if isinstance(expr, Traversal):
            return self._traversal(expr, env)
        if isinstance(expr, TupleExpr):
            return Val([self._eval(item, env) for item in expr.items], expr.loc)
        if isinstance(expr, ObjectExpr):
            return self._object(expr, env)
        if isinstance(expr, Call):
            return self._call(expr, env)
        if isinstance(expr, Conditional):
            cond = self._eval(expr.cond, env)
            if cond.value is True:
                return self._eval(expr.true, env)
            if cond.value is False:
                return self._eval(expr.false, env)
            alts = (self._eval(expr.true, env), self._eval(expr.false, env))
            return Val(UNKNOWN, expr.loc, alternatives=alts)
        if isinstance(expr, BinaryOp):
            return self._binary(expr, env)
        if isinstance(expr, UnaryOp):
            operand = self._eval(expr.operand, env)
            if expr.op == "-" and isinstance(operand.value, (int, float)) \
                    and not isinstance(operand.value, bool):
                return Val(-operand.value, expr.loc)
            if expr.op == "!" and isinstance(operand.value, bool):
                return Val(not operand.value, expr.loc)
            return Val(UNKNOWN, expr.loc)
        if isinstance(expr, Splat):
            source = self._eval(expr.source, env)
            return Val(UNKNOWN, expr.loc, ref=source.ref)
        return Val(UNKNOWN, getattr(expr, "loc", None))

    def _template(self, expr: Template, env: dict[str, Val]) -> Val:
        pieces: list[str] = []
        origins: list[Location] = []
        symbol = None
        unknown = False
        for part in expr.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            val = self._eval(part, env)
            origins.extend(val.origins)
            if val.value is UNKNOWN or isinstance(val.value, (list, dict)):
                if len(expr.parts) == 1:
                    return Val(UNKNOWN, expr.loc, tuple(origins), val.ref)
                unknown = True  # keep the known text: `partial` shows `${...}` for this part
                pieces.append(val.partial if val.partial is not None else "${...}")
                continue
            symbol = symbol or val.symbol
            pieces.append(_to_text(val.value))
        if unknown:
            return Val(UNKNOWN, expr.loc, tuple(origins), partial="".join(pieces))
        return Val("".join(pieces), expr.loc, tuple(origins))

    def _object(self, expr: ObjectExpr, env: dict[str, Val]) -> Val:
        out: dict[str, Val] = {}
        for key_expr, value_expr in expr.items:
            key = self._eval(key_expr, env)
            if not isinstance(key.value, (str, int, float)) or isinstance(key.value, bool):
                return Val(UNKNOWN, expr.loc)
            out[str(key.value)] = self._eval(value_expr, env)
        return Val(out, expr.loc)

    def _call(self, expr: Call, env: dict[str, Val]) -> Val:
        args = [self._eval(a, env) for a in expr.args]
        if expr.expand_final:
            return Val(UNKNOWN, expr.loc)
        if expr.name == "file" and len(args) == 1:
            return self._file(args[0], expr.loc)
        fn = FUNCTIONS.get(expr.name)
        if fn is None:
            return Val(UNKNOWN, expr.loc)
        result = fn(args, expr.loc)
        if result.loc is None:
            result.loc = expr.loc
        return result

    def _file(self, arg: Val, loc: Location) -> Val:
        if not isinstance(arg.value, str):
            return Val(UNKNOWN, loc)
        path = arg.value
        if not os.path.isabs(path):
            path = os.path.join(self.root_dir, path)
        try:
            if os.path.getsize(path) > MAX_FILE_FUNCTION_BYTES:
                return Val(UNKNOWN, loc)
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError, ValueError):
            return Val(UNKNOWN, loc)
        return Val(text, loc, (Location(path, 1, 1),))

    def _binary(self, expr: BinaryOp, env: dict[str, Val]) -> Val:
        left, right = self._eval(expr.left, env), self._eval(expr.right, env)
        a, b = left.value, right.value
        if a is UNKNOWN or b is UNKNOWN:
            return Val(UNKNOWN, expr.loc)
        try:
            if expr.op == "==":
                return Val(a == b, expr.loc)
            if expr.op == "!=":
                return Val(a != b, expr.loc)
            if expr.op == "&&" and isinstance(a, bool) and isinstance(b, bool):
                return Val(a and b, expr.loc)
            if expr.op == "||" and isinstance(a, bool) and isinstance(b, bool):
                return Val(a or b, expr.loc)
            numbers = isinstance(a, (int, float)) and isinstance(b, (int, float))
            if numbers and expr.op in _ARITH:
                return Val(_ARITH[expr.op](a, b), expr.loc)
        except (ArithmeticError, TypeError, ValueError):
            pass
        return Val(UNKNOWN, expr.loc)

    def _traversal(self, expr: Traversal, env: dict[str, Val]) -> Val:
        root, steps = expr.root, expr.steps
        names = [s.name for s in steps if isinstance(s, GetAttr)]
        if root in env:
            return self._apply_steps(env[root], steps, env, expr.loc)
        if root == "var" and names:
            return self._apply_steps(self._variable(names[0], expr.loc), steps[1:], env, expr.loc)
        if root == "local" and names:
            return self._apply_steps(self._local(names[0], expr.loc), steps[1:], env, expr.loc)
        if root == "path" and names:
            # Relative to the root module, as Terraform gives them (`file()` joins the root).
            if names[0] == "module":
                return Val(os.path.relpath(self.source.directory, self.root_dir), expr.loc)
            if names[0] == "root":
                return Val(".", expr.loc)
            return Val(UNKNOWN, expr.loc)
        if root == "module" and names:
            return self._module_output(names, steps, env, expr.loc)
        if root == "data" and len(names) >= 2:
            address = f"data.{names[0]}.{names[1]}"
            attr = _first_attr_after(steps, 2)
            ref = (self.prefix + address, attr) if attr else (self.prefix + address, "")
            return Val(UNKNOWN, expr.loc, ref=ref)
        if root not in NON_RESOURCE_ROOTS and names:
            return self._resource_attr(f"{root}.{names[0]}", steps, expr.loc)
        return Val(UNKNOWN, expr.loc)

    def _apply_steps(self, val: Val, steps: list, env: dict[str, Val], loc: Location) -> Val:
        for step in steps:
            if val.value is UNKNOWN:
                return Val(UNKNOWN, loc, val.origins, symbol=val.symbol)
            if isinstance(step, GetAttr):
                member = val.get(step.name)
            else:
                key = self._eval(step.key, env)
                if isinstance(val.value, list) and isinstance(key.value, int) \
                        and not isinstance(key.value, bool):
                    member = val.value[key.value] if -len(val.value) <= key.value < len(
                        val.value) else None
                elif isinstance(val.value, dict) and isinstance(key.value, str):
                    member = val.value.get(key.value)
                else:
                    member = None
            if member is None:
                return Val(UNKNOWN, loc, val.origins)
            val = Val(member.value, member.loc, (*val.origins, *member.origins), member.ref,
                      member.symbol or val.symbol, member.alternatives, member.partial)
        return Val(val.value, loc, val.origins, val.ref, val.symbol, val.alternatives,
                   val.partial)

    def _variable(self, name: str, loc: Location) -> Val:
        symbol = f"{self.prefix}var.{name}"
        if self.inputs is not None and name in self.inputs:
            bound = self.inputs[name]
            return Val(bound.value, loc, (*bound.origins, *((bound.loc,) if bound.loc else ())),
                       bound.ref, bound.symbol or symbol, bound.alternatives, bound.partial)
        if name in self.tfvars:
            attr = self.tfvars[name]
            val = self.eval(attr.expr)
            return Val(val.value, loc, (attr.loc,), None, symbol, val.alternatives)
        block = self.variables.get(name)
        if block is not None and "default" in block.body.attributes:
            attr = block.body.attributes["default"]
            val = self.eval(attr.expr)
            if val.value is None:
                return Val(UNKNOWN, loc, (attr.loc,), None, symbol)
            return Val(val.value, loc, (attr.loc,), None, symbol, val.alternatives)
        return Val(UNKNOWN, loc, symbol=symbol)

    def _local(self, name: str, loc: Location) -> Val:
        attr = self.locals.get(name)
        if attr is None:
            return Val(UNKNOWN, loc)
        memo_key = "local:" + name
        cached = self._memo.get(memo_key)
        if cached is _IN_PROGRESS:
            return Val(UNKNOWN, loc)
        if cached is None:
            self._memo[memo_key] = _IN_PROGRESS
            cached = self.eval(attr.expr)
            self._memo[memo_key] = cached
        val: Val = cached  # type: ignore[assignment]
        return Val(val.value, loc, (*val.origins, attr.loc), val.ref,
                   val.symbol or f"{self.prefix}local.{name}", val.alternatives, val.partial)

    def _module_output(self, names: list[str], steps: list, env: dict[str, Val],
                       loc: Location) -> Val:
        name = names[0]
        output = names[1] if len(names) > 1 else ""
        ref = (f"{self.prefix}module.{name}", output)
        child = self.child(name) if name in self.module_calls else None
        if child is None or output not in child.outputs:
            return Val(UNKNOWN, loc, ref=ref)
        memo_key = f"output:{name}.{output}"
        cached = self._memo.get(memo_key)
        if cached is _IN_PROGRESS:
            return Val(UNKNOWN, loc, ref=ref)
        if cached is None:
            self._memo[memo_key] = _IN_PROGRESS
            cached = child.eval(child.outputs[output].expr)
            self._memo[memo_key] = cached
        val: Val = cached  # type: ignore[assignment]
        rest = steps[2:] if len(steps) >= 2 else []
        return self._apply_steps(Val(val.value, loc, val.origins, val.ref or ref, val.symbol,
                                     val.alternatives), rest, env, loc)

    def _resource_attr(self, address: str, steps: list, loc: Location) -> Val:
        attr = _first_attr_after(steps, 1)
        ref = (self.prefix + address, attr or "")
        block = self.resources.get(address)
        if block is None or not attr:
            return Val(UNKNOWN, loc, ref=ref)
        body = self.block_value(address, block)
        member = body.get(attr)
        if member is None:
            return Val(UNKNOWN, loc, ref=ref)
        return Val(member.value, loc, (member.loc, *member.origins) if member.loc else (),
                   ref, member.symbol, member.alternatives)


_ARITH: dict[str, Callable] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: a % b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _first_attr_after(steps: list, skip_names: int) -> str | None:
    """The attribute name after the first `skip_names` names, skipping index steps."""
    seen = 0
    for step in steps:
        if isinstance(step, GetAttr):
            if seen == skip_names:
                return step.name
            seen += 1
        elif isinstance(step, Index):
            continue
    return None


def _to_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_override(path: str) -> bool:
    name = os.path.basename(path)
    return name == "override.tf" or name.endswith("_override.tf") \
        or name == "override.tf.json" or name.endswith("_override.tf.json")
