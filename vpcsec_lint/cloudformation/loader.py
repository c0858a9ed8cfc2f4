"""A CloudFormation template file -> a `Unit` of evaluated resources."""

from __future__ import annotations

from vpcsec_lint.raw import FileProblem, Unit
from vpcsec_lint.sources import SourceError, read_source

CFN_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def load_template(path: str, text: str | None = None, named: bool = False) -> Unit | None:
    """Load a template; None when the file is not CloudFormation.

    A file that fails to load is a problem (VSL000) in the returned unit when it
    looks like CloudFormation or cannot be read at all; other YAML/JSON is not
    ours, whether `named` explicitly or found by a walk (pre-commit names every
    file it stages), so `named` does not change the outcome.
    """
    from vpcsec_lint.cloudformation.template import build_unit, is_template, mentions_template
    from vpcsec_lint.yamlnodes import DocumentError, load_document

    unit = Unit("cloudformation", path, files=[path])
    try:
        if text is None:
            text = read_source(path)
    except SourceError as exc:
        # Ours when unreadable (it may be a template) or visibly a template; like other
        # YAML/JSON, undecodable data that does not look like one is skipped, named or not.
        unit.problems.append(FileProblem(path, str(exc), exc.line, exc.column,
                                         framework="cloudformation"))
        unreadable = str(exc).startswith("cannot be read")
        ours = unreadable or path.endswith(".template") or mentions_template(exc.sample)
        return unit if ours else None
    if path.endswith(".json"):
        from vpcsec_lint.terraform.plan import is_plan, load_plan

        if is_plan(text):  # `terraform show -json`: a Terraform unit
            return load_plan(path, text)
        from vpcsec_lint.cloudformation.cdk import check_manifest, is_assembly_manifest

        if is_assembly_manifest(path):  # a CDK assembly's: VSL000 when broken
            return check_manifest(path, text)
    if not mentions_template(text):
        # Other YAML/JSON is not ours, even when named: pre-commit names every such file.
        return None
    try:
        doc = load_document(text, path, is_json=path.endswith(".json") or text.lstrip(
            "\ufeff \t\r\n").startswith("{"))
    except DocumentError as exc:
        unit.problems.append(FileProblem(path, exc.message, exc.line, exc.column,
                                         "cloudformation"))
        return unit
    if not is_template(doc):  # e.g. serverless.yml: AWS:: types below the top level
        return None
    return build_unit(doc, path)  # type: ignore[arg-type]

