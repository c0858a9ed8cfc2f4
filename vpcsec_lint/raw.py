"""What each parser hands to the model builder: evaluated resources and file results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vpcsec_lint.findings import Notice

if TYPE_CHECKING:
    from vpcsec_lint.terraform.installed_modules import InstalledModules
from vpcsec_lint.values import Location, Val


@dataclass(slots=True)
class RawResource:
    """One resource (or Terraform data source) with its evaluated arguments.

    `body` is a mapping `Val`: Terraform arguments and nested blocks (a block
    type maps to a list of block mappings), or CloudFormation `Properties`.
    """

    framework: str
    type: str
    address: str
    body: Val
    loc: Location
    is_data: bool = False
    call_sites: tuple[Location, ...] = ()
    """Terraform: the `module` blocks, outermost first, that instantiate it."""
    metadata: Val | None = None
    """CloudFormation: the resource's `Metadata`."""


@dataclass(slots=True)
class FileProblem:
    """A file that could not be read or parsed (reported as VSL000)."""

    path: str
    message: str
    line: int = 1
    column: int = 1
    framework: str = "terraform"


@dataclass(slots=True)
class Unit:
    """One unit of analysis: a Terraform root module or a CloudFormation template."""

    framework: str
    root: str
    """The module directory or template path."""
    files: list[str] = field(default_factory=list)
    """Every file read for this unit (templates, .tf, .tfvars)."""
    resources: list[RawResource] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    """Terraform: the text of each file read (suppression comments are looked up there)."""
    template_metadata: Val | None = None
    """CloudFormation: the template's top-level `Metadata`."""
    notices: list[Notice] = field(default_factory=list)
    """Budgets hit and things not followed while loading (see `findings.Notice`)."""
    installed_modules: InstalledModules | None = None
    """Terraform: the modules `terraform init` downloaded (findings inside move to the call)."""
    call_arguments: dict[tuple[str, int], dict[str, Location]] = field(default_factory=dict)
    """Terraform: `(path, line)` of each followed `module` block -> its arguments by name."""
