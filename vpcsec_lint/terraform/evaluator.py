"""Evaluate a Terraform module statically.

Known: literals, variable defaults and tfvars, module inputs, locals, string
templates with known parts, the functions in `functions.py`, `file()` of a
regular file inside the analysis root, and the arguments of resources defined
in the analysed files. Everything else is `UNKNOWN`, but references keep their
shape in `Val.ref` (`aws_vpc.main.cidr_block` -> `("aws_vpc.main", "cidr_block")`).

Each module instance is evaluated once, up front, in dependency order (its
resources, data sources and module calls, and the locals, variables and
outputs they need, each after what it refers to), so no chain of references
nests the evaluation: every value is
the same whichever resource asks for it first, and only the nesting of one
expression is bounded (`budgets.EXPRESSION_DEPTH`). Values over a budget
become unknown with a `budget` notice (`budgets.py`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from vpcsec_lint import budgets
from vpcsec_lint.budgets import BudgetExceeded, Sizer, budget_notice
from vpcsec_lint.evaluation_order import dependency_order
from vpcsec_lint.findings import Notice, shown
from vpcsec_lint.raw import RawResource
from vpcsec_lint.records import Record
from vpcsec_lint.sources import inside_root, read_inside_root
from vpcsec_lint.terraform.expansion import (
    Expansion,
    Instance,
    expand,
    meta_argument,
    names_instance,
)
from vpcsec_lint.terraform.functions import FAILED, FUNCTIONS
from vpcsec_lint.terraform.installed_modules import InstalledModules, module_key, not_followed
from vpcsec_lint.terraform.syntax import (
    Attribute,
    BinaryOp,
    Block,
    Body,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    ObjectExpr,
    Opaque,
    Splat,
    Subscript,
    Template,
    Traversal,
    TupleExpr,
    UnaryOp,
)
from vpcsec_lint.values import UNKNOWN, Location, Val, merge_origins, referring_parts

NON_RESOURCE_ROOTS = {"var", "local", "module", "data", "each", "count", "self", "path",
                      "terraform", "provider"}
MAX_FILE_FUNCTION_BYTES = 1_000_000
"""`file()` of a larger file is unknown."""
MAX_MODULE_DEPTH = 8
MAX_UNIT_INSTANCES = 20_000
"""Resource instances of one root module and all its module instances analysed at most."""
"""Local module calls nested deeper than this are not followed."""
_IN_PROGRESS = object()
_NOT_INPUTS = {"source", "version", "count", "for_each", "providers", "depends_on"}


class ModuleSource(Record):
    """The parsed files of one module directory."""

    __slots__ = ("directory", "bodies", "tfvars")

    def __init__(self, directory: str, bodies: list[tuple[str, Body]] | None = None,
                 tfvars: list[tuple[str, Body]] | None = None) -> None:
        self.directory = directory
        self.bodies = [] if bodies is None else bodies
        self.tfvars = [] if tfvars is None else tfvars


ModuleLoader = Callable[[str], "ModuleSource | None"]


class Limits:
    """What all module instances under one root module share: the analysis root (where
    `file()` and module sources may go), the budgets spent and the notices given."""

    def __init__(self, analysis_root: str, where: str,
                 installed: InstalledModules | None = None) -> None:
        self.analysis_root = analysis_root
        self.installed = installed
        """The modules `terraform init` downloaded (`installed_modules.py`)."""
        self.call_arguments: dict[tuple[str, int], dict[str, Location]] = {}
        """`(path, line)` of each followed `module` block -> its arguments' locations."""
        self.resource_instances = 0
        """Resource instances produced so far (bounded by `MAX_UNIT_INSTANCES`)."""
        self.where = where
        """The root module's directory (notices without a better place)."""
        self.notices: list[Notice] = []
        self.sizer = Sizer()
        self.instances = 0
        self.unit_nodes = 0
        self.depth = 0
        """Expressions being evaluated, nested (all instances share one Python stack)."""

    def budget(self, code: str, loc: Location | None, what: str = "") -> None:
        self.notices.append(budget_notice(code, loc, self.where, what))

    def unresolved(self, code: str, loc: Location | None, message: str) -> None:
        self.notices.append(Notice("unresolved", code, loc.path if loc else self.where,
                                   loc.line if loc else 1, message))

    def bounded(self, val: Val, what: str = "") -> Val:
        """`val`, or unknown (with a notice) when it exceeds a value budget."""
        return self.bounded_size(val, what)[0]

    def bounded_size(self, val: Val, what: str = "") -> tuple[Val, int]:
        """`bounded(val)` with the values it holds (`Sizer.measure`), measured once."""
        try:
            return val, self.sizer.measure(val)[0]
        except BudgetExceeded as exc:
            self.budget(exc.code, val.loc, what)
            return Val(UNKNOWN, val.loc, ref=val.ref, symbol=val.symbol), 1


