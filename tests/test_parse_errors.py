"""VSL000 messages say what is wrong and where; valid Terraform the grammar rejects is accepted."""

from __future__ import annotations

import pytest

from vpcsec_lint.terraform.hcl_adapter import parse_hcl
from vpcsec_lint.terraform.syntax import Literal, ParseFailure
from vpcsec_lint.yamlnodes import DocumentError, load_document


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    ('resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n',
     "unexpected end of file; the '{' at line 1, column 24 is never closed (expected '}')", 3, 1),
    ('x = [1,\n  2\n', "unexpected end of file; the '[' at line 1, column 5 is never closed "
     "(expected ']')", 3, 1),
    ('x = "abc\ny = 1\n', "unexpected end of file; the string at line 1, column 5 is never "
     "closed", 1, 6),
    ('x = <<EOF\nabc\n', "heredoc <<EOF has no closing marker line", 1, 5),
    ('/* x\ny = 1\n', "comment '/*' is never closed", 1, 1),
    ('x = 1 +\n', "unexpected end of file; an expression is missing", 2, 1),
    ('x = "${local.a[${var.b}]}"\n', "unexpected '${'; '${...}' can only be written inside a "
     "quoted string, not inside another '${...}' or an expression", 1, 16),
    ('x = [{\n  a = 1\n  b {\n    c = 1\n  }\n}]\n', "unexpected '{'; a nested block cannot "
     "be written inside an expression (Terraform 0.11 syntax): write 'name = { ... }'", 3, 5),
    ('variable {\n  name\n  default = 1\n}\n', "unexpected 'default', expected '{'", 3, 3),
    ('Some invalid code', "unexpected end of file, expected '{'", 1, 18),
    ('x = 1\n\x07 = 2\n', "unexpected character '\\x07'", 2, 1),
])
def test_hcl_errors_name_the_problem_and_its_position(text: str, message: str, line: int,
                                                      column: int) -> None:
    with pytest.raises(ParseFailure) as caught:
        parse_hcl(text, "main.tf")
    assert (caught.value.message, caught.value.line, caught.value.column) == (
        f"invalid HCL: {message}", line, column)


def test_unclosed_interpolation_in_an_unclosed_string() -> None:
    with pytest.raises(ParseFailure) as caught:
        parse_hcl('a {\n  x = "${var.a}\n}\n', "main.tf")
    assert caught.value.message == ("invalid HCL: unexpected end of file; the string at line "
                                    "2, column 7 is never closed")


@pytest.mark.parametrize(("text", "value"), [
    ('\ufeffx = "a"\n', "a"),                       # UTF-8 byte-order mark
    ('x = <<EOF\na\nEOF   \n', "a\n"),              # blanks after the heredoc's end marker
    ('x = "${~ "a" ~}"\n', "a"),                    # template strip markers
    ('x = "%{~ if true ~}a%{~ endif ~}"\n', None),  # directive strip markers (value unknown)
    ('x = "a"\r\ny = 1\r\n', "a"),                  # CRLF
])
def test_valid_terraform_the_grammar_rejects_is_accepted(text: str, value: str | None) -> None:
    body = parse_hcl(text, "main.tf")
    expr = body.attributes["x"].expr
    assert body.attributes["x"].loc.line == 1
    if value is not None:
        assert isinstance(expr, Literal) and expr.value == value


def test_strip_markers_keep_columns() -> None:
    loc = parse_hcl('x = "${~ var.a ~}"\n', "main.tf").attributes["x"].expr.loc
    assert (loc.line, loc.column, loc.end_column) == (1, 10, 15)  # `var.a` where it is written


@pytest.mark.parametrize(("text", "is_json", "message", "line", "column"), [
    ("a: [1, 2\nb: 3\n", False, "invalid YAML: did not find expected ',' or ']' "
     "(in the flow sequence that starts at line 1)", 2, 2),
    ('{"a": 1\n "b": 2}\n', True, "invalid JSON: did not find expected ',' or '}' "
     "(in the flow mapping that starts at line 1)", 2, 5),
    ("a: 1\n---\nb: 2\n", False, "expected a single document, but found another document", 2, 1),
    ("a: *nope\n", False, "alias *nope refers to no anchor", 1, 4),
    ("a: &x [*x]\n", False, "alias *x is used inside its own anchor", 1, 8),
    ("a: b\x01\n", False, "invalid YAML: character U+0001 is not allowed", 1, 5),
    ("a: b\udcff\n", False, "invalid YAML: not valid UTF-8 text", 1, 5),
])
def test_yaml_and_json_errors(text: str, is_json: bool, message: str, line: int,
                              column: int) -> None:
    with pytest.raises(DocumentError) as caught:
        load_document(text, "t.yaml", is_json=is_json)
    assert (caught.value.message, caught.value.line, caught.value.column) == (
        message, line, column)
