"""What each parser hands to the model builder: evaluated resources and file results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsec_lint.findings import Notice
from vpcsec_lint.records import Record

if TYPE_CHECKING:
    from vpcsec_lint.terraform.installed_modules import InstalledModules
from vpcsec_lint.values import Location, Val


class RawResource(Record):
    """One resource (or Terraform data source) with its evaluated arguments.

    `body` is a mapping `Val`: Terraform arguments and nested blocks (a block
    type maps to a list of block mappings), or CloudFormation `Properties`.
    `call_sites`, Terraform: the `module` blocks, outermost first, that
    instantiate it. `metadata`, CloudFormation: the resource's `Metadata`.
    """

    __slots__ = ("framework", "type", "address", "body", "loc", "is_data", "call_sites",
                 "metadata")

    def __init__(self, framework: str, type: str, address: str, body: Val, loc: Location,
                 is_data: bool = False, call_sites: tuple[Location, ...] = (),
                 metadata: Val | None = None) -> None:
        self.framework = framework
        self.type = type
        self.address = address
        self.body = body
        self.loc = loc
        self.is_data = is_data
        self.call_sites = call_sites
        self.metadata = metadata


class FileProblem(Record):
    """A file that could not be read or parsed (reported as VSL000)."""

    __slots__ = ("path", "message", "line", "column", "framework")

    def __init__(self, path: str, message: str, line: int = 1, column: int = 1,
                 framework: str = "terraform") -> None:
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        self.framework = framework


class Unit(Record):
    """One unit of analysis: a Terraform root module or a CloudFormation template.

    - `root`: the module directory or template path;
    - `files`: every file read for this unit (templates, .tf, .tfvars);
    - `texts`, Terraform: the text of each file read (suppression comments are
      looked up there);
    - `template_metadata`, CloudFormation: the template's top-level `Metadata`;
    - `notices`: budgets hit and things not followed while loading (see
      `findings.Notice`);
    - `installed_modules`, Terraform: the modules `terraform init` downloaded
      (findings inside move to the call);
    - `call_arguments`, Terraform: `(path, line)` of each followed `module`
      block -> its arguments by name.
    """

    __slots__ = ("framework", "root", "files", "resources", "problems", "texts",
                 "template_metadata", "notices", "installed_modules", "call_arguments")

    def __init__(self, framework: str, root: str, files: list[str] | None = None,
                 resources: list[RawResource] | None = None,
                 problems: list[FileProblem] | None = None,
                 texts: dict[str, str] | None = None, template_metadata: Val | None = None,
                 notices: list[Notice] | None = None,
                 installed_modules: InstalledModules | None = None,
                 call_arguments: dict[tuple[str, int], dict[str, Location]] | None = None,
                 ) -> None:
        self.framework = framework
        self.root = root
        self.files = [] if files is None else files
        self.resources = [] if resources is None else resources
        self.problems = [] if problems is None else problems
        self.texts = {} if texts is None else texts
        self.template_metadata = template_metadata
        self.notices = [] if notices is None else notices
        self.installed_modules = installed_modules
        self.call_arguments = {} if call_arguments is None else call_arguments