class Module:
    """One instance of a module: the root, or a local module call with its inputs bound."""

    def __init__(self, source: ModuleSource, loader: ModuleLoader, prefix: str = "",
                 inputs: dict[str, Val] | None = None, call_sites: tuple[Location, ...] = (),
                 root_dir: str | None = None, depth: int = 0,
                 extra_tfvars: list[tuple[str, Body]] | None = None,
                 limits: Limits | None = None,
                 inherited: dict[str, RawResource] | None = None) -> None:
        self.source = source
        self.loader = loader
        self.prefix = prefix
        self.inputs = inputs
        self.call_sites = call_sites
        self.root_dir = root_dir or source.directory
        self.depth = depth
        self.limits = limits or Limits(self.root_dir, self.root_dir)
        self.variables: dict[str, Block] = {}
        self.locals: dict[str, Attribute] = {}
        self.resources: dict[str, Block] = {}
        self.data: dict[str, Block] = {}
        self.module_calls: dict[str, Block] = {}
        self.outputs: dict[str, Attribute] = {}
        self.tfvars: dict[str, Attribute] = {}
        self.providers: dict[str, Block] = {}
        """Provider configurations written in this module: `aws`, `aws.west` (by alias)."""
        self.inherited: dict[str, RawResource] = inherited or {}
        """Provider configurations this instance receives from its caller, by local name
        (known before its own module calls are settled: they may pass them on)."""
        self._memo: dict[str, object] = {}
        self._children: dict[str, list[tuple[Instance | None, Module]]] = {}
        self._expansions: dict[str, Expansion | None] = {}
        self._settling = False
        self._collect(extra_tfvars or [])
        self._settle()

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
            # A static name in Terraform (decoded without variables): evaluating anything
            # else here, before the module is settled, would nest unbounded chains.
            alias_val = None if alias is None else \
                Val(alias.expr.value) if isinstance(alias.expr, Literal) else Val(UNKNOWN)
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
        # A merged copy: parsed trees are shared (the parse cache, an editor's other
        # buffers) and must never change.
        replaced = {b.type for b in block.body.blocks}
        body = Body({**target.body.attributes, **block.body.attributes},
                    [*(b for b in target.body.blocks if b.type not in replaced),
                     *block.body.blocks])
        self.resources[f"{block.labels[0]}.{block.labels[1]}"] = Block(
            target.type, target.labels, body, target.loc, target.end_line)

    # -- evaluation order ----------------------------------------------------

    def _settle(self) -> None:
        """Evaluate every named value the analysis needs once, each after the values it
        refers to (`evaluation_order.py`); within a cycle, which Terraform rejects, a
        reference to a value not evaluated yet is unknown, as it always was. A child
        module is settled, its outputs included, when its `module` block is.

        Needed are the blocks (resources, data sources, providers, module calls), a
        child's outputs (its caller reads them) and what they refer to; a variable,
        local or root module output nothing needed refers to is never evaluated (no
        rule reads it: in a large module they are most of the named values).
        """
        graph: dict[str, list[str]] = {}
        for key, block in self.providers.items():  # before the module calls they pass to
            graph["block:provider." + key] = _REFERENCES.of(block.body)
        for address, block in self.resources.items():
            graph["block:" + address] = _REFERENCES.of(block.body)
        for address, block in self.data.items():
            graph["block:" + address] = _REFERENCES.of(block.body)
        for name, block in self.module_calls.items():
            graph["module:" + name] = _REFERENCES.of(block.body)
        for name, attr in self.locals.items():
            graph["local:" + name] = _REFERENCES.of(attr.expr)
        for name, attr in self.outputs.items():
            graph["output:" + name] = _REFERENCES.of(attr.expr)
        for name in {**self.variables, **self.tfvars}:
            expr = self._variable_expr(name)
            graph["var:" + name] = _REFERENCES.of(expr) if expr is not None else []
        needed = [k for k in graph if k.startswith(("block:", "module:"))
                  or (self.inputs is not None and k.startswith("output:"))]
        self._settling = True
        try:
            for key in dependency_order(graph, needed):
                self._evaluate_node(key)
        finally:
            self._settling = False

    def _evaluate_node(self, key: str) -> None:
        kind, name = key.split(":", 1)
        if kind == "block":
            block = self.resources.get(name) or self.data.get(name) \
                or self.providers[name.removeprefix("provider.")]
            expansion = self.expansion(name, block) if name in self.resources else None
            for instance in ([None] if expansion is None else expansion.instances):
                self._block_value(name, block, instance)
        elif kind == "module":
            self.children(name)
        elif kind == "local":
            self._local_value(name)
        elif kind == "output":
            self._memo[key] = _IN_PROGRESS
            self._memo[key] = self.limits.bounded(self.eval(self.outputs[name].expr),
                                                  f"{self.prefix}output.{name}")
        else:
            self._variable_value(name)

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
        """Every resource and data source of this module and its local children.

        A resource with a known `count`/`for_each` gives one resource per instance
        (`aws_subnet.a[0]`, `aws_vpc_endpoint.e["ssm"]`), all at the block's location.
        """
        out: list[RawResource] = []
        configs = self.provider_configs()
        for key, config in configs.items():
            address = f"{self.prefix}provider.{key}"
            out.append(config if config.address == address else RawResource(
                "terraform", "provider", address, config.body, config.loc, is_data=True,
                call_sites=self.call_sites))
        for address, block in self.resources.items():
            expansion = self.expansion(address, block)
            instances = [None] if expansion is None else expansion.instances
            room = MAX_UNIT_INSTANCES - self.limits.resource_instances
            if len(instances) > room:
                self.limits.notices.append(Notice(
                    "budget", "unit-instances", block.loc.path, block.loc.line,
                    f"more than {MAX_UNIT_INSTANCES} resource instances in this root module; "
                    f"{self.prefix}{address} and what follows were analysed in part"))
                instances = instances[:max(room, 0)]
            self.limits.resource_instances += len(instances)
            for instance in instances:
                suffix = instance.suffix if instance is not None else ""
                out.append(RawResource("terraform", block.labels[0],
                                       self.prefix + address + suffix,
                                       self._unit_bounded(address, block, instance), block.loc,
                                       call_sites=self.call_sites))
        for address, block in self.data.items():
            out.append(RawResource("terraform", block.labels[0], self.prefix + address,
                                   self._unit_bounded(address, block), block.loc,
                                   is_data=True, call_sites=self.call_sites))
        for name in self.module_calls:
            for _instance, child in self.children(name):
                out.extend(child.raw_resources())
        return out

    def _unit_bounded(self, address: str, block: Block,
                      instance: Instance | None = None) -> Val:
        """The body, unless the unit's resources together exceed `UNIT_NODES`."""
        body = self.block_value(address, block, instance)
        try:
            nodes = self.limits.sizer.measure(body)[0]
        except BudgetExceeded:  # the attributes are bounded one by one, not together
            nodes = budgets.VALUE_NODES
        self.limits.unit_nodes += nodes
        if self.limits.unit_nodes <= budgets.UNIT_NODES:
            return body
        self.limits.budget("unit-nodes", block.loc, self.prefix + address)
        return _unknown_members(body)

    def expansion(self, address: str, block: Block) -> Expansion | None:
        """The instances of a resource (or `module.NAME` call) when `count`/`for_each` is known."""
        if address in self._expansions:
            return self._expansions[address]
        self._expansions[address] = None
        kind = meta_argument(block)
        result = None
        if kind is not None:
            result = expand(kind, self.eval(block.body.attributes[kind].expr))
        if result is not None and result.truncated:
            from vpcsec_lint.terraform.expansion import MAX_INSTANCES

            self.limits.notices.append(Notice(
                "budget", "instances", block.loc.path, block.loc.line,
                f"{self.prefix}{address} has {result.total} instances; the first "
                f"{MAX_INSTANCES} were analysed"))
        self._expansions[address] = result
        return result

    def children(self, name: str) -> list[tuple[Instance | None, Module]]:
        """The module called `name` (local, or installed by `terraform init`), one per
        instance, evaluated with its inputs."""
        if name in self._children:
            return self._children[name]
        self._children[name] = []
        block = self.module_calls[name]
        directory, source = self.module_directory(name, block)
        if directory is None:
            return []
        if self.depth >= MAX_MODULE_DEPTH:
            self.limits.budget("module-depth", block.loc, self.prefix + "module." + name)
            return []
        expansion = self.expansion(f"module.{name}", block)
        instances = [None] if expansion is None else expansion.instances
        if not instances:
            return []
        loaded = self._load_child(directory, block, source)
        if loaded is None:
            return []
        self.limits.call_arguments[(block.loc.path, block.loc.line)] = {
            k: a.loc for k, a in block.body.attributes.items()}
        out: list[tuple[Instance | None, Module]] = []
        for instance in instances:
            if out and self.limits.instances >= budgets.MODULE_INSTANCES:
                self.limits.budget("module-instances", block.loc, self.prefix + "module." + name)
                break
            self.limits.instances += 1 if out else 0  # the first was counted on loading
            env = instance.env if instance is not None else {}
            suffix = instance.suffix if instance is not None else ""
            inputs = {k: self.limits.bounded(self.eval(a.expr, env, loc=a.loc), f"var.{k}")
                      for k, a in block.body.attributes.items() if k not in _NOT_INPUTS}
            out.append((instance, Module(
                loaded, self.loader, f"{self.prefix}module.{name}{suffix}.", inputs,
                (*self.call_sites, block.loc), self.root_dir, self.depth + 1,
                limits=self.limits, inherited=self._passed_providers(block))))
        self._children[name] = out
        return out

    def module_directory(self, name: str, block: Block) -> tuple[str | None, str | None]:
        """The directory of a module call, with its `source` when local (`./...`), else the
        installed one `terraform init` recorded (source None); a call not followed is an
        `unresolved` notice that says what to do about it."""
        source_attr = block.body.attributes.get("source")
        source = self.eval(source_attr.expr) if source_attr else None
        if source is None or not isinstance(source.value, str):
            return None, None
        if source.value.startswith(("./", "../")):
            return (os.path.normpath(os.path.join(self.source.directory, source.value)),
                    source.value)
        installed = self.limits.installed
        key = module_key(self.prefix, name)
        if installed is not None and key in installed.dirs:
            return installed.dirs[key], None
        expansion = self.expansion(f"module.{name}", block)
        if expansion is None or expansion.instances:  # `count = 0` needs no download
            self.limits.notices.append(not_followed(installed, key, source.value, block.loc))
        return None, None

    def _load_child(self, directory: str, block: Block,
                    source: str | None) -> ModuleSource | None:
        """The child module's files, if it may be followed: inside the analysis root,
        through no symlink (a local `source`), within the budget of module instances."""
        limits = self.limits
        shown_source = source if source is not None else directory
        lexical = os.path.normpath(os.path.join(os.path.realpath(self.source.directory),
                                                source or ""))
        if source is not None and os.path.realpath(directory) != lexical:
            limits.unresolved("symlink", block.loc, f"module source {shown(shown_source)} goes "
                              "through a symbolic link: not followed")
            return None
        if not inside_root(directory, limits.analysis_root):
            limits.unresolved("outside-analysis-root", block.loc,
                              f"module source {shown(shown_source)} is outside the analysis root "
                              f"{shown(limits.analysis_root)}: not followed")
            return None
        if limits.instances >= budgets.MODULE_INSTANCES:
            limits.budget("module-instances", block.loc, shown_source)
            return None
        limits.instances += 1
        return self.loader(directory)

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

    # -- resource bodies -----------------------------------------------------

    def block_value(self, address: str, block: Block, instance: Instance | None = None) -> Val:
        """The evaluated arguments of a block (of one instance of it, when expanded)."""
        cached = self._memo.get("block:" + address + (instance.suffix if instance else ""))
        if cached is _IN_PROGRESS or (cached is None and self._settling):
            return Val(UNKNOWN, block.loc)  # a cycle
        if cached is not None:
            return cached  # type: ignore[return-value]
        return self._block_value(address, block, instance)

    def _block_value(self, address: str, block: Block, instance: Instance | None = None) -> Val:
        memo_key = "block:" + address + (instance.suffix if instance else "")
        self._memo[memo_key] = _IN_PROGRESS
        env = {"each": Val(UNKNOWN), "count": Val(UNKNOWN), "self": Val(UNKNOWN)}
        if instance is not None:
            env.update(instance.env)
        value = self.body_value(block.body, block.loc, env)
        total, over = 0, False
        for name, member in list(value.value.items()):  # arguments, then the whole body
            member, nodes = self.limits.bounded_size(member, f"{self.prefix}{address}.{name}")
            if not over:
                total += nodes
                over = total > budgets.VALUE_NODES
                if over:
                    self.limits.budget("value-nodes", member.loc, self.prefix + address)
            value.value[name] = Val(UNKNOWN, member.loc) if over else member
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
        except RecursionError:  # not expected: `EXPRESSION_DEPTH` stops well before
            self.limits.budget("expression-depth", loc or getattr(expr, "loc", None))
            val = Val(UNKNOWN)
        if loc is not None:
            val = Val(val.value, loc, val.origins, val.ref, val.symbol, val.alternatives,
                      val.partial, val.parts)
        return val

    def _eval(self, expr: Expr, env: dict[str, Val]) -> Val:
        limits = self.limits
        if limits.depth >= budgets.EXPRESSION_DEPTH:
            limits.budget("expression-depth", getattr(expr, "loc", None))
            return Val(UNKNOWN, getattr(expr, "loc", None))
        limits.depth += 1
        try:
            return self._eval_inner(expr, env)
        finally:
            limits.depth -= 1

    def _eval_inner(self, expr: Expr, env: dict[str, Val]) -> Val:
        if isinstance(expr, Literal):
            if not budgets.integer_ok(expr.value):
                self.limits.budget("integer-digits", expr.loc)
                return Val(UNKNOWN, expr.loc)
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
            return self._splat(expr, env)
        if isinstance(expr, ForExpr):
            return self._for(expr, env)
        if isinstance(expr, Subscript):
            return self._apply_steps(self._eval(expr.source, env), expr.steps, env, expr.loc)
        return Val(UNKNOWN, getattr(expr, "loc", None))

    def _splat(self, expr: Splat, env: dict[str, Val]) -> Val:
        """`x[*].id`: the steps applied to each element (a single value is a list of one)."""
        source = self._eval(expr.source, env)
        if source.value is UNKNOWN or isinstance(source.value, dict) and source.ref is None:
            return Val(UNKNOWN, expr.loc, ref=source.ref)
        if source.value is None:
            return Val([], expr.loc)
        items = source.value if isinstance(source.value, list) else [source]
        return Val([self._apply_steps(item, expr.steps, env, item.loc or expr.loc)
                    for item in items], expr.loc)

    def _for(self, expr: ForExpr, env: dict[str, Val]) -> Val:
        """`[for k, v in c : v.id if cond]`, `{for ... : key => value}`, over a known collection."""
        from vpcsec_lint.terraform.expansion import MAX_INSTANCES

        collection = self._eval(expr.collection, env)
        if isinstance(collection.value, list):
            pairs = [(Val(i, expr.loc), item) for i, item in enumerate(collection.value)]
        elif isinstance(collection.value, dict):
            pairs = [(Val(k, expr.loc), collection.value[k]) for k in sorted(collection.value)]
        else:
            return Val(UNKNOWN, expr.loc)
        if len(pairs) > MAX_INSTANCES:
            return Val(UNKNOWN, expr.loc)
        items: list[Val] = []
        members: dict[str, Val] = {}
        for key, value in pairs:
            inner = {**env, expr.value_var: value}
            if expr.key_var is not None:
                inner[expr.key_var] = key
            if expr.cond is not None:
                keep = self._eval(expr.cond, inner).value
                if keep is False:
                    continue
                if keep is not True:
                    return Val(UNKNOWN, expr.loc)
            result = self._eval(expr.value, inner)
            if expr.key is None:
                items.append(result)
                continue
            name = self._eval(expr.key, inner).value
            if isinstance(name, bool) or not isinstance(name, (str, int, float)):
                return Val(UNKNOWN, expr.loc)
            name = _to_text(name)
            if expr.group:
                members.setdefault(name, Val([], expr.loc)).value.append(result)
            elif name in members:
                return Val(UNKNOWN, expr.loc)  # Terraform: duplicate object key
            else:
                members[name] = result
        return Val(items if expr.key is None else members, expr.loc)

    def _template(self, expr: Template, env: dict[str, Val]) -> Val:
        pieces: list[str] = []
        origins: list[Location] = []
        evaluated: list[Val] = []
        symbol = None
        unknown = False
        length = 0
        for part in expr.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            val = self._eval(part, env)
            origins.extend(val.origins)
            evaluated.append(val)
            if val.value is UNKNOWN or isinstance(val.value, (list, dict)):
                if len(expr.parts) == 1:
                    return Val(UNKNOWN, expr.loc, merge_origins(origins), val.ref, parts=val.parts)
                unknown = True  # keep the known text: `partial` shows `${...}` for this part
                pieces.append(val.partial if val.partial is not None else "${...}")
                continue
            symbol = symbol or val.symbol
            pieces.append(_to_text(val.value))
            length += len(pieces[-1])
            if length > budgets.STRING_CHARS:
                self.limits.budget("string-size", expr.loc)
                return Val(UNKNOWN, expr.loc, merge_origins(origins))
        parts = referring_parts(evaluated)
        if unknown:
            return Val(UNKNOWN, expr.loc, merge_origins(origins), partial="".join(pieces),
                       parts=parts)
        return Val("".join(pieces), expr.loc, merge_origins(origins), parts=parts)

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
        if fn is None:  # every other function, `templatefile`, `fileset`... included
            return Val(UNKNOWN, expr.loc)
        try:  # a function's work is bounded by its arguments' size, checked together
            self.limits.sizer.measure_all(args)
            result = fn(args, expr.loc)
            self.limits.sizer.measure(result)
        except BudgetExceeded as exc:
            self.limits.budget(exc.code, expr.loc, f"{expr.name}()")
            return Val(UNKNOWN, expr.loc)
        except (ArithmeticError, ValueError, TypeError):  # 1e999, huge numbers: unknown
            return Val(UNKNOWN, expr.loc)
        if result.loc is None:
            result.loc = expr.loc
        return result

    def _file(self, arg: Val, loc: Location) -> Val:
        """`file(path)`: only a regular file inside the analysis root (`sources.py`)."""
        if not isinstance(arg.value, str):
            return Val(UNKNOWN, loc)
        path = arg.value
        if not os.path.isabs(path):
            path = os.path.join(self.root_dir, path)
        root = self.limits.analysis_root
        text = read_inside_root(path, root, MAX_FILE_FUNCTION_BYTES)
        if text is None:
            if "\0" not in path and not inside_root(path, root):
                self.limits.unresolved("outside-analysis-root", loc,
                                       f"file({shown(arg.value)}) is outside the analysis root "
                                       f"{shown(root)}: not read")
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
                result = _ARITH[expr.op](a, b)
                if not budgets.integer_ok(result):
                    self.limits.budget("integer-digits", expr.loc)
                    return Val(UNKNOWN, expr.loc)
                return Val(result, expr.loc)
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
            return self._resource_attr(f"{root}.{names[0]}", steps[1:], env, expr.loc)
        return Val(UNKNOWN, expr.loc)

    def _apply_steps(self, val: Val, steps: list, env: dict[str, Val], loc: Location) -> Val:
        for step in steps:
            if val.ref is not None and val.ref[1] == "" and isinstance(step, GetAttr):
                val = _resource_member(val, step.name)  # keeps the shape `(address, attribute)`
                continue
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
            val = Val(member.value, member.loc, merge_origins(val.origins, member.origins),
                      member.ref, member.symbol or val.symbol, member.alternatives,
                      member.partial, member.parts)
        return Val(val.value, loc, val.origins, val.ref, val.symbol, val.alternatives,
                   val.partial, val.parts)

    def _variable(self, name: str, loc: Location) -> Val:
        symbol = f"{self.prefix}var.{name}"
        if self.inputs is not None and name in self.inputs:
            bound = self.inputs[name]
            where = (bound.loc,) if bound.loc else ()
            return Val(bound.value, loc, merge_origins(bound.origins, where), bound.ref,
                       bound.symbol or symbol, bound.alternatives, bound.partial, bound.parts)
        attr = self._variable_attr(name)
        if attr is None:
            return Val(UNKNOWN, loc, symbol=symbol)
        cached = self._memo.get("var:" + name)
        if cached is _IN_PROGRESS or (cached is None and self._settling):
            return Val(UNKNOWN, loc, (attr.loc,), None, symbol)  # a cycle
        val: Val = cached if cached is not None else self._variable_value(name)  # type: ignore[assignment]
        if val.value is None and name not in self.tfvars:
            return Val(UNKNOWN, loc, (attr.loc,), None, symbol)
        return Val(val.value, loc, (attr.loc,), None, symbol, val.alternatives)

    def _variable_attr(self, name: str) -> Attribute | None:
        """Where a variable's value is written when no module input binds it."""
        if name in self.tfvars:
            return self.tfvars[name]
        block = self.variables.get(name)
        if block is not None:
            return block.body.attributes.get("default")
        return None

    def _variable_expr(self, name: str) -> Expr | None:
        if self.inputs is not None and name in self.inputs:
            return None
        attr = self._variable_attr(name)
        return attr.expr if attr is not None else None

    def _variable_value(self, name: str) -> Val:
        attr = self._variable_attr(name)
        if attr is None or (self.inputs is not None and name in self.inputs):
            return Val(UNKNOWN)
        self._memo["var:" + name] = _IN_PROGRESS
        val = self.limits.bounded(self.eval(attr.expr), f"{self.prefix}var.{name}")
        self._memo["var:" + name] = val
        return val

    def _local(self, name: str, loc: Location) -> Val:
        attr = self.locals.get(name)
        if attr is None:
            return Val(UNKNOWN, loc)
        cached = self._memo.get("local:" + name)
        if cached is _IN_PROGRESS or (cached is None and self._settling):
            return Val(UNKNOWN, loc)  # a cycle
        val: Val = cached if cached is not None else self._local_value(name)  # type: ignore[assignment]
        return Val(val.value, loc, merge_origins(val.origins, (attr.loc,)), val.ref,
                   val.symbol or f"{self.prefix}local.{name}", val.alternatives, val.partial,
                   val.parts)

    def _local_value(self, name: str) -> Val:
        memo_key = "local:" + name
        self._memo[memo_key] = _IN_PROGRESS
        val = self.limits.bounded(self.eval(self.locals[name].expr),
                                  f"{self.prefix}local.{name}")
        self._memo[memo_key] = val
        return val

    def _module_output(self, names: list[str], steps: list, env: dict[str, Val],
                       loc: Location) -> Val:
        name = names[0]
        rest = steps[1:]
        children = self.children(name) if name in self.module_calls else []
        suffix = ""
        child = None
        if children and children[0][0] is None:  # not expanded
            child = children[0][1]
            while rest and isinstance(rest[0], Index):
                rest = rest[1:]
        elif rest and isinstance(rest[0], Index):  # `module.m["key"].output`
            key = self._eval(rest[0].key, env)
            rest = rest[1:]
            found = [m for i, m in children if i is not None and names_instance(key, i)]
            if found:
                child = found[0]
                suffix = found[0].prefix[len(f"{self.prefix}module.{name}"):-1]
        output = rest[0].name if rest and isinstance(rest[0], GetAttr) else ""
        ref = (f"{self.prefix}module.{name}{suffix}", output)
        if child is None or output not in child.outputs:
            return Val(UNKNOWN, loc, ref=ref)
        cached = child._memo.get("output:" + output)
        if cached is _IN_PROGRESS or cached is None:  # a cycle through the caller
            return Val(UNKNOWN, loc, ref=ref)
        val: Val = cached  # type: ignore[assignment]
        return self._apply_steps(Val(val.value, loc, val.origins, val.ref or ref, val.symbol,
                                     val.alternatives, parts=val.parts), rest[1:], env, loc)

    def _resource_attr(self, address: str, steps: list, env: dict[str, Val],
                       loc: Location) -> Val:
        """A reference to a resource: `aws_vpc.a.id`, `aws_subnet.b[0].id`, `aws_subnet.b`.

        The value keeps its shape `(address, attribute)` in `ref`, with the instance
        key in the address when the resource is expanded and the index is known.
        """
        block = self.resources.get(address)
        if block is None:
            return Val(UNKNOWN, loc, ref=(self.prefix + address, _first_attr_after(steps, 0) or ""))
        expansion = self.expansion(address, block)
        if expansion is None:
            if meta_argument(block) is not None and not steps:  # all instances of an unknown count
                return Val(UNKNOWN, loc, ref=(self.prefix + address, ""))
            while steps and isinstance(steps[0], Index):  # `[count.index]` of an unknown count
                steps = steps[1:]
            target = _resource_object(self.prefix + address, self.block_value(address, block))
        elif steps and isinstance(steps[0], Index):
            key = self._eval(steps[0].key, env)
            instance = expansion.find(key)
            if instance is None and key.known and not expansion.truncated:
                return Val(UNKNOWN, loc, symbol=FAILED)  # no such instance: an error
            if instance is None:
                return Val(UNKNOWN, loc, ref=(self.prefix + address,
                                              _first_attr_after(steps, 0) or ""))
            steps = steps[1:]
            target = _resource_object(self.prefix + address + instance.suffix,
                                      self.block_value(address, block, instance))
        else:  # the whole collection: `aws_subnet.b[*].id`, `for s in aws_subnet.b`
            objects = [(i.key, _resource_object(self.prefix + address + i.suffix,
                                                self.block_value(address, block, i)))
                       for i in expansion.instances]
            if meta_argument(block) == "count":
                target = Val([o for _k, o in objects], loc)
            else:
                target = Val({str(k): o for k, o in objects}, loc)
        if not steps:
            return Val(target.value, loc, target.origins, target.ref)
        return self._apply_steps(target, steps, env, loc)


def _resource_object(address: str, body: Val) -> Val:
    """A resource instance as a value: its arguments, and `ref` `(address, "")`."""
    return Val(body.value, body.loc, ref=(address, ""))


def _resource_member(obj: Val, name: str) -> Val:
    """Attribute `name` of a resource object; unknown when not written, always with its ref."""
    ref = (obj.ref[0], name) if obj.ref else None
    member = obj.get(name)
    if member is None:
        return Val(UNKNOWN, obj.loc, ref=ref)
    return Val(member.value, member.loc,
               merge_origins((member.loc,), member.origins) if member.loc else (), ref,
               member.symbol, member.alternatives)


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


def _unknown_members(body: Val) -> Val:
    """A body whose arguments are all unknown (kept, so that no default applies)."""
    return Val({k: Val(UNKNOWN, v.loc) for k, v in body.value.items()}, body.loc)


def _references(expr: Expr) -> Iterator[str]:
    """The named values `expr` refers to, as evaluation keys (`local:x`, `block:aws_vpc.a`)."""
    stack: list[object] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Traversal):
            names = [s.name for s in node.steps if isinstance(s, GetAttr)]
            if node.root in ("local", "var", "module") and names:
                yield f"{node.root}:{names[0]}"
            elif node.root not in NON_RESOURCE_ROOTS and names:
                yield f"block:{node.root}.{names[0]}"
            stack.extend(s.key for s in node.steps if isinstance(s, Index))
        elif isinstance(node, Template):
            stack.extend(p for p in node.parts if not isinstance(p, str))
        elif isinstance(node, TupleExpr):
            stack.extend(node.items)
        elif isinstance(node, ObjectExpr):
            for key, value in node.items:
                stack.extend((key, value))
        elif isinstance(node, Call):
            stack.extend(node.args)
        elif isinstance(node, Conditional):
            stack.extend((node.cond, node.true, node.false))
        elif isinstance(node, BinaryOp):
            stack.extend((node.left, node.right))
        elif isinstance(node, UnaryOp):
            stack.append(node.operand)
        elif isinstance(node, Splat):
            stack.append(node.source)
            stack.extend(s.key for s in node.steps if isinstance(s, Index))
        elif isinstance(node, Subscript):
            stack.append(node.source)
            stack.extend(s.key for s in node.steps if isinstance(s, Index))
        elif isinstance(node, ForExpr):
            stack.extend(e for e in (node.collection, node.value, node.key, node.cond)
                         if e is not None)
        elif not isinstance(node, (Literal, Opaque)):
            continue


def _body_references(body: Body) -> Iterator[str]:
    """The named values a block body (nested blocks included) refers to."""
    bodies = [body]
    while bodies:
        current = bodies.pop()
        for attr in current.attributes.values():
            yield from _references(attr.expr)
        bodies.extend(b.body for b in current.blocks)


class ReferenceMemo:
    """The references of parsed bodies and expressions, by identity, across evaluations.

    Parsed trees never change and outlive one evaluation (the parse cache, the
    blocks an editor's change left alone), so the evaluation order of a module
    evaluated before costs one lookup per named value, not a walk of its code.
    At most `limit` trees are held: past that the memo starts afresh.
    """

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._refs: dict[int, tuple[Body | Expr, list[str]]] = {}

    def of(self, node: Body | Expr) -> list[str]:
        """What `node` refers to (a list the caller must not change)."""
        entry = self._refs.get(id(node))
        if entry is not None and entry[0] is node:
            return entry[1]
        refs = list(_body_references(node) if isinstance(node, Body) else _references(node))
        if len(self._refs) >= self.limit:
            self._refs.clear()
        self._refs[id(node)] = (node, refs)  # holding `node` keeps its id unique
        return refs


_REFERENCES = ReferenceMemo()
